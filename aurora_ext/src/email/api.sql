-- email outbox: what the edge's delivery worker calls --------------------------------------

-- New rows wake the workers (LISTEN aurora_email_outbox); a timer covers the rest.
create function email_outbox_notify() returns trigger
language plpgsql set search_path = pg_catalog, pg_temp
as $$
begin
    perform pg_notify('aurora_email_outbox', '');
    return null;
end
$$;
create trigger email_outbox_notify after insert on email_outbox
    for each statement execute function email_outbox_notify();

-- Claims up to `batch` due emails for `lease_seconds`: pending ones whose time has come,
-- and ones whose claimer vanished (lease expired). SKIP LOCKED: several workers never
-- claim the same row.
create function aurora_private.claim_emails(batch integer, lease_seconds integer)
returns table (id bigint, template text, recipient_email text, params jsonb,
               delivery_key uuid, attempts integer)
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    with due as (
        select o.id from public.email_outbox o
         where (o.status = 'pending' and o.next_attempt_at <= now())
            or (o.status = 'sending' and o.lease_until < now())
         order by o.next_attempt_at, o.id
         limit greatest(batch, 1)
         for update skip locked
    )
    update public.email_outbox o
       set status = 'sending', attempts = o.attempts + 1,
           lease_until = now() + make_interval(secs => greatest(lease_seconds, 1))
      from due where o.id = due.id
    returning o.id, o.template, o.recipient_email, o.params, o.delivery_key, o.attempts
$$;

-- Records what happened to a claimed email: sent / captured (no Brevo key: kept locally),
-- retry (after `retry_in_ms`, or failed once `max_attempts` are spent), failed (permanent).
-- Only a row still being sent changes, so a late answer cannot undo another worker's.
create function aurora_private.complete_email(email_id bigint, outcome text, message_id text,
                                              error text, retry_in_ms integer, max_attempts integer)
returns text
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    update public.email_outbox o
       set status = case
               when outcome in ('sent', 'captured') then outcome
               when outcome = 'retry' and o.attempts < max_attempts then 'pending'
               else 'failed' end,
           sent_at = case when outcome in ('sent', 'captured') then now() end,
           provider_message_id = coalesce(message_id, o.provider_message_id),
           last_error = case when outcome in ('sent', 'captured') then o.last_error else error end,
           next_attempt_at = case when outcome = 'retry'
                                  then now() + make_interval(secs => greatest(retry_in_ms, 0) / 1000.0)
                                  else o.next_attempt_at end,
           lease_until = null
     where o.id = email_id and o.status = 'sending'
    returning o.status
$$;

-- Queue depth and age, for the edge's metrics.
create function aurora_private.email_outbox_stats()
returns table (pending bigint, oldest_pending_seconds double precision, failed bigint)
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select count(*) filter (where status in ('pending', 'sending')),
           coalesce(extract(epoch from now() - min(created_at) filter (where status in ('pending', 'sending'))), 0),
           count(*) filter (where status = 'failed')
      from public.email_outbox
$$;

revoke all on function aurora_private.claim_emails(integer, integer),
                       aurora_private.complete_email(bigint, text, text, text, integer, integer),
                       aurora_private.email_outbox_stats()
    from public, anon, authenticated;
