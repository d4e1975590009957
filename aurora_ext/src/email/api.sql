-- email outbox: what the edge's delivery worker calls --------------------------------------

-- the outbox is aurora's bookkeeping: no client policy at all (written by queue_email(),
-- read by the edge's worker through the functions below)
alter table email_outbox enable row level security;

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

-- The two leased queues (email_outbox, brevo_contact_sync) work one way: a worker claims
-- due rows with FOR UPDATE SKIP LOCKED under a lease and a fresh lease token (rows whose
-- claimer vanished are due again when the lease ends); it renews the lease of a row right
-- before acting on it (renew_lease: false means another worker holds it now: do nothing);
-- it records the outcome with the token. A transient failure is retried with backoff until
-- the row is `horizon_seconds` old (failed after that, with the last error); a permanent
-- one fails at once; an operator requeues failed rows (requeue_failed).

-- Claims up to `batch` due emails for `lease_seconds`.
create function aurora_private.claim_emails(batch integer, lease_seconds integer)
returns table (id bigint, template text, recipient_email text, params jsonb,
               delivery_key uuid, attempts integer, lease_token uuid)
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
       set status = 'sending', attempts = o.attempts + 1, lease_token = gen_random_uuid(),
           lease_until = now() + make_interval(secs => greatest(lease_seconds, 1))
      from due where o.id = due.id
    returning o.id, o.template, o.recipient_email, o.params, o.delivery_key, o.attempts, o.lease_token
$$;

-- Extends the lease of a row the caller still holds; false when another worker took it.
create function aurora_private.renew_lease(queue text, row_id bigint, token uuid, lease_seconds integer)
returns boolean
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if queue = 'emails' then
        update public.email_outbox set lease_until = now() + make_interval(secs => greatest(lease_seconds, 1))
         where id = row_id and status = 'sending' and lease_token = token;
    elsif queue = 'contact_syncs' then
        update public.brevo_contact_sync set lease_until = now() + make_interval(secs => greatest(lease_seconds, 1))
         where id = row_id and status = 'sending' and lease_token = token;
    else
        raise exception 'no leased queue %', queue using errcode = 'invalid_parameter_value';
    end if;
    return found;
end
$$;

-- Records what happened to a claimed email: sent / captured (no Brevo key: kept locally),
-- retry (after `retry_in_ms`; failed once the row is `horizon_seconds` old), failed
-- (permanent). Only the lease holder's answer counts (null otherwise).
create function aurora_private.complete_email(email_id bigint, token uuid, outcome text, message_id text,
                                              error text, retry_in_ms integer, horizon_seconds integer)
returns text
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    update public.email_outbox o
       set status = case
               when outcome in ('sent', 'captured') then outcome
               when outcome = 'retry' and coalesce(o.requeued_at, o.created_at) > now() - make_interval(secs => horizon_seconds) then 'pending'
               else 'failed' end,
           sent_at = case when outcome in ('sent', 'captured') then now() end,
           provider_message_id = coalesce(message_id, o.provider_message_id),
           last_error = case when outcome in ('sent', 'captured') then o.last_error
                             when outcome = 'retry' and coalesce(o.requeued_at, o.created_at) <= now() - make_interval(secs => horizon_seconds)
                             then 'gave up after ' || horizon_seconds || ' s of retries: ' || error
                             else error end,
           next_attempt_at = case when outcome = 'retry'
                                  then now() + make_interval(secs => greatest(retry_in_ms, 0) / 1000.0)
                                  else o.next_attempt_at end,
           lease_until = null, lease_token = null
     where o.id = email_id and o.status = 'sending' and o.lease_token = token
    returning o.status
$$;

-- The operator's call: failed rows (all, or these ids) go back to the queue, due now.
create function aurora_private.requeue_failed(queue text, ids bigint[] default null)
returns integer
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare n integer;
begin
    if queue = 'emails' then
        update public.email_outbox set status = 'pending', next_attempt_at = now(), requeued_at = now(),
               last_error = 'requeued; before: ' || coalesce(last_error, '')
         where status = 'failed' and (ids is null or id = any (ids));
    elsif queue = 'contact_syncs' then
        update public.brevo_contact_sync set status = 'pending', next_attempt_at = now(), requeued_at = now(),
               last_error = 'requeued; before: ' || coalesce(last_error, '')
         where status = 'failed' and (ids is null or id = any (ids));
    else
        raise exception 'no leased queue %', queue using errcode = 'invalid_parameter_value';
    end if;
    get diagnostics n = row_count;
    return n;
