-- aurora 0.1.0 → 0.2.0. Pending: this step accumulates every change to the extension's
-- SQL until 0.2.0 is released (aurora_ext/RELEASES); a released step is never edited.
-- Each change below ends the database exactly where a fresh `create extension aurora` of
-- the same commit would (tests/upgrade.sh checks it).
\echo Use "ALTER EXTENSION aurora UPDATE" to load this file. \quit

-- gamification: the level rule, callable from SQL (add_points, sql/adopt.sql)
CREATE  FUNCTION aurora_private."level_for"(
	"points" INT /* i32 */
) RETURNS INT /* i32 */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'level_for_sql_wrapper';
-- as platform/finalize.sql leaves every aurora_private function
revoke all on function aurora_private.level_for(integer) from public, anon, authenticated;
grant execute on function aurora_private.level_for(integer) to service_role;

-- Text limits hold on what is stored, on every write path (an edit is not trimmed as an
-- insert is). Rows that only an edit could have pushed past a limit are trimmed first.
update chat_messages set content = btrim(content) where char_length(content) > 4000;
alter table chat_messages drop constraint chat_messages_content_check,
    add constraint chat_messages_content_check check (char_length(content) between 1 and 4000 and btrim(content) <> '');
update salons set name = btrim(name) where char_length(name) > 80;
alter table salons drop constraint salons_name_check,
    add constraint salons_name_check check (char_length(name) between 1 and 80 and btrim(name) <> '');
update courses set title = btrim(title) where char_length(title) > 200;
alter table courses drop constraint courses_title_check,
    add constraint courses_title_check check (char_length(title) between 1 and 200 and btrim(title) <> '');
update lessons set title = btrim(title) where char_length(title) > 200;
alter table lessons drop constraint lessons_title_check,
    add constraint lessons_title_check check (char_length(title) between 1 and 200 and btrim(title) <> '');

-- A salon's counter shards are visible exactly where the salon is.
alter policy salon_counter_shards_select on salon_counter_shards
    using (salon_id in (select s.id from salons s));

-- No client role holds any right on a sequence of the extension but the two it inserts with.
revoke all on sequence email_outbox_id_seq, brevo_contact_sync_id_seq, chat_messages_id_seq,
                       message_reactions_id_seq from public, anon, authenticated;
grant usage on sequence chat_messages_id_seq to authenticated;
grant usage on sequence message_reactions_id_seq to authenticated;

-- aurora_private is closed to clients; the public API wrappers run as the definer.
alter function create_salon_with_code(text, text, text, text, text) security definer;
alter function join_salon_via_code(text) security definer;
alter function create_salon_invitation(uuid, text, uuid, integer) security definer;
alter function accept_salon_invitation(text) security definer;
alter function leave_salon(uuid) security definer;
alter function set_member_role(uuid, uuid, text) security definer;
alter function delete_message(bigint) security definer;
alter function get_reply_message_info(bigint) security definer;
alter function toggle_message_reaction(bigint, text) security definer;
alter function handle_message_reaction(bigint, text, text) security definer;
alter function get_lesson_content(uuid) security definer;
alter function start_course(uuid) security definer;
alter function update_lesson_progress(uuid, integer, integer, integer) security definer;
alter function record_profile_view(uuid) security definer;
revoke all on all functions in schema aurora_private from authenticated;
revoke usage on schema aurora_private from authenticated;

-- Storage: object names must be normal paths in every policy; no listing for anon (public
-- buckets serve files by URL), members list their own folder and visible salons' avatars.
create function storage_path_is_normal(name text) returns boolean
language sql immutable strict parallel safe
as $$ select $1 ~ '^[^/]+(/[^/]+)*$' and $1 !~ '(^|/)\.{1,2}(/|$)' $$;
revoke all on function storage_path_is_normal(text) from public, anon, authenticated;
grant execute on function storage_path_is_normal(text) to authenticated;
do $$
begin
    if to_regclass('storage.objects') is null then
        return;
    end if;
    drop policy if exists aurora_images_read on storage.objects;
    drop policy if exists aurora_own_folder_select on storage.objects;
    drop policy if exists aurora_own_folder_insert on storage.objects;
    drop policy if exists aurora_own_folder_update on storage.objects;
    drop policy if exists aurora_own_folder_delete on storage.objects;
    drop policy if exists aurora_salon_avatar_select on storage.objects;
    drop policy if exists aurora_salon_avatar_insert on storage.objects;
    drop policy if exists aurora_salon_avatar_update on storage.objects;
    drop policy if exists aurora_salon_avatar_delete on storage.objects;

    create policy aurora_own_folder_select on storage.objects for select to authenticated
        using (bucket_id in ('avatars', 'covers') and public.storage_path_is_normal(objects.name)
               and (storage.foldername(objects.name))[1] = (select auth.uid())::text);
    -- writing needs her profile: an account being erased has none, and uploads nothing more
    create policy aurora_own_folder_insert on storage.objects for insert to authenticated
        with check (bucket_id in ('avatars', 'covers') and public.storage_path_is_normal(objects.name)
                    and (storage.foldername(objects.name))[1] = (select auth.uid())::text
                    and exists (select from public.profiles p where p.id = (select auth.uid())));
    create policy aurora_own_folder_update on storage.objects for update to authenticated
        using (bucket_id in ('avatars', 'covers') and public.storage_path_is_normal(objects.name)
               and (storage.foldername(objects.name))[1] = (select auth.uid())::text)
        with check (bucket_id in ('avatars', 'covers') and public.storage_path_is_normal(objects.name)
                    and (storage.foldername(objects.name))[1] = (select auth.uid())::text
                    and exists (select from public.profiles p where p.id = (select auth.uid())));
    create policy aurora_own_folder_delete on storage.objects for delete to authenticated
        using (bucket_id in ('avatars', 'covers') and public.storage_path_is_normal(objects.name)
               and (storage.foldername(objects.name))[1] = (select auth.uid())::text);

    -- a salon's avatar: listed where the salon is visible, written by its owner
    create policy aurora_salon_avatar_select on storage.objects for select to authenticated
        using (bucket_id = 'salon-avatars' and public.storage_path_is_normal(objects.name)
               and (storage.foldername(objects.name))[1] in (select s.id::text from public.salons s));
    create policy aurora_salon_avatar_insert on storage.objects for insert to authenticated
        with check (bucket_id = 'salon-avatars' and public.storage_path_is_normal(objects.name)
                    and (storage.foldername(objects.name))[1] in
                        (select s.id::text from public.salons s where s.owner_id = (select auth.uid())));
    create policy aurora_salon_avatar_update on storage.objects for update to authenticated
        using (bucket_id = 'salon-avatars' and public.storage_path_is_normal(objects.name)
               and (storage.foldername(objects.name))[1] in
                   (select s.id::text from public.salons s where s.owner_id = (select auth.uid())))
        with check (bucket_id = 'salon-avatars' and public.storage_path_is_normal(objects.name)
                    and (storage.foldername(objects.name))[1] in
                        (select s.id::text from public.salons s where s.owner_id = (select auth.uid())));
    create policy aurora_salon_avatar_delete on storage.objects for delete to authenticated
        using (bucket_id = 'salon-avatars' and public.storage_path_is_normal(objects.name)
               and (storage.foldername(objects.name))[1] in
                   (select s.id::text from public.salons s where s.owner_id = (select auth.uid())));
end
$$;

-- Emails: the welcome and the first contact sync wait for a confirmed address; a member's
-- name in an email goes through email_first_name() (no links, markup or braces; 40 characters).
drop trigger profiles_welcome_email on profiles;
drop function email_welcome_new_profile();
create function email_first_name(full_name text) returns text
language sql immutable parallel safe
as $$
    select left(btrim(regexp_replace(regexp_replace(coalesce($1, ''),
                      '(https?://|www\.)\S*|[<>{}\[\]\\|@]', '', 'gi'), '\s+', ' ', 'g')), 40)
$$;

revoke all on function email_first_name(text) from public, anon, authenticated;
create function aurora_private.queue_email(p_template text, p_member uuid, p_params jsonb, p_key text,
                                           p_fallback_recipient text default null)
returns boolean
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    with queued as (
        insert into public.email_outbox (template, user_id, recipient_email, params, idempotency_key)
        select p_template, p.id, coalesce(p.email, p_fallback_recipient),
               case when p_params ? 'prenom'
                    then p_params || jsonb_build_object('prenom', public.email_first_name(p_params ->> 'prenom'))
                    else coalesce(p_params, '{}') end,
               p_key
          from public.profiles p
         where p.id = p_member and coalesce(p.email, p_fallback_recipient) is not null
        on conflict (idempotency_key) do nothing
        returning 1
    )
    select exists (select from queued)
$$;

revoke all on function aurora_private.queue_email(text, uuid, jsonb, text, text) from public, anon, authenticated;
grant execute on function aurora_private.queue_email(text, uuid, jsonb, text, text) to service_role;
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

revoke all on function welcome_confirmed_member() from public, anon, authenticated;
create or replace function queue_subscription_reminders(days_before integer default 3) returns integer
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
        select 'reminder:trial:' || p.id, p.id, p.full_name, p.trial_ends_at, 'trial_ending'
          from public.profiles p
         where aurora_private.entitlement(p.subscription_type, p.trial_ends_at) = 'trial'
           and p.trial_ends_at - make_interval(days => days_before) <= now()
           and not exists (select from public.subscriptions s where s.user_id = p.id)
    )
    select count(*)::int from due
     where aurora_private.queue_email(
               'subscription-reminder', user_id,
               jsonb_build_object('prenom', full_name, 'raison', reason,
                                  'date_fin', to_char(ends_at at time zone 'Europe/Paris', 'DD/MM/YYYY')),
               key || ':' || extract(epoch from ends_at)::bigint)
$$;

create or replace function brevo_contact_on_profile() returns trigger
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
drop trigger profiles_brevo_contact on profiles;
create trigger profiles_brevo_contact after update of subscription_type on profiles
    for each row execute function brevo_contact_on_profile();


-- Stripe events: bad input is 22023 before the core parses it (nesting over 64 levels);
-- every event of one customer is applied under her lock; a signed event that cannot be
-- applied is recorded as rejected, with its reason (no 500 on every redelivery).
alter table stripe_events alter column created drop not null,
    drop constraint stripe_events_status_check,
    add constraint stripe_events_status_check
        check (status in ('received', 'applied', 'ignored', 'stale', 'pending', 'rejected')),
    add column reason text;
