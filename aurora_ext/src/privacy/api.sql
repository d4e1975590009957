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

-- The state of her erasure, as the member, the edge and service_role see it (the RPCs
-- answer it as erasure_state; step: sign_out | stripe | brevo | storage | auth_user, status:
-- pending | running | done; the erasure's status: running | completed).
create type erasure_step as (step text, status text, attempts integer, last_error text, done_at timestamptz);
create type salon_handover as (salon_id uuid, new_owner uuid);
create type erasure_state as (
    user_id uuid, requested_by text, requested_at timestamptz, completed_at timestamptz,
    status text, steps erasure_step[], started boolean, salons_handed_over salon_handover[]
);

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

-- service_role's entry (PostgREST: rpc('erase_member', { member_id })): starts the erasure
-- of any member, or answers its state when it was started already.
create function erase_member(member_id uuid) returns erasure_state
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.answer_as(aurora_private.start_erasure(member_id, 'service_role'), null::public.erasure_state); end $$;

-- The member's own: her erasure (core in privacy/mod.rs: it accepts her token while
-- everything else refuses it), and the export of everything aurora holds of her.
create function delete_my_account() returns erasure_state
language c volatile security definer
set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_delete_my_account';

-- each section: the rows of that kind, as JSON (README, "Erasure, export and retention")
create type member_export as (
    exported_at timestamptz, account jsonb, profile jsonb, stats jsonb, salons jsonb,
    salons_owned jsonb, messages jsonb, reactions jsonb, invitations_sent jsonb,
    invitations_received jsonb, join_attempts jsonb, enrollments jsonb, courses jsonb,
    lesson_progress jsonb, achievements jsonb, activities jsonb, progress_history jsonb,
    emails jsonb, subscriptions jsonb, payments jsonb, stripe_events jsonb, files jsonb
);
create function export_my_data() returns member_export
language c stable security definer
set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_export_my_data';

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