end
$$;

-- Queue depth and age, for the edge's metrics: each count reads a partial index, not the
-- outbox's history.
create function aurora_private.email_outbox_stats()
returns table (pending bigint, oldest_pending_seconds double precision, failed bigint)
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select (select count(*) from public.email_outbox where status = 'pending')
         + (select count(*) from public.email_outbox where status = 'sending'),
           coalesce(extract(epoch from now() - least(
               (select min(created_at) from public.email_outbox where status = 'pending'),
               (select min(created_at) from public.email_outbox where status = 'sending'))), 0),
           (select count(*) from public.email_outbox where status = 'failed')
$$;

alter table brevo_contact_sync enable row level security;

-- Queues an email for a member (the edge, for what it learns from GoTrue). A member may
-- ask for a verification email once a minute.
create function aurora_private.queue_member_email(p_member uuid, p_template text, p_params jsonb,
                                                  p_key text)
returns text
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    recipient text;
begin
    -- her row lock first: parallel requests of hers are decided one after the other, so
    -- the once-a-minute check below sees what the previous one queued
    select a.email into recipient from public.member_accounts a where a.id = p_member for update;
    if recipient is null then
        return 'no_recipient';
    end if;
    if p_template = 'email-verification' and exists (
        select 1 from public.email_outbox o
         where o.user_id = p_member and o.template = 'email-verification'
           and o.created_at > now() - interval '60 seconds') then
        return 'too_soon';
    end if;
    perform aurora_private.queue_email(p_template, p_member, p_params, p_key);
    return 'queued';
end
$$;

-- A member's name as it may appear in an email: it is text she typed, so links, markup and
-- template braces are taken out and it is cut at 40 characters (a name, not a message).
-- Every email that greets a member by name goes through here.
create function email_first_name(full_name text) returns text
language sql immutable parallel safe
as $$
    select left(btrim(regexp_replace(regexp_replace(coalesce($1, ''),
                      '(https?://|www\.)\S*|[<>{}\[\]\\|@]', '', 'gi'), '\s+', ' ', 'g')), 40)
$$;