create index idx_stripe_events_rejected on stripe_events (received_at) where status = 'rejected';
-- any status Stripe adds later is kept as sent; a scheduled cancellation is recorded
alter table subscriptions drop constraint subscriptions_status_check,
    add constraint subscriptions_status_check check (status ~ '^[a-z][a-z_]{0,39}$'),
    add column cancel_at timestamptz;
alter function aurora_private.apply_stripe_event(jsonb) rename to apply_stripe_event_core;
revoke all on function aurora_private.apply_stripe_event_core(jsonb) from aurora_edge;
create function aurora_private.stripe_event_customer(event jsonb) returns text
language sql immutable parallel safe
set search_path = pg_catalog, pg_temp
as $$
    select case
        when jsonb_typeof(event #> '{data,object,customer}') = 'string' then event #>> '{data,object,customer}'
        when event #>> '{data,object,object}' = 'customer' and jsonb_typeof(event #> '{data,object,id}') = 'string'
            then event #>> '{data,object,id}'
    end
$$;

create function aurora_private.reject_stripe_event(event jsonb, reason text) returns jsonb
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    with shaped as (
        select case when jsonb_typeof(event -> 'id') = 'string' and event ->> 'id' ~ '^evt_[A-Za-z0-9_]{1,250}$'
                    then event ->> 'id'
                    else 'evt_rejected_' || md5(coalesce(event ->> 'id', event::text)) end as id,
               case when jsonb_typeof(event -> 'created') = 'number'
                         and (event ->> 'created')::numeric between 946684800 and 4102444799
                    then to_timestamp((event ->> 'created')::float8) end as created
    ), kept as (
        insert into public.stripe_events as e
               (id, type, created, livemode, customer_id, object_id, payload, status, reason, processed_at)
        select s.id, left(coalesce(event ->> 'type', ''), 200), s.created,
               coalesce(event -> 'livemode' = 'true'::jsonb, false),
               left(aurora_private.stripe_event_customer(event), 255),
               left(case when jsonb_typeof(event #> '{data,object,id}') = 'string' then event #>> '{data,object,id}' end, 255),
               event, 'rejected', left(reject_stripe_event.reason, 2000), now()
          from shaped s
        on conflict (id) do update
           set status = 'rejected', reason = excluded.reason, processed_at = now()
         where e.status in ('received', 'pending', 'rejected')
        returning e.id
    )
    select jsonb_build_object('event_id', s.id, 'type', event ->> 'type', 'status', 'rejected',
                              'reason', left(reject_stripe_event.reason, 2000))
      from shaped s left join kept k on true
$$;

create function aurora_private.apply_stripe_event(event jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    reason text;
begin
    if jsonb_typeof(event) is distinct from 'object' or jsonb_typeof(event -> 'id') is distinct from 'string'
       or jsonb_typeof(event -> 'type') is distinct from 'string'
       or jsonb_typeof(event -> 'created') is distinct from 'number' or event ->> 'object' is distinct from 'event' then
        raise exception 'not a Stripe event (id, type and created are required)'
            using errcode = 'invalid_parameter_value';
    end if;
    if jsonb_path_exists(event, 'strict $.**{64}') then
        raise exception 'not a Stripe event: nested deeper than 64 levels'
            using errcode = 'invalid_parameter_value';
    end if;
    -- a redelivery of an event already final (applied, ignored, stale) is answered without
    -- the lock (the core answers the same under the lock, for deliveries that raced)
    if exists (select from public.stripe_events e
                where e.id = event ->> 'id' and e.status in ('applied', 'ignored', 'stale')) then
        return jsonb_build_object('event_id', event ->> 'id', 'status', 'duplicate');
    end if;
    perform pg_advisory_xact_lock(hashtext('aurora.stripe_customer'),
                                  hashtext(coalesce(aurora_private.stripe_event_customer(event),
                                                    event #>> '{data,object,id}', event ->> 'id')));
    begin
        -- her customer was erased: recorded redacted, applied to nothing (privacy/api.sql)
        if aurora_private.stripe_customer_erased(aurora_private.stripe_event_customer(event)) then
            return aurora_private.record_erased_customer_event(event);
        end if;
        return aurora_private.apply_stripe_event_core(event);
    exception when data_exception or integrity_constraint_violation then
        reason := format('%s: %s', sqlstate, sqlerrm);
    end;
    return aurora_private.reject_stripe_event(event, reason);
end
$$;
revoke all on function aurora_private.apply_stripe_event(jsonb) from public, anon, authenticated;
grant execute on function aurora_private.apply_stripe_event(jsonb) to service_role;
grant execute on function aurora_private.apply_stripe_event(jsonb) to aurora_edge;
revoke all on function aurora_private.stripe_event_customer(jsonb) from public, anon, authenticated;
grant execute on function aurora_private.stripe_event_customer(jsonb) to service_role;
revoke all on function aurora_private.reject_stripe_event(jsonb, text) from public, anon, authenticated;
grant execute on function aurora_private.reject_stripe_event(jsonb, text) to service_role;
grant execute on function aurora_private.reject_stripe_event(jsonb, text) to aurora_edge;

-- Realtime: salon_members leaves the publication (its deletes say who left which salon).
do $$
begin
    if exists (select from pg_publication_tables
                where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'salon_members')
       and not (select puballtables from pg_publication where pubname = 'supabase_realtime') then
        alter publication supabase_realtime drop table salon_members;
    end if;
end
$$;

-- The edge's member emails and Brevo contacts carry names cleaned like every email's.
create or replace function aurora_private.queue_member_email(p_member uuid, p_template text, p_params jsonb,
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
    select p.email into recipient from public.profiles p where p.id = p_member for update;
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
-- (claim_contact_syncs: replaced below, with the leased queues)

-- Freemium: one entitlement rule (a trial ends by itself), one Paris day, the free trial
-- once, and the profile page behind the profile-view quota.
create function aurora_private.entitlement(subscription_type text, trial_ends_at timestamptz) returns text
language sql stable parallel safe
as $$
    select case when subscription_type = 'premium' then 'premium'
                when subscription_type = 'trial' and trial_ends_at > now() then 'trial'
                else 'freemium' end
$$;

create function aurora_private.paris_day_changed(last_reset timestamptz) returns boolean
language sql stable parallel safe
as $$
    select coalesce((last_reset at time zone 'Europe/Paris')::date < (now() at time zone 'Europe/Paris')::date, true)
$$;

create index idx_profiles_trials on profiles (trial_ends_at) where subscription_type = 'trial';
create function aurora_private.end_expired_trials() returns integer
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    with ended as (
        update public.profiles p set subscription_type = 'freemium'
         where p.subscription_type = 'trial'
           and aurora_private.entitlement(p.subscription_type, p.trial_ends_at) <> 'trial'
        returning 1
    )
    select count(*)::int from ended
$$;

CREATE  FUNCTION aurora_private."start_trial"() RETURNS jsonb /* JsonB */
STRICT VOLATILE SECURITY DEFINER  
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'start_trial_core_wrapper';
create function start_trial()
returns jsonb language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap(aurora_private.start_trial()); end $$;
do $$
declare f text;
begin
    foreach f in array array['aurora_private.entitlement(text, timestamptz)', 'aurora_private.paris_day_changed(timestamptz)',
                             'aurora_private.end_expired_trials()', 'aurora_private.start_trial()', 'start_trial()'] loop
        execute format('revoke all on function %s from public, anon, authenticated', f);
    end loop;
end
$$;
grant execute on function aurora_private.entitlement(text, timestamptz), aurora_private.paris_day_changed(timestamptz),
                          aurora_private.end_expired_trials(), aurora_private.start_trial() to service_role;
grant execute on function start_trial() to authenticated;
revoke select (bio, city, interests, cover_url) on profiles from authenticated;

-- The leased queues (emails, contact syncs): a lease token per claim, renewed right before
-- a row is acted on and required to record its outcome; transient failures retried until
-- a horizon instead of a number of attempts; failed rows requeued by an operator.
alter table email_outbox add column lease_token uuid, add column requeued_at timestamptz;
alter table brevo_contact_sync add column lease_token uuid, add column requeued_at timestamptz;
drop function aurora_private.claim_emails(integer, integer);
drop function aurora_private.complete_email(bigint, text, text, text, integer, integer);
drop function aurora_private.claim_contact_syncs(integer, integer);
drop function aurora_private.complete_contact_sync(bigint, text, text, integer, integer);
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
    select claimed.id, p.email, public.email_first_name(p.full_name),
           aurora_private.entitlement(p.subscription_type, p.trial_ends_at), claimed.attempts, claimed.lease_token
      from claimed left join public.profiles p on p.id = claimed.user_id
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

do $$
declare f text;
begin
    foreach f in array array['aurora_private.claim_emails(integer, integer)',
                             'aurora_private.renew_lease(text, bigint, uuid, integer)',
                             'aurora_private.complete_email(bigint, uuid, text, text, text, integer, integer)',
                             'aurora_private.requeue_failed(text, bigint[])',
                             'aurora_private.claim_contact_syncs(integer, integer)',
                             'aurora_private.complete_contact_sync(bigint, uuid, text, text, integer, integer)'] loop
        execute format('revoke all on function %s from public, anon, authenticated', f);
        execute format('grant execute on function %s to service_role', f);
        if f not like 'aurora_private.requeue_failed%%' then
            execute format('grant execute on function %s to aurora_edge', f);
        end if;
    end loop;
end
$$;

-- API errors: an absent detail or hint is absent (PostgREST answers null, not "").
create or replace function aurora_private.unwrap(result jsonb) returns jsonb
language plpgsql immutable
set search_path = pg_catalog, pg_temp
as $$
declare
    code text := result #>> '{error,code}';
    message text := result #>> '{error,message}';
    detail text := result #>> '{error,detail}';
    hint text := result #>> '{error,hint}';
begin
    if result ? 'error' then
        -- an absent detail or hint stays absent (PostgREST answers null, not "")
        if detail is null and hint is null then
            raise exception using errcode = code, message = message;
        elsif detail is null then
            raise exception using errcode = code, message = message, hint = hint;
        elsif hint is null then
            raise exception using errcode = code, message = message, detail = detail;
        else
            raise exception using errcode = code, message = message, detail = detail, hint = hint;
        end if;
    end if;
    return nullif(result -> 'ok', 'null'::jsonb);
end
$$;

-- Erasure as a durable job across every system (privacy/): the job and its steps, Stripe
-- payload redaction, the edge's claim and complete, service_role's erase_member(); Stripe
-- events about an erased customer are kept redacted and applied to nothing (above).
-- privacy: erasure as a durable job --------------------------------------------------------

-- One row per erased member (her id: no foreign key, the record outlives her account, as
-- the proof that she asked and that it was done). `emails` is what Brevo knows her by,
-- cleared once her contact is deleted; `stripe_customers` stays, so that Stripe's later
-- events about those customers are stored redacted and change nothing (README: retention).
create table aurora_private.erasures (
    user_id uuid primary key,
    requested_by text not null check (requested_by in ('member', 'service_role')),
    requested_at timestamptz not null default now(),
    completed_at timestamptz,
    emails text[] not null default '{}',
    stripe_customers text[] not null default '{}'
);
create index idx_erasures_stripe_customers on aurora_private.erasures using gin (stripe_customers);

-- The steps outside the database, carried out by the edge: each idempotent, leased like the
-- email queue, retried with backoff until done (never given up: an operator reads
-- `last_error`). `stage`: a step starts once every step of an earlier stage is done (her
-- auth user goes last: it is what identifies her to the others).
create table aurora_private.erasure_steps (
    user_id uuid not null references aurora_private.erasures (user_id) on delete cascade,
    step text not null check (step in ('sign_out', 'stripe', 'brevo', 'storage', 'auth_user')),
    stage smallint not null check (stage between 1 and 2),
    status text not null default 'pending' check (status in ('pending', 'running', 'done')),
    attempts integer not null default 0 check (attempts >= 0),
    next_attempt_at timestamptz not null default now(),
    lease_until timestamptz,
    lease_token uuid,
    last_error text,
    -- what was done (ids canceled, files deleted…), for the record
    result jsonb,
    done_at timestamptz,
    primary key (user_id, step)
);
create index idx_erasure_steps_due on aurora_private.erasure_steps (next_attempt_at) where status <> 'done';
-- no client reads or writes these: the functions below (privacy/api.sql) and service_role do
alter table aurora_private.erasures enable row level security;
alter table aurora_private.erasure_steps enable row level security;

CREATE  FUNCTION aurora_private."redact_stripe_payload"(
	"payload" jsonb, /* JsonB */
	"identifiers" TEXT[] /* Vec < Option < String > > */
) RETURNS jsonb /* JsonB */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'redact_stripe_payload_wrapper';

-- privacy: erasure, across every system that holds a member's data ---------------------------
--
-- Erasure starts in one transaction (start_erasure): her account is blocked (every aurora
-- function refuses her token: platform/caller.rs), what the database holds of her is deleted
-- or redacted, and the steps outside it are queued in aurora_private.erasure_steps. The edge
-- carries those out (edge/src/erasure.rs), each idempotent and retried until done: her
-- sessions revoked and sign-in refused (GoTrue), her Stripe subscriptions canceled and the
-- customer deleted, her Brevo contact deleted, her files deleted through the Storage API (the
-- bytes with the rows), and last her auth user (GoTrue), which takes the rest with it.
-- What is kept, and why: README, "Retention".

-- The state of her erasure, as the member, the edge and service_role see it.
create function aurora_private.erasure_status(p_user uuid) returns jsonb
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select jsonb_build_object(
               'user_id', e.user_id, 'requested_by', e.requested_by, 'requested_at', e.requested_at,
               'completed_at', e.completed_at,
               'status', case when e.completed_at is null then 'running' else 'completed' end,
               'steps', (select jsonb_agg(jsonb_build_object('step', s.step, 'status', s.status,
                                                              'attempts', s.attempts, 'last_error', s.last_error,
                                                              'done_at', s.done_at)
                                          order by s.stage, s.step)
                           from aurora_private.erasure_steps s where s.user_id = e.user_id))
      from aurora_private.erasures e where e.user_id = p_user
$$;

-- Starts her erasure, or answers the one already started (parallel requests get one job).
-- Locks in billing's order (her customers' locks, subscriptions, then her profile), so a
-- Stripe event of hers in flight either lands before (and is redacted with the rest) or
-- after (and finds her customer erased).
create function aurora_private.start_erasure(p_user uuid, p_requested_by text) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_emails text[];
    v_customers text[];
    v_personal text[];
    v_salons jsonb;
    v_customer text;
begin
    if p_user is null or p_requested_by is null or p_requested_by not in ('member', 'service_role') then
        raise exception 'start_erasure needs a member id and who asks (member or service_role)'
            using errcode = 'invalid_parameter_value';
    end if;
    perform pg_advisory_xact_lock(hashtext('aurora.erasure'), hashtext(p_user::text));
    if exists (select from aurora_private.erasures where user_id = p_user) then
        return aurora_private.erasure_status(p_user) || jsonb_build_object('started', false);
    end if;
    if not exists (select from auth.users where id = p_user) and not exists (select from public.profiles where id = p_user) then
        raise exception 'no member %', p_user using errcode = 'no_data_found', hint = 'Compte introuvable.';
    end if;

    select array(select distinct lower(x) from unnest(array[u.email, p.email]) x where x is not null and x <> ''),
           array(select distinct x from unnest(array[nullif(btrim(p.full_name), ''),
                                                      nullif(btrim(u.raw_user_meta_data ->> 'full_name'), ''),
                                                      nullif(btrim(u.raw_user_meta_data ->> 'name'), '')]) x
                  where x is not null)
      into v_emails, v_personal
      from (select p_user as id) me
      left join auth.users u on u.id = me.id
      left join public.profiles p on p.id = me.id;
    v_customers := array(
        select distinct c from (
            select stripe_customer_id as c from public.profiles where id = p_user
            union all select customer_id from public.subscriptions where user_id = p_user
            union all select customer_id from public.stripe_events where user_id = p_user
        ) x where c is not null order by c);
    foreach v_customer in array v_customers loop
        perform pg_advisory_xact_lock(hashtext('aurora.stripe_customer'), hashtext(v_customer));
    end loop;
    perform from public.subscriptions where user_id = p_user or customer_id = any (v_customers) order by id for update;
    perform from public.profiles where id = p_user for update;

    insert into aurora_private.erasures (user_id, requested_by, emails, stripe_customers)
    values (p_user, p_requested_by, v_emails, v_customers);
    insert into aurora_private.erasure_steps (user_id, step, stage, status, done_at, result)
    values (p_user, 'sign_out', 1, 'pending', null, null),
           (p_user, 'stripe', 1, case when cardinality(v_customers) = 0 then 'done' else 'pending' end,
            case when cardinality(v_customers) = 0 then now() end,
            case when cardinality(v_customers) = 0 then '{"customers": 0}'::jsonb end),
           (p_user, 'brevo', 1, case when cardinality(v_emails) = 0 then 'done' else 'pending' end,
            case when cardinality(v_emails) = 0 then now() end,
            case when cardinality(v_emails) = 0 then '{"contacts": 0}'::jsonb end),
           (p_user, 'storage', 1, 'pending', null, null),
           (p_user, 'auth_user', 2, 'pending', null, null);

    -- salons she owns pass to their senior moderator, else their longest member; a salon
    -- she was alone in is archived
    with owned as (
        select s.id,
               (select m.user_id from public.salon_members m
                 where m.salon_id = s.id and m.user_id <> p_user
                 order by (m.role = 'moderator') desc, m.joined_at, m.user_id limit 1) as heir
          from public.salons s where s.owner_id = p_user
    ), handed as (
        update public.salon_members m set role = 'owner'
          from owned where m.salon_id = owned.id and m.user_id = owned.heir
    ), moved as (
        update public.salons s
           set owner_id = owned.heir, is_active = s.is_active and owned.heir is not null
          from owned where s.id = owned.id
    )
    select coalesce(jsonb_agg(jsonb_build_object('salon_id', id, 'new_owner', heir)), '[]') into v_salons from owned;
    -- a salon's picture belongs to the salon: it stays, no longer marked as hers (an UPDATE:
    -- Storage guards deletes only)
    update storage.objects set owner = null, owner_id = null
     where bucket_id = 'salon-avatars' and (owner = p_user or owner_id = p_user::text);

    -- what she wrote is her personal data: deleted, not anonymised (replies to her stay,
    -- without the reference; reactions to her messages go with them)
    delete from public.message_reactions where user_id = p_user;
    delete from public.chat_messages where user_id = p_user;
    delete from public.salon_members where user_id = p_user;
    delete from public.salon_join_attempts where user_id = p_user;
    delete from public.salon_invitations where invitee_id = p_user or lower(invitee_email) = any (v_emails);
    update public.salon_invitations set invited_by = null where invited_by = p_user;
    update public.salon_invitations set accepted_by = null where accepted_by = p_user;
    delete from public.enrollments where user_id = p_user;
    delete from public.user_lesson_progress where user_id = p_user;
    delete from public.user_courses where user_id = p_user;
    delete from public.user_achievements where user_id = p_user;
    delete from public.user_activities where user_id = p_user;
    delete from public.user_progress_history where user_id = p_user;
    delete from public.user_stats where user_id = p_user;
    -- nothing more is sent to her or about her: a row being delivered right now was sent
    -- before erasure started (the worker renews its lease before acting on a row)
    delete from public.brevo_contact_sync where user_id = p_user;
    delete from public.email_outbox where user_id = p_user or lower(recipient_email) = any (v_emails);
    -- billing records stay for the accounting retention period, without her
    update public.subscriptions set user_id = null where user_id = p_user or customer_id = any (v_customers);
    update public.stripe_events
       set user_id = null,
           payload = aurora_private.redact_stripe_payload(payload, v_emails || v_personal || array[p_user::text])
     where user_id = p_user or customer_id = any (v_customers);
    delete from public.profiles where id = p_user;

    return aurora_private.erasure_status(p_user)
           || jsonb_build_object('started', true, 'salons_handed_over', v_salons);
end
$$;

-- service_role's entry (PostgREST: rpc('erase_member', { member_id })): starts the erasure
-- of any member, or answers its state when it was started already.
create function erase_member(member_id uuid) returns jsonb
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    select aurora_private.start_erasure(member_id, 'service_role')
$$;

-- Whether a Stripe customer belonged to an erased member.
create function aurora_private.stripe_customer_erased(customer text) returns boolean
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select customer is not null
           and exists (select from aurora_private.erasures e where e.stripe_customers @> array[customer])
$$;

-- The edge claims one due step (an earlier stage of the same erasure must be done), for
-- `lease_seconds`, with what it needs: her customers and their subscriptions (stripe), the
-- addresses Brevo knows her by (brevo), the objects she owns or that sit in her folders,
-- in any bucket (storage).
create function aurora_private.claim_erasure_step(lease_seconds integer)
returns table (user_id uuid, step text, attempts integer, lease_token uuid, input jsonb)
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    with due as (
        select s.user_id, s.step from aurora_private.erasure_steps s
         where ((s.status = 'pending' and s.next_attempt_at <= now())
                or (s.status = 'running' and s.lease_until < now()))
           and not exists (select from aurora_private.erasure_steps b
                            where b.user_id = s.user_id and b.stage < s.stage and b.status <> 'done')
         order by s.next_attempt_at, s.user_id, s.step
         limit 1
         for update skip locked
    ), claimed as (
        update aurora_private.erasure_steps s
           set status = 'running', attempts = s.attempts + 1, lease_token = gen_random_uuid(),
               lease_until = now() + make_interval(secs => greatest(lease_seconds, 1))
          from due where s.user_id = due.user_id and s.step = due.step
        returning s.user_id, s.step, s.attempts, s.lease_token
    )
    select c.user_id, c.step, c.attempts, c.lease_token,
           case c.step
               when 'stripe' then jsonb_build_object(
                   'customers', to_jsonb(e.stripe_customers),
                   'subscriptions', coalesce((select jsonb_agg(sub.id order by sub.id) from public.subscriptions sub
                                               where sub.customer_id = any (e.stripe_customers)), '[]'))
               when 'brevo' then jsonb_build_object('emails', to_jsonb(e.emails))
               when 'storage' then jsonb_build_object('files', coalesce((
                   select jsonb_agg(jsonb_build_object('bucket', o.bucket_id, 'name', o.name) order by o.bucket_id, o.name)
                     from storage.objects o
                    where o.owner = c.user_id or o.owner_id = c.user_id::text
                       or (storage.foldername(o.name))[1] = c.user_id::text), '[]'))
               else '{}'::jsonb end
      from claimed c join aurora_private.erasures e on e.user_id = c.user_id
$$;

-- Records a step's outcome (only the lease holder's counts: null otherwise). `done` keeps
-- what was done; Stripe's answers about her subscriptions update aurora's records of them;
-- once her contact is deleted her addresses are forgotten; the last step done completes the
-- erasure. `retry` puts it back after `retry_in_ms` with the error.
create function aurora_private.complete_erasure_step(p_user uuid, p_step text, token uuid, outcome text,
                                                     p_result jsonb, error text, retry_in_ms integer)
returns text
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_status text;
begin
    if outcome is null or outcome not in ('done', 'retry') then
        raise exception 'outcome must be done or retry, not %', outcome using errcode = 'invalid_parameter_value';
    end if;
    update aurora_private.erasure_steps s
       set status = case when outcome = 'done' then 'done' else 'pending' end,
           result = case when outcome = 'done' then p_result else s.result end,
           done_at = case when outcome = 'done' then now() end,
           last_error = case when outcome = 'done' then s.last_error else left(error, 2000) end,
           next_attempt_at = case when outcome = 'retry'
                                  then now() + make_interval(secs => greatest(retry_in_ms, 0) / 1000.0)
                                  else s.next_attempt_at end,
           lease_until = null, lease_token = null
     where s.user_id = p_user and s.step = p_step and s.status = 'running' and s.lease_token = token
    returning s.status into v_status;
    if v_status is distinct from 'done' then
        return v_status;
    end if;
    if p_step = 'stripe' then
        update public.subscriptions sub
           set status = x.status,
               canceled_at = coalesce(to_timestamp(x.canceled_at), sub.canceled_at),
               ended_at = coalesce(to_timestamp(x.ended_at), sub.ended_at)
          from jsonb_to_recordset(coalesce(p_result -> 'subscriptions', '[]')) as x(id text, status text, canceled_at bigint, ended_at bigint)
         where sub.id = x.id and x.status ~ '^[a-z][a-z_]{0,39}$';
    elsif p_step = 'brevo' then
        update aurora_private.erasures set emails = '{}' where user_id = p_user;
    end if;
    update aurora_private.erasures e set completed_at = now()
     where e.user_id = p_user and e.completed_at is null
       and not exists (select from aurora_private.erasure_steps s where s.user_id = p_user and s.status <> 'done');
    return v_status;
end
$$;

-- A Stripe event about an erased member's customer (her subscription's cancellation, the
-- customer's deletion, an invoice Stripe finalises later): kept for the accounting record,
-- redacted like the rest of hers, and applied to nothing.
create function aurora_private.record_erased_customer_event(event jsonb) returns jsonb
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    with e as (
        select x.user_id from aurora_private.erasures x
         where x.stripe_customers @> array[aurora_private.stripe_event_customer(event)]
         limit 1
    ), kept as (
        insert into public.stripe_events (id, type, created, livemode, customer_id, object_id, payload,
                                          status, reason, processed_at)
        select event ->> 'id', left(event ->> 'type', 200),
               case when (event ->> 'created')::numeric between 946684800 and 4102444799
                    then to_timestamp((event ->> 'created')::float8) end,
               coalesce(event -> 'livemode' = 'true'::jsonb, false),
               aurora_private.stripe_event_customer(event),
               left(case when jsonb_typeof(event #> '{data,object,id}') = 'string' then event #>> '{data,object,id}' end, 255),
               aurora_private.redact_stripe_payload(event, array(select user_id::text from e)),
               'ignored', 'customer erased', now()
        on conflict (id) do nothing
        returning 1
    )
    select jsonb_build_object('event_id', event ->> 'id', 'type', event ->> 'type',
                              'status', case when exists (select from kept) then 'ignored' else 'duplicate' end,
                              'reason', 'customer erased')
$$;

do $$
declare f text;
begin
    foreach f in array array['aurora_private.redact_stripe_payload(jsonb, text[])', 'aurora_private.erasure_status(uuid)',
                             'aurora_private.start_erasure(uuid, text)', 'erase_member(uuid)',
                             'aurora_private.stripe_customer_erased(text)', 'aurora_private.claim_erasure_step(integer)',
                             'aurora_private.complete_erasure_step(uuid, text, uuid, text, jsonb, text, integer)',
                             'aurora_private.record_erased_customer_event(jsonb)'] loop
        execute format('revoke all on function %s from public, anon, authenticated', f);
        execute format('grant execute on function %s to service_role', f);
    end loop;
end
$$;
revoke all on table aurora_private.erasures, aurora_private.erasure_steps from public, anon, authenticated;
grant all on table aurora_private.erasures, aurora_private.erasure_steps to service_role;
grant execute on function aurora_private.claim_erasure_step(integer),
    aurora_private.complete_erasure_step(uuid, text, uuid, text, jsonb, text, integer) to aurora_edge;
select pg_catalog.pg_extension_config_dump('aurora_private.erasures', '');
select pg_catalog.pg_extension_config_dump('aurora_private.erasure_steps', '');

-- Erasures in progress, for the edge's /ready (an operator's view): how many, the age of
-- the oldest, and how many of their steps are failing now (tried and put back: last_error
-- says why). Reads the partial index of undone steps only.
create function aurora_private.erasure_stats()
returns table (running bigint, oldest_running_seconds double precision, failing_steps bigint)
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select count(distinct s.user_id),
           coalesce(extract(epoch from now() - min(e.requested_at)), 0),
           count(*) filter (where s.last_error is not null)
      from aurora_private.erasure_steps s
      join aurora_private.erasures e on e.user_id = s.user_id
     where s.status <> 'done'
$$;
revoke all on function aurora_private.erasure_stats() from public, anon, authenticated;
grant execute on function aurora_private.erasure_stats() to service_role, aurora_edge;

-- The supabase-js contract: every RPC answers a declared type (a composite the type
-- generator names, types/database.types.ts), not jsonb; single-row functions answer one row;
-- get_leaderboard's argument is max_entries (PostgREST reads `limit` as its own). The Rust
-- functions that were public themselves become cores in aurora_private behind wrappers.

create function aurora_private.unwrap_as(result jsonb, shape anyelement) returns anyelement
language plpgsql immutable
set search_path = pg_catalog, pg_temp
as $$
begin
    if result ? 'error' then
        perform aurora_private.unwrap(result);
    end if;
    if jsonb_typeof(result -> 'ok') is distinct from 'object' then
        return null;
    end if;
    return jsonb_populate_record(shape, result -> 'ok');
end
$$;

create function aurora_private.answer_as(answer jsonb, shape anyelement) returns anyelement
language plpgsql immutable
set search_path = pg_catalog, pg_temp
as $$
begin
    if jsonb_typeof(answer) is distinct from 'object' then
        return null;
    end if;
    return jsonb_populate_record(shape, answer);
end
$$;

create type salon_answer as (
    id uuid, name text, description text, avatar_url text, category text, city text,
    color_theme text, owner_id uuid, is_active boolean, member_count integer,
    message_count integer, created_at timestamptz, updated_at timestamptz, owner_name text,
    owner_avatar text, actual_member_count integer, messages_today bigint, share_code text,
    role text, joined_at timestamptz
);

create type salon_invitation_answer as (
    id uuid, salon_id uuid, token text, expires_at timestamptz, invitee_id uuid, invitee_email text
);

create type salon_departure as (salon_id uuid, "left" boolean, new_owner uuid, archived boolean);

create type salon_role_answer as (salon_id uuid, user_id uuid, role text);

create type deleted_message as (id bigint, salon_id uuid, is_deleted boolean);

create type reply_preview as (
    id bigint, salon_id uuid, user_id uuid, author_name text, author_avatar text, excerpt text,
    is_deleted boolean, created_at timestamptz
);

create type reaction_answer as (message_id bigint, emoji text, action text, reacted boolean, count integer);

create type lesson_content as (lesson_id uuid, title text, content text, video_url text);

create type course_enrolment as (
    course_id uuid, enrolled_at timestamptz, status text, progress_percentage integer,
    newly_enrolled boolean
);

create type lesson_progress_answer as (
    lesson_id uuid, status text, completion_percentage integer, newly_completed boolean,
    course_completed boolean, watch_time_seconds integer, last_video_position integer,
    completed_at timestamptz
);

create type course_lesson as (
    id uuid, lesson_number integer, title text, duration_minutes integer, is_free boolean,
    release_day_offset integer, available_at timestamptz, is_released boolean, can_open boolean,
    status text, completion_percentage integer
);

create type trial_answer as (subscription_type text, trial_ends_at timestamptz);

create type profile_page as (
    id uuid, full_name text, avatar_url text, bio text, city text, interests text[],
    cover_url text, presence_status text, created_at timestamptz
);

create type profile_view as (counted boolean, views_today integer, "limit" integer, profile profile_page);

create type presence_state as (
    presence_status text, is_manual_status boolean, last_activity timestamptz,
    presence_expires_at timestamptz, streak_days integer
);

create type leaderboard_entry as (
    rank bigint, user_id uuid, full_name text, avatar_url text, points integer, level integer
);

create type erasure_step as (step text, status text, attempts integer, last_error text, done_at timestamptz);

create type salon_handover as (salon_id uuid, new_owner uuid);

create type erasure_state as (
    user_id uuid, requested_by text, requested_at timestamptz, completed_at timestamptz,
    status text, steps erasure_step[], started boolean, salons_handed_over salon_handover[]
);

create type member_export as (
    exported_at timestamptz, account jsonb, profile jsonb, stats jsonb, salons jsonb,
    salons_owned jsonb, messages jsonb, reactions jsonb, invitations_sent jsonb,
    invitations_received jsonb, join_attempts jsonb, enrollments jsonb, courses jsonb,
    lesson_progress jsonb, achievements jsonb, activities jsonb, progress_history jsonb,
    emails jsonb, subscriptions jsonb, payments jsonb, stripe_events jsonb, files jsonb
);

drop function create_salon_with_code(text, text, text, text, text), join_salon_via_code(text), create_salon_invitation(uuid, text, uuid, integer), accept_salon_invitation(text), leave_salon(uuid), set_member_role(uuid, uuid, text), delete_message(bigint), get_reply_message_info(bigint), toggle_message_reaction(bigint, text), handle_message_reaction(bigint, text, text), get_lesson_content(uuid), start_course(uuid), update_lesson_progress(uuid, integer, integer, integer), get_course_lessons(uuid), start_trial(), record_profile_view(uuid), handle_user_signin(), handle_user_signout(), update_user_activity(), rpc_update_activity(), rpc_set_manual_status(text), ensure_profile(), my_profile(), get_leaderboard(integer), erase_member(uuid), delete_my_account(), export_my_data();

CREATE  FUNCTION aurora_private."update_user_activity"() RETURNS jsonb /* JsonB */
STRICT VOLATILE SECURITY DEFINER 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'update_user_activity_wrapper';

CREATE  FUNCTION aurora_private."rpc_update_activity"() RETURNS jsonb /* JsonB */
STRICT VOLATILE SECURITY DEFINER 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'rpc_update_activity_wrapper';

CREATE  FUNCTION aurora_private."handle_user_signin"() RETURNS jsonb /* JsonB */
STRICT VOLATILE SECURITY DEFINER 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'handle_user_signin_wrapper';

CREATE  FUNCTION aurora_private."handle_user_signout"() RETURNS jsonb /* JsonB */
STRICT VOLATILE SECURITY DEFINER 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'handle_user_signout_wrapper';

CREATE  FUNCTION aurora_private."rpc_set_manual_status"(
	"status" TEXT DEFAULT NULL /* Option < String > */
) RETURNS jsonb /* JsonB */
VOLATILE SECURITY DEFINER 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'rpc_set_manual_status_wrapper';

CREATE  FUNCTION aurora_private."ensure_profile"() RETURNS jsonb /* pgrx :: JsonB */
STRICT VOLATILE SECURITY DEFINER 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'ensure_profile_wrapper';

CREATE  FUNCTION aurora_private."export_my_data"() RETURNS jsonb /* JsonB */
STRICT STABLE SECURITY DEFINER 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'export_my_data_wrapper';

CREATE  FUNCTION aurora_private."delete_my_account"() RETURNS jsonb /* JsonB */
STRICT VOLATILE SECURITY DEFINER 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'delete_my_account_wrapper';

CREATE  FUNCTION aurora_private."get_leaderboard"(
	"max_entries" INT /* i32 */
) RETURNS TABLE (
	"rank" bigint,  /* i64 */
	"user_id" uuid,  /* pgrx :: Uuid */
	"full_name" TEXT,  /* Option < String > */
	"avatar_url" TEXT,  /* Option < String > */
	"points" INT,  /* i32 */
	"level" INT  /* i32 */
)
STRICT STABLE SECURITY DEFINER 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'get_leaderboard_wrapper';

CREATE  FUNCTION aurora_private."get_course_lessons"(
	"course_id" uuid /* pgrx :: Uuid */
) RETURNS TABLE (
	"id" uuid,  /* pgrx :: Uuid */
	"lesson_number" INT,  /* i32 */
	"title" TEXT,  /* String */
	"duration_minutes" INT,  /* Option < i32 > */
	"is_free" bool,  /* bool */
	"release_day_offset" INT,  /* i32 */
	"available_at" timestamp with time zone,  /* Option < pgrx :: datum :: TimestampWithTimeZone > */
	"is_released" bool,  /* bool */
	"can_open" bool,  /* bool */
	"status" TEXT,  /* String */
	"completion_percentage" INT  /* i32 */
)
STRICT STABLE SECURITY DEFINER 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'get_course_lessons_wrapper';

create function create_salon_with_code(name text, description text default null,
                                       category text default null, city text default null,
                                       color_theme text default null)
returns salon_answer language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap_as(aurora_private.create_salon_with_code(name, description, category, city, color_theme), null::public.salon_answer); end $$;

create function join_salon_via_code(code text)
returns salon_answer language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap_as(aurora_private.join_salon_via_code(code), null::public.salon_answer); end $$;

create function create_salon_invitation(salon_id uuid, invitee_email text default null,
                                        invitee_id uuid default null, expires_in_days integer default null)
returns salon_invitation_answer language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap_as(aurora_private.create_salon_invitation(salon_id, invitee_email, invitee_id, expires_in_days), null::public.salon_invitation_answer); end $$;

create function accept_salon_invitation(token text)
returns salon_answer language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap_as(aurora_private.accept_salon_invitation(token), null::public.salon_answer); end $$;

create function leave_salon(salon_id uuid)
returns salon_departure language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap_as(aurora_private.leave_salon(salon_id), null::public.salon_departure); end $$;

create function set_member_role(salon_id uuid, user_id uuid, role text)
returns salon_role_answer language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap_as(aurora_private.set_member_role(salon_id, user_id, role), null::public.salon_role_answer); end $$;

create function delete_message(message_id bigint)
returns deleted_message language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap_as(aurora_private.delete_message(message_id), null::public.deleted_message); end $$;

create function get_reply_message_info(message_id bigint)
returns reply_preview language plpgsql stable security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap_as(aurora_private.get_reply_message_info(message_id), null::public.reply_preview); end $$;

create function toggle_message_reaction(message_id bigint, emoji text)
returns reaction_answer language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap_as(aurora_private.toggle_message_reaction(message_id, emoji), null::public.reaction_answer); end $$;

create function handle_message_reaction(message_id bigint, emoji text, action text)
returns reaction_answer language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap_as(aurora_private.handle_message_reaction(message_id, emoji, action), null::public.reaction_answer); end $$;

create function get_lesson_content(lesson_id uuid)
returns lesson_content language plpgsql stable security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap_as(aurora_private.get_lesson_content(lesson_id), null::public.lesson_content); end $$;

create function start_course(course_id uuid)
returns course_enrolment language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap_as(aurora_private.start_course(course_id), null::public.course_enrolment); end $$;

create function update_lesson_progress(lesson_id uuid, position_seconds integer default 0,
                                       watch_time_seconds integer default 0,
                                       completion_percentage integer default 0)
returns lesson_progress_answer language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap_as(aurora_private.update_lesson_progress(lesson_id, position_seconds, watch_time_seconds, completion_percentage), null::public.lesson_progress_answer); end $$;

create function get_course_lessons(course_id uuid)
returns setof course_lesson language sql stable security definer set search_path = pg_catalog, pg_temp
as $$ select * from aurora_private.get_course_lessons($1) $$;

create function start_trial()
returns trial_answer language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap_as(aurora_private.start_trial(), null::public.trial_answer); end $$;

create function record_profile_view(profile_id uuid)
returns profile_view language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap_as(aurora_private.record_profile_view(profile_id), null::public.profile_view); end $$;

create function handle_user_signin()
returns presence_state language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.answer_as(aurora_private.handle_user_signin(), null::public.presence_state); end $$;

create function handle_user_signout()
returns presence_state language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.answer_as(aurora_private.handle_user_signout(), null::public.presence_state); end $$;

create function update_user_activity()
returns presence_state language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.answer_as(aurora_private.update_user_activity(), null::public.presence_state); end $$;

create function rpc_update_activity()
returns presence_state language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.answer_as(aurora_private.rpc_update_activity(), null::public.presence_state); end $$;

create function rpc_set_manual_status(status text default null)
returns presence_state language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.answer_as(aurora_private.rpc_set_manual_status(status), null::public.presence_state); end $$;

create function ensure_profile()
returns profiles language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.answer_as(aurora_private.ensure_profile(), null::public.profiles); end $$;

create function my_profile() returns profiles
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select p.* from public.profiles p where p.id = (select auth.uid())
$$;

create function get_leaderboard(max_entries integer default 10)
returns setof leaderboard_entry language sql stable security definer set search_path = pg_catalog, pg_temp
as $$ select * from aurora_private.get_leaderboard(max_entries) $$;

create function erase_member(member_id uuid) returns erasure_state
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.answer_as(aurora_private.start_erasure(member_id, 'service_role'), null::public.erasure_state); end $$;

create function delete_my_account() returns erasure_state
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.answer_as(aurora_private.delete_my_account(), null::public.erasure_state); end $$;

create function export_my_data() returns member_export
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.answer_as(aurora_private.export_my_data(), null::public.member_export); end $$;

do $$
declare f text;
begin
    foreach f in array array['aurora_private.unwrap_as(jsonb, anyelement)',
                             'aurora_private.answer_as(jsonb, anyelement)',
                             'aurora_private.update_user_activity()',
                             'aurora_private.rpc_update_activity()',
                             'aurora_private.handle_user_signin()',
                             'aurora_private.handle_user_signout()',
                             'aurora_private.rpc_set_manual_status(text)',
                             'aurora_private.ensure_profile()',
                             'aurora_private.export_my_data()',
                             'aurora_private.delete_my_account()',
                             'aurora_private.get_leaderboard(integer)',
                             'aurora_private.get_course_lessons(uuid)',
                             'create_salon_with_code(text, text, text, text, text)',
                             'join_salon_via_code(text)',
                             'create_salon_invitation(uuid, text, uuid, integer)',
                             'accept_salon_invitation(text)',
                             'leave_salon(uuid)',
                             'set_member_role(uuid, uuid, text)',
                             'delete_message(bigint)',
                             'get_reply_message_info(bigint)',
                             'toggle_message_reaction(bigint, text)',
                             'handle_message_reaction(bigint, text, text)',
                             'get_lesson_content(uuid)',
                             'start_course(uuid)',
                             'update_lesson_progress(uuid, integer, integer, integer)',
                             'get_course_lessons(uuid)',
                             'start_trial()',
                             'record_profile_view(uuid)',
                             'handle_user_signin()',
                             'handle_user_signout()',
                             'update_user_activity()',
                             'rpc_update_activity()',
                             'rpc_set_manual_status(text)',
                             'ensure_profile()',
                             'my_profile()',
                             'get_leaderboard(integer)',
                             'erase_member(uuid)',
                             'delete_my_account()',
                             'export_my_data()'] loop
        execute format('revoke all on function %s from public, anon, authenticated', f);
    end loop;
end
$$;

grant execute on function aurora_private.unwrap_as(jsonb, anyelement), aurora_private.answer_as(jsonb, anyelement), aurora_private.update_user_activity(), aurora_private.rpc_update_activity(), aurora_private.handle_user_signin(), aurora_private.handle_user_signout(), aurora_private.rpc_set_manual_status(text), aurora_private.ensure_profile(), aurora_private.export_my_data(), aurora_private.delete_my_account(), aurora_private.get_leaderboard(integer), aurora_private.get_course_lessons(uuid) to service_role;

grant execute on function create_salon_with_code(text, text, text, text, text), join_salon_via_code(text), create_salon_invitation(uuid, text, uuid, integer), accept_salon_invitation(text), leave_salon(uuid), set_member_role(uuid, uuid, text), delete_message(bigint), get_reply_message_info(bigint), toggle_message_reaction(bigint, text), handle_message_reaction(bigint, text, text), get_lesson_content(uuid), start_course(uuid), update_lesson_progress(uuid, integer, integer, integer), get_course_lessons(uuid), start_trial(), record_profile_view(uuid), handle_user_signin(), handle_user_signout(), update_user_activity(), rpc_update_activity(), rpc_set_manual_status(text), ensure_profile(), my_profile(), get_leaderboard(integer), delete_my_account(), export_my_data() to authenticated;

grant execute on function my_profile(), get_lesson_content(uuid), create_salon_with_code(text, text, text, text, text), join_salon_via_code(text), create_salon_invitation(uuid, text, uuid, integer), accept_salon_invitation(text), leave_salon(uuid), set_member_role(uuid, uuid, text), delete_message(bigint), get_reply_message_info(bigint), toggle_message_reaction(bigint, text), handle_message_reaction(bigint, text, text), start_course(uuid), get_course_lessons(uuid), update_lesson_progress(uuid, integer, integer, integer), record_profile_view(uuid), get_leaderboard(integer), export_my_data(), erase_member(uuid) to service_role;

-- select('*') works on every table a client may read: what a lesson teaches (its text and
-- video) moves from lessons (the public catalogue, every column now readable by anon and
-- members) to lesson_bodies, closed to clients (get_lesson_content).
create table lesson_bodies (
    lesson_id uuid primary key references lessons (id) on delete cascade,
    content text,
    video_url text
);
insert into lesson_bodies (lesson_id, content, video_url)
select id, content, video_url from lessons where content is not null or video_url is not null;
alter table lessons drop column content, drop column video_url;
alter table lesson_bodies enable row level security;
revoke all on table lesson_bodies from public, anon, authenticated;
grant all on table lesson_bodies to service_role;
-- (revoking the table's SELECT revokes its columns' too: then the whole table is granted)
revoke select on lessons from anon, authenticated;
grant select on lessons to anon, authenticated;
select pg_catalog.pg_extension_config_dump('lesson_bodies', '');

-- The same for invitations: their token hashes move to salon_invitation_tokens, closed to
-- clients; a member reads the whole of the invitations she may see.
create table salon_invitation_tokens (
    invitation_id uuid primary key references salon_invitations (id) on delete cascade,
    token_hash bytea not null unique check (octet_length(token_hash) = 32)
);
insert into salon_invitation_tokens (invitation_id, token_hash) select id, token_hash from salon_invitations;
alter table salon_invitations drop column token_hash;
alter table salon_invitation_tokens enable row level security;
revoke all on table salon_invitation_tokens from public, anon, authenticated;
grant all on table salon_invitation_tokens to service_role;
revoke select on salon_invitations from authenticated;
grant select on salon_invitations to authenticated;
select pg_catalog.pg_extension_config_dump('salon_invitation_tokens', '');

-- ... and for salons: share codes move to salon_share_codes, readable by a salon's members
-- (RLS); every column of salons is now readable by members. A trigger gives each new salon
-- its code, as the column's default did.
create table salon_share_codes (
    salon_id uuid primary key references salons (id) on delete cascade,
    share_code text not null unique
        check (share_code = upper(share_code) and char_length(share_code) between 6 and 32)
);
insert into salon_share_codes (salon_id, share_code) select id, share_code from salons;
alter table salons drop column share_code;
create or replace function salon_share_code(salon_id uuid) returns text
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select c.share_code from public.salon_share_codes c
     where c.salon_id = $1
       and exists (select 1 from public.salon_members m
                    where m.salon_id = $1 and m.user_id = (select auth.uid()))
$$;
create function salon_share_code_assign() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    for attempt in 1..5 loop
        insert into public.salon_share_codes (salon_id, share_code)
        values (new.id, public.generate_share_code())
        on conflict (share_code) do nothing;
        if found then
            return null;
        end if;
    end loop;
    raise exception 'no free share code after 5 attempts';
end
$$;
create trigger salons_share_code after insert on salons
    for each row execute function salon_share_code_assign();
alter table salon_share_codes enable row level security;
create policy salon_share_codes_select_members on salon_share_codes for select to authenticated
    using (salon_id in (select my_salon_ids()));
revoke all on function salon_share_code_assign() from public, anon, authenticated;
revoke all on table salon_share_codes from public, anon, authenticated;
grant all on table salon_share_codes to service_role;
revoke select on salons from authenticated;
grant select on salon_share_codes, salons to authenticated;
select pg_catalog.pg_extension_config_dump('salon_share_codes', '');



-- Closed sets are enums (the generated client types name their values): presence, salon
-- role, subscription type, progress status, badge rarity; in tables and in answers. Text
-- is still stored into them (assignment casts). Each column's check goes (the enum is the
-- check); what depends on a column is rebuilt around its change.
create type presence_status as enum ('online', 'away', 'busy', 'offline');
create type subscription_type as enum ('freemium', 'trial', 'premium');
create cast (text as presence_status) with inout as assignment;
create cast (text as subscription_type) with inout as assignment;
create type salon_role as enum ('owner', 'moderator', 'member');
create cast (text as salon_role) with inout as assignment;  -- as profiles/schema.sql's
create type progress_status as enum ('not_started', 'in_progress', 'completed');
create cast (text as progress_status) with inout as assignment;  -- as profiles/schema.sql's
create type badge_rarity as enum ('common', 'uncommon', 'rare', 'epic', 'legendary');
create cast (text as badge_rarity) with inout as assignment;  -- as profiles/schema.sql's
drop trigger salon_members_counters on salon_members;
drop policy salon_members_leave on salon_members;
drop policy salon_invitations_select on salon_invitations;
drop view my_salons;
alter table salon_members drop constraint salon_members_role_check,
    alter column role drop default,
    alter column role type salon_role using role::salon_role,
    alter column role set default 'member';
create trigger salon_members_counters after insert or delete or update of role on salon_members
    for each row execute function salon_member_counters();
create view my_salons with (security_invoker = true) as
select d.*, salon_share_code(d.id) as share_code,
       sm.role, sm.joined_at, sm.last_seen_at, sm.notifications_enabled
  from salons_with_details d
  join salon_members sm on sm.salon_id = d.id
 where sm.user_id = (select auth.uid());
create policy salon_members_leave on salon_members for delete to authenticated
    using (user_id = (select auth.uid()) and role <> 'owner');
create policy salon_invitations_select on salon_invitations for select to authenticated
    using (invitee_id = (select auth.uid())
           or invited_by = (select auth.uid())
           or salon_id in (select m.salon_id from salon_members m
                            where m.user_id = (select auth.uid())
                              and m.role in ('owner', 'moderator')));
revoke all on table my_salons from public, anon, authenticated;
grant all on table my_salons to service_role;
grant select on my_salons to authenticated;
alter table user_lesson_progress drop constraint user_lesson_progress_status_check,
    drop constraint user_lesson_progress_check,
    alter column status drop default,
    alter column status type progress_status using status::progress_status,
    alter column status set default 'not_started',
    add check ((status = 'completed') = (completed_at is not null));
alter table user_courses drop constraint user_courses_status_check,
    drop constraint user_courses_check,
    alter column status drop default,
    alter column status type progress_status using status::progress_status,
    alter column status set default 'in_progress',
    add check ((status = 'completed') = (completed_at is not null));
alter table user_achievements drop constraint user_achievements_rarity_check,
    alter column rarity drop default,
    alter column rarity type badge_rarity using rarity::badge_rarity,
    alter column rarity set default 'common';
drop index idx_profiles_status, idx_profiles_presence_sweep;
alter table profiles drop constraint profiles_status_check, drop constraint profiles_presence_status_check,
    alter column status drop default,
    alter column status type presence_status using status::presence_status,
    alter column status set default 'offline',
    alter column presence_status drop default,
    alter column presence_status type presence_status using presence_status::presence_status,
    alter column presence_status set default 'offline';
create index idx_profiles_status on profiles (presence_status) where presence_status <> 'offline';
create index idx_profiles_presence_sweep on profiles (presence_expires_at)
    where presence_status <> 'offline' and not is_manual_status;
alter type salon_answer alter attribute role type salon_role;
alter type salon_role_answer alter attribute role type salon_role;
alter type presence_state alter attribute presence_status type presence_status;
alter type profile_page alter attribute presence_status type presence_status;
alter type course_enrolment alter attribute status type progress_status;
alter type lesson_progress_answer alter attribute status type progress_status;
alter type course_lesson alter attribute status type progress_status;
alter type trial_answer alter attribute subscription_type type subscription_type;
drop function aurora_private.entitlement(text, timestamptz);
create function aurora_private.entitlement(subscription_type public.subscription_type, trial_ends_at timestamptz)
returns public.subscription_type
language sql stable parallel safe
as $$
    select case when subscription_type = 'premium' then 'premium'
                when subscription_type = 'trial' and trial_ends_at > now() then 'trial'
                else 'freemium' end::public.subscription_type
$$;
revoke all on function aurora_private.entitlement(subscription_type, timestamptz) from public, anon, authenticated;
grant execute on function aurora_private.entitlement(subscription_type, timestamptz) to service_role;

-- select('*') works on profiles too: what members may not read of each other (her profile
-- page, email, subscription, Stripe ids, onboarding, quotas, counters, current salon)
-- moves to member_accounts, her own row readable by her (RLS); my_account joins the two for
-- her, and my_profile()/ensure_profile() answer it. Locks that were on her profile row
-- (freemium, billing, erasure, email) are on her account row now.
create table member_accounts (
    id uuid primary key references profiles (id) on delete cascade,
    email text,
    bio text check (char_length(bio) <= 2000),
    city text check (char_length(city) <= 120),
    interests text[] check (cardinality(interests) <= 30),
    cover_url text check (char_length(cover_url) <= 2048),
    current_salon_id uuid,  -- fk added in salons/schema.sql
    onboarding_completed boolean not null default false,
    onboarding_answers jsonb check (pg_column_size(onboarding_answers) <= 65536),
    subscription_type subscription_type not null default 'freemium',
    subscription_started_at timestamptz,
    trial_ends_at timestamptz,
    stripe_customer_id text,
    stripe_session_id text,
    conversion_triggers jsonb not null default '[]'::jsonb,
    daily_chat_count integer not null default 0 check (daily_chat_count >= 0),
    daily_profile_views integer not null default 0 check (daily_profile_views >= 0),
    last_activity_reset timestamptz,
    salons_created integer not null default 0 check (salons_created >= 0),
    salons_joined integer not null default 0 check (salons_joined >= 0),
    updated_at timestamptz not null default now()
)
-- the daily quotas change with every message
with (fillfactor = 90);
create index idx_member_accounts_email on member_accounts (lower(email));
create unique index member_accounts_stripe_customer_id_key on member_accounts (stripe_customer_id)
    where stripe_customer_id is not null;
insert into member_accounts (id, email, bio, city, interests, cover_url, current_salon_id, onboarding_completed, onboarding_answers, subscription_type, subscription_started_at, trial_ends_at, stripe_customer_id, stripe_session_id, conversion_triggers, daily_chat_count, daily_profile_views, last_activity_reset, salons_created, salons_joined, updated_at)
select id, email, bio, city, interests, cover_url, current_salon_id, onboarding_completed, onboarding_answers, subscription_type, subscription_started_at, trial_ends_at, stripe_customer_id, stripe_session_id, conversion_triggers, daily_chat_count, daily_profile_views, last_activity_reset, salons_created, salons_joined, updated_at from profiles;
alter table member_accounts
    add constraint member_accounts_current_salon_id_fkey
    foreign key (current_salon_id) references salons (id) on delete set null;
create index idx_member_accounts_current_salon_id on member_accounts (current_salon_id)
    where current_salon_id is not null;
create index idx_member_accounts_trials on member_accounts (trial_ends_at) where subscription_type = 'trial';
drop policy profiles_update_own on profiles;
drop trigger profiles_updated_at on profiles;
drop trigger profiles_brevo_contact on profiles;
drop function brevo_contact_on_profile();
drop function ensure_profile(), my_profile();
alter table profiles drop column email, drop column bio, drop column city, drop column interests, drop column cover_url, drop column current_salon_id, drop column onboarding_completed, drop column onboarding_answers, drop column subscription_type, drop column subscription_started_at, drop column trial_ends_at, drop column stripe_customer_id, drop column stripe_session_id, drop column conversion_triggers, drop column daily_chat_count, drop column daily_profile_views, drop column last_activity_reset, drop column salons_created, drop column salons_joined;
create function aurora_private.profile_account() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    insert into public.member_accounts (id) values (new.id) on conflict (id) do nothing;
    return null;
end
$$;
create trigger profiles_account after insert on profiles
    for each row execute function aurora_private.profile_account();

-- presence (heartbeats, the sweep) and counters are not edits of the profile: only these
-- columns stamp updated_at, which also keeps the hot presence updates trigger-free
create trigger profiles_updated_at
    before update of full_name, avatar_url, auto_offline_after
    on profiles for each row execute function set_updated_at();
create trigger member_accounts_updated_at
    before update of email, bio, city, interests, cover_url, current_salon_id, onboarding_completed,
                     onboarding_answers, subscription_type, subscription_started_at, trial_ends_at,
                     stripe_customer_id
    on member_accounts for each row execute function set_updated_at();

-- Her profile and her account in one row (her own only: member_accounts' policy), as
-- `select('*')` reads it and my_profile() answers it. Read-only: she edits her name and
-- avatar in profiles, the rest in member_accounts.
create view my_account with (security_invoker = true) as
select p.*, a.email, a.bio, a.city, a.interests, a.cover_url, a.current_salon_id,
       a.onboarding_completed, a.onboarding_answers, a.subscription_type, a.subscription_started_at,
       a.trial_ends_at, a.stripe_customer_id, a.stripe_session_id, a.conversion_triggers,
       a.daily_chat_count, a.daily_profile_views, a.last_activity_reset, a.salons_created,
       a.salons_joined, a.updated_at as account_updated_at
  from profiles p join member_accounts a on a.id = p.id;

-- The caller's profile and account: one row, which PostgREST answers as an object (null
-- fields without a profile).
create function my_profile() returns my_account
language sql stable
set search_path = pg_catalog, pg_temp
as $$
    select m.* from public.my_account m where m.id = (select auth.uid())
$$;

create policy profiles_update_own on profiles for update to authenticated
    using (id = (select auth.uid()))
    with check (id = (select auth.uid()));

alter table member_accounts enable row level security;
create policy member_accounts_select_own on member_accounts for select to authenticated
    using (id = (select auth.uid()));
create policy member_accounts_update_own on member_accounts for update to authenticated
    using (id = (select auth.uid()))
    with check (id = (select auth.uid())
                and (current_salon_id is null or current_salon_id in (select my_salon_ids())));
create function ensure_profile()
returns my_account language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.answer_as(aurora_private.ensure_profile(), null::public.my_account); end $$;
create or replace function aurora_private.queue_member_email(p_member uuid, p_template text, p_params jsonb,
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
create or replace function aurora_private.queue_email(p_template text, p_member uuid, p_params jsonb, p_key text,
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
create or replace function queue_subscription_reminders(days_before integer default 3) returns integer
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
create or replace function brevo_contact_on_account() returns trigger
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
create or replace function aurora_private.claim_contact_syncs(batch integer, lease_seconds integer)
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
create or replace function aurora_private.end_expired_trials() returns integer
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
    with ended as (
        update public.member_accounts p set subscription_type = 'freemium'
         where p.subscription_type = 'trial'
           and aurora_private.entitlement(p.subscription_type, p.trial_ends_at) <> 'trial'
        returning 1
    )
    select count(*)::int from ended
$$;
create or replace function aurora_private.start_erasure(p_user uuid, p_requested_by text) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_emails text[];
    v_customers text[];
    v_personal text[];
    v_salons jsonb;
    v_customer text;
begin
    if p_user is null or p_requested_by is null or p_requested_by not in ('member', 'service_role') then
        raise exception 'start_erasure needs a member id and who asks (member or service_role)'
            using errcode = 'invalid_parameter_value';
    end if;
    perform pg_advisory_xact_lock(hashtext('aurora.erasure'), hashtext(p_user::text));
    if exists (select from aurora_private.erasures where user_id = p_user) then
        return aurora_private.erasure_status(p_user) || jsonb_build_object('started', false);
    end if;
    if not exists (select from auth.users where id = p_user) and not exists (select from public.profiles where id = p_user) then
        raise exception 'no member %', p_user using errcode = 'no_data_found', hint = 'Compte introuvable.';
    end if;

    select array(select distinct lower(x) from unnest(array[u.email, a.email]) x where x is not null and x <> ''),
           array(select distinct x from unnest(array[nullif(btrim(p.full_name), ''),
                                                      nullif(btrim(u.raw_user_meta_data ->> 'full_name'), ''),
                                                      nullif(btrim(u.raw_user_meta_data ->> 'name'), '')]) x
                  where x is not null)
      into v_emails, v_personal
      from (select p_user as id) me
      left join auth.users u on u.id = me.id
      left join public.profiles p on p.id = me.id
      left join public.member_accounts a on a.id = me.id;
    v_customers := array(
        select distinct c from (
            select stripe_customer_id as c from public.member_accounts where id = p_user
            union all select customer_id from public.subscriptions where user_id = p_user
            union all select customer_id from public.stripe_events where user_id = p_user
        ) x where c is not null order by c);
    foreach v_customer in array v_customers loop
        perform pg_advisory_xact_lock(hashtext('aurora.stripe_customer'), hashtext(v_customer));
    end loop;
    perform from public.subscriptions where user_id = p_user or customer_id = any (v_customers) order by id for update;
    perform from public.member_accounts where id = p_user for update;

    insert into aurora_private.erasures (user_id, requested_by, emails, stripe_customers)
    values (p_user, p_requested_by, v_emails, v_customers);
    insert into aurora_private.erasure_steps (user_id, step, stage, status, done_at, result)
    values (p_user, 'sign_out', 1, 'pending', null, null),
           (p_user, 'stripe', 1, case when cardinality(v_customers) = 0 then 'done' else 'pending' end,
            case when cardinality(v_customers) = 0 then now() end,
            case when cardinality(v_customers) = 0 then '{"customers": 0}'::jsonb end),
           (p_user, 'brevo', 1, case when cardinality(v_emails) = 0 then 'done' else 'pending' end,
            case when cardinality(v_emails) = 0 then now() end,
            case when cardinality(v_emails) = 0 then '{"contacts": 0}'::jsonb end),
           (p_user, 'storage', 1, 'pending', null, null),
           (p_user, 'auth_user', 2, 'pending', null, null);

    -- salons she owns pass to their senior moderator, else their longest member; a salon
    -- she was alone in is archived
    with owned as (
        select s.id,
               (select m.user_id from public.salon_members m
                 where m.salon_id = s.id and m.user_id <> p_user
                 order by (m.role = 'moderator') desc, m.joined_at, m.user_id limit 1) as heir
          from public.salons s where s.owner_id = p_user
    ), handed as (
        update public.salon_members m set role = 'owner'
          from owned where m.salon_id = owned.id and m.user_id = owned.heir
    ), moved as (
        update public.salons s
           set owner_id = owned.heir, is_active = s.is_active and owned.heir is not null
          from owned where s.id = owned.id
    )
    select coalesce(jsonb_agg(jsonb_build_object('salon_id', id, 'new_owner', heir)), '[]') into v_salons from owned;
    -- a salon's picture belongs to the salon: it stays, no longer marked as hers (an UPDATE:
    -- Storage guards deletes only)
    update storage.objects set owner = null, owner_id = null
     where bucket_id = 'salon-avatars' and (owner = p_user or owner_id = p_user::text);

    -- what she wrote is her personal data: deleted, not anonymised (replies to her stay,
    -- without the reference; reactions to her messages go with them)
    delete from public.message_reactions where user_id = p_user;
    delete from public.chat_messages where user_id = p_user;
    delete from public.salon_members where user_id = p_user;
    delete from public.salon_join_attempts where user_id = p_user;
    delete from public.salon_invitations where invitee_id = p_user or lower(invitee_email) = any (v_emails);
    update public.salon_invitations set invited_by = null where invited_by = p_user;
    update public.salon_invitations set accepted_by = null where accepted_by = p_user;
    delete from public.enrollments where user_id = p_user;
    delete from public.user_lesson_progress where user_id = p_user;
    delete from public.user_courses where user_id = p_user;
    delete from public.user_achievements where user_id = p_user;
    delete from public.user_activities where user_id = p_user;
    delete from public.user_progress_history where user_id = p_user;
    delete from public.user_stats where user_id = p_user;
    -- nothing more is sent to her or about her: a row being delivered right now was sent
    -- before erasure started (the worker renews its lease before acting on a row)
    delete from public.brevo_contact_sync where user_id = p_user;
    delete from public.email_outbox where user_id = p_user or lower(recipient_email) = any (v_emails);
    -- billing records stay for the accounting retention period, without her
    update public.subscriptions set user_id = null where user_id = p_user or customer_id = any (v_customers);
    update public.stripe_events
       set user_id = null,
           payload = aurora_private.redact_stripe_payload(payload, v_emails || v_personal || array[p_user::text])
     where user_id = p_user or customer_id = any (v_customers);
    delete from public.profiles where id = p_user;

    return aurora_private.erasure_status(p_user)
           || jsonb_build_object('started', true, 'salons_handed_over', v_salons);
end
$$;
revoke all on function aurora_private.profile_account(), brevo_contact_on_account(), my_profile(), ensure_profile()
    from public, anon, authenticated;
revoke all on table member_accounts, my_account from public, anon, authenticated;
grant all on table member_accounts, my_account to service_role;
grant execute on function my_profile(), ensure_profile() to authenticated;
grant execute on function my_profile(), aurora_private.profile_account() to service_role;
-- (revoking the table's SELECT and UPDATE revokes its columns' too)
revoke select, update on profiles from authenticated;
grant select on profiles to authenticated;
grant update (full_name, avatar_url, auto_offline_after) on profiles to authenticated;
grant select on member_accounts, my_account to authenticated;
grant update (bio, city, interests, cover_url, onboarding_completed, onboarding_answers, current_salon_id)
    on member_accounts to authenticated;
select pg_catalog.pg_extension_config_dump('member_accounts', '');

-- Reaction summaries name their reactors' type (reactor[], was jsonb): generated client
-- types see { user_id, full_name } instead of Json; PostgREST answers the same JSON.
-- who reacted with an emoji (the summaries' first three): a named type, so that clients'
-- generated types name its fields (full_name is null when she has given none)
create type reactor as (user_id uuid, full_name text);
drop function get_message_reactions_summary(bigint), get_all_message_reactions_batch(bigint[]);
CREATE  FUNCTION "get_message_reactions_summary"(
	"message_id" bigint /* i64 */
) RETURNS TABLE (
	"message_id" bigint,  /* i64 */
	"emoji" TEXT,  /* String */
	"count" INT,  /* i32 */
	"reacted_by_me" bool,  /* bool */
	"reactors" reactor[]  /* Reactors */
)
STRICT STABLE SECURITY DEFINER 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'get_message_reactions_summary_wrapper';
CREATE  FUNCTION "get_all_message_reactions_batch"(
	"message_ids" bigint[] /* Vec < Option < i64 > > */
) RETURNS TABLE (
	"message_id" bigint,  /* i64 */
	"emoji" TEXT,  /* String */
	"count" INT,  /* i32 */
	"reacted_by_me" bool,  /* bool */
	"reactors" reactor[]  /* Reactors */
)
STRICT STABLE SECURITY DEFINER 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'get_all_message_reactions_batch_wrapper';
revoke all on function get_message_reactions_summary(bigint), get_all_message_reactions_batch(bigint[])
    from public, anon, authenticated;
grant execute on function get_message_reactions_summary(bigint), get_all_message_reactions_batch(bigint[])
    to authenticated, service_role;

-- The hot RPCs are native: the C function is the public function (platform/native.rs), no
-- PL/pgSQL wrapper, no jsonb between the core and the answer; it raises PT402, PT404…
-- itself. Same signatures, types and grants.
create or replace function toggle_message_reaction(message_id bigint, emoji text)
returns reaction_answer language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_toggle_message_reaction';
create or replace function join_salon_via_code(code text)
returns salon_answer language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_join_salon_via_code';
create or replace function leave_salon(salon_id uuid)
returns salon_departure language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_leave_salon';
create or replace function update_lesson_progress(lesson_id uuid, position_seconds integer default 0,
                                       watch_time_seconds integer default 0,
                                       completion_percentage integer default 0)
returns lesson_progress_answer language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_update_lesson_progress';  -- native (platform/native.rs)
create or replace function update_user_activity()
returns presence_state language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_heartbeat';
create or replace function rpc_update_activity()
returns presence_state language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_heartbeat';

-- Every other single-row RPC is native too; unwrap_as() has no caller left.
create or replace function delete_message(message_id bigint)
returns deleted_message language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_delete_message';
create or replace function get_reply_message_info(message_id bigint)
returns reply_preview language c stable security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_get_reply_message_info';
create or replace function handle_message_reaction(message_id bigint, emoji text, action text)
returns reaction_answer language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_handle_message_reaction';
create or replace function get_lesson_content(lesson_id uuid)
returns lesson_content language c stable security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_get_lesson_content';
create or replace function start_course(course_id uuid)
returns course_enrolment language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_start_course';
create or replace function start_trial()
returns trial_answer language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_start_trial';
create or replace function record_profile_view(profile_id uuid)
returns profile_view language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_record_profile_view';
create or replace function create_salon_with_code(name text, description text default null,
                                       category text default null, city text default null,
                                       color_theme text default null)
returns salon_answer language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_create_salon_with_code';
create or replace function create_salon_invitation(salon_id uuid, invitee_email text default null,
                                        invitee_id uuid default null, expires_in_days integer default null)
returns salon_invitation_answer language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_create_salon_invitation';
create or replace function accept_salon_invitation(token text)
returns salon_answer language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_accept_salon_invitation';
create or replace function set_member_role(salon_id uuid, user_id uuid, role text)
returns salon_role_answer language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_set_member_role';
create or replace function handle_user_signin()
returns presence_state language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_handle_user_signin';
create or replace function handle_user_signout()
returns presence_state language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_handle_user_signout';
create or replace function rpc_set_manual_status(status text default null)
returns presence_state language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_rpc_set_manual_status';
create or replace function ensure_profile()
returns my_account language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_ensure_profile';
create or replace function delete_my_account() returns erasure_state
language c volatile security definer
set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_delete_my_account';
create or replace function export_my_data() returns member_export
language c stable security definer
set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_export_my_data';
drop function aurora_private.unwrap_as(jsonb, anyelement);

-- The chat screen in one call (get_salon_page): a page of messages with authors, replies and
-- reactions, formed as its types; the reply excerpt rule in one place.
-- A page of a salon's messages, as a chat screen shows it (get_salon_page): each message
-- with its author, the message it replies to, and its reactions summed up by emoji.
create type reaction_group as (emoji text, count integer, reacted_by_me boolean, reactors reactor[]);
create type salon_page_message as (
    id bigint, salon_id uuid, user_id uuid, content text, created_at timestamptz,
    author_name text, author_avatar text,
    reply_to_id bigint, reply_excerpt text, reply_author_name text,
    reactions reaction_group[]
);
create function aurora_private.reply_excerpt(content text, is_deleted boolean) returns text
language sql immutable parallel safe
as $$
    select case when is_deleted then null
                when char_length(content) > 120 then left(content, 119) || '…'
                else content end
$$;
CREATE FUNCTION get_salon_page(salon_id uuid, before_message_id bigint DEFAULT NULL, page_size integer DEFAULT 50)
RETURNS SETOF salon_page_message
STABLE SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'aurora_get_salon_page';
revoke all on function aurora_private.reply_excerpt(text, boolean), get_salon_page(uuid, bigint, integer)
    from public, anon, authenticated;
grant execute on function aurora_private.reply_excerpt(text, boolean) to service_role;
grant execute on function get_salon_page(uuid, bigint, integer) to authenticated, service_role;

-- my_account refuses writes with 42501 (PostgREST 403) rather than 55000 (500).
create function aurora_private.my_account_read_only() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    raise exception 'my_account is read-only: write profiles or member_accounts'
        using errcode = 'insufficient_privilege',
              hint = 'Modifiez votre nom dans profiles, le reste dans member_accounts.';
end
$$;
create trigger my_account_read_only instead of insert or update or delete on my_account
    for each row execute function aurora_private.my_account_read_only();
revoke all on function aurora_private.my_account_read_only() from public, anon, authenticated;
grant execute on function aurora_private.my_account_read_only() to service_role;

-- Who is calling, without a statement (platform/caller.rs): each backend keeps a copy of the
-- erased ids, read again whenever the table changes; every write to it says so.
CREATE FUNCTION "erasures_changed"()
	RETURNS TRIGGER
	LANGUAGE c
	AS 'MODULE_PATHNAME', 'erasures_changed_wrapper';
create trigger erasures_changed after insert or update or delete or truncate on aurora_private.erasures
    for each statement execute function erasures_changed();
revoke all on function erasures_changed() from public, anon, authenticated;
grant execute on function erasures_changed() to service_role;
