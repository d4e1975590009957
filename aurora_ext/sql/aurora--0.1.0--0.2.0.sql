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
    create policy aurora_own_folder_insert on storage.objects for insert to authenticated
        with check (bucket_id in ('avatars', 'covers') and public.storage_path_is_normal(objects.name)
                    and (storage.foldername(objects.name))[1] = (select auth.uid())::text);
    create policy aurora_own_folder_update on storage.objects for update to authenticated
        using (bucket_id in ('avatars', 'covers') and public.storage_path_is_normal(objects.name)
               and (storage.foldername(objects.name))[1] = (select auth.uid())::text)
        with check (bucket_id in ('avatars', 'covers') and public.storage_path_is_normal(objects.name)
                    and (storage.foldername(objects.name))[1] = (select auth.uid())::text);
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