-- The one writer of email_outbox: every email aurora sends is queued here (payments,
-- course completion, the welcome, reminders, the edge's). Once per idempotency key; to her
-- profile's address, else `p_fallback_recipient` (the address Stripe has, say); a name in
-- `prenom` goes in as every name does (email_first_name). True when queued by this call.
create function aurora_private.queue_email(p_template text, p_member uuid, p_params jsonb, p_key text,
                                           p_fallback_recipient text default null)
returns boolean
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    with queued as (
        insert into public.email_outbox (template, user_id, recipient_email, params, idempotency_key)
        select p_template, a.id, coalesce(a.email, p_fallback_recipient),
               case when p_params ? 'prenom'
                    then p_params || jsonb_build_object('prenom', public.email_first_name(p_params ->> 'prenom'))
                    else coalesce(p_params, '{}') end,
               p_key
          from public.member_accounts a
         where a.id = p_member and coalesce(a.email, p_fallback_recipient) is not null
        on conflict (idempotency_key) do nothing
        returning 1
    )
    select exists (select from queued)
$$;

-- Welcome, and her first contact sync, once her address is confirmed: an unconfirmed
-- sign-up is an address anyone may have typed, and aurora must not mail it or list it.
-- After aurora_on_auth_user_created (trigger names fire in order), so her profile exists.
create function welcome_confirmed_member() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if new.email_confirmed_at is null or (tg_op = 'UPDATE' and old.email_confirmed_at is not null) then
        return null;
    end if;
    perform aurora_private.queue_email('welcome', p.id, jsonb_build_object('prenom', p.full_name), 'welcome:' || p.id)
       from public.profiles p where p.id = new.id;
    insert into public.brevo_contact_sync (user_id, reason)
    select p.id, 'signup' from public.profiles p where p.id = new.id;
    perform pg_notify('aurora_email_outbox', '');
    return null;
end
$$;
create trigger aurora_on_auth_user_email_confirmed after insert or update of email_confirmed_at on auth.users
    for each row execute function welcome_confirmed_member();

-- Reminders N days before a trial ends (Stripe's, or the free trial aurora grants) or a
-- subscription set to cancel ends (at the period's end, or at a scheduled `cancel_at` as
-- flexible billing sets it); one per subscription (or trial) and end date. Run by the
-- sweep worker and callable by service_role.
create function queue_subscription_reminders(days_before integer default 3) returns integer
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    with due as (
        select 'reminder:' || s.id as key, s.user_id, p.full_name,
               case when s.status = 'trialing' then s.trial_end
                    else coalesce(s.cancel_at, s.current_period_end) end as ends_at,
               case when s.status = 'trialing' then 'trial_ending' else 'subscription_ending' end as reason
          from public.subscriptions s
          join public.profiles p on p.id = s.user_id
         where (s.status = 'trialing' and s.trial_end between now() and now() + make_interval(days => days_before))
            or (s.status in ('active', 'past_due')
                and coalesce(s.cancel_at, case when s.cancel_at_period_end then s.current_period_end end)
                    between now() and now() + make_interval(days => days_before))
        union all
        -- aurora's free trial (no Stripe subscription)
        select 'reminder:trial:' || a.id, a.id, p.full_name, a.trial_ends_at, 'trial_ending'
          from public.member_accounts a join public.profiles p on p.id = a.id
         where aurora_private.entitlement(a.subscription_type, a.trial_ends_at) = 'trial'
           and a.trial_ends_at - make_interval(days => days_before) <= now()
           and not exists (select from public.subscriptions s where s.user_id = a.id)
    )
    select count(*)::int from due
     where aurora_private.queue_email(
               'subscription-reminder', user_id,
               jsonb_build_object('prenom', full_name, 'raison', reason,
                                  'date_fin', to_char(ends_at at time zone 'Europe/Paris', 'DD/MM/YYYY')),
               key || ':' || extract(epoch from ends_at)::bigint)
$$;

-- contact list sync ----------------------------------------------------------------------

-- A confirmed member's entitlement changed: her Brevo lists follow (her first sync is made
-- when she confirms her address, welcome_confirmed_member()).
create function brevo_contact_on_account() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if new.subscription_type is distinct from old.subscription_type
       and exists (select from auth.users u where u.id = new.id and u.email_confirmed_at is not null) then
        insert into public.brevo_contact_sync (user_id, reason) values (new.id, 'entitlement');
        perform pg_notify('aurora_email_outbox', '');
    end if;
    return null;
end
$$;
create trigger member_accounts_brevo_contact after update of subscription_type on member_accounts
    for each row execute function brevo_contact_on_account();

-- Claims due contact syncs with the member's current email, name and entitlement.
create function aurora_private.claim_contact_syncs(batch integer, lease_seconds integer)
returns table (id bigint, email text, full_name text, entitlement text, attempts integer, lease_token uuid)
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    with due as (
        select c.id from public.brevo_contact_sync c
         where (c.status = 'pending' and c.next_attempt_at <= now())
            or (c.status = 'sending' and c.lease_until < now())
         order by c.next_attempt_at, c.id
         limit greatest(batch, 1)
         for update skip locked
    ), claimed as (
        update public.brevo_contact_sync c
           set status = 'sending', attempts = c.attempts + 1, lease_token = gen_random_uuid(),
               lease_until = now() + make_interval(secs => greatest(lease_seconds, 1))
          from due where c.id = due.id
        returning c.id, c.user_id, c.attempts, c.lease_token
    )
    -- the name Brevo keeps (and may put in campaigns) is cleaned as in our own emails;
    -- her list is her entitlement now (a trial past its end is freemium already)
    select claimed.id, a.email, public.email_first_name(p.full_name),
           aurora_private.entitlement(a.subscription_type, a.trial_ends_at), claimed.attempts, claimed.lease_token
      from claimed left join public.profiles p on p.id = claimed.user_id
      left join public.member_accounts a on a.id = claimed.user_id
$$;

create function aurora_private.complete_contact_sync(sync_id bigint, token uuid, outcome text, error text,
                                                     retry_in_ms integer, horizon_seconds integer)
returns text
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    update public.brevo_contact_sync c
       set status = case when outcome = 'done' then 'done'
                         when outcome = 'retry' and coalesce(c.requeued_at, c.created_at) > now() - make_interval(secs => horizon_seconds) then 'pending'
                         else 'failed' end,
           done_at = case when outcome = 'done' then now() end,
           last_error = case when outcome = 'done' then null else error end,
           next_attempt_at = case when outcome = 'retry'
                                  then now() + make_interval(secs => greatest(retry_in_ms, 0) / 1000.0)
                                  else c.next_attempt_at end,
           lease_until = null, lease_token = null
     where c.id = sync_id and c.status = 'sending' and c.lease_token = token
    returning c.status
$$;
