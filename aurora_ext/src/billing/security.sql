-- billing: a member reads her own subscriptions; the events ledger is the edge's -------

create trigger subscriptions_updated_at before update on subscriptions
    for each row execute function set_updated_at();

alter table subscriptions enable row level security;
create policy subscriptions_select_own on subscriptions for select to authenticated
    using (user_id = (select auth.uid()));
alter table stripe_events enable row level security;

-- The Stripe customer an event is about (its object's `customer`, or the customer itself),
-- else its object: the key every event of one customer is serialised on, and the ledger's
-- customer_id.
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

-- Records a signed event that cannot be applied, with why, and nothing else: Stripe gets a
-- 2xx (it would otherwise retry for three days, then disable the endpoint) and an operator
-- sees it (status 'rejected'; the edge counts it). An event id of unexpected shape is kept
-- under 'evt_rejected_' and the md5 of what was sent.
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

-- The edge's entry for a verified Stripe event. Bad input is 22023, never XX000: what is
-- not a Stripe event at all (no id, type and created; nested deeper than 64 levels, where
-- the core's JSON reader would stop at 128) is refused before anything is read.
-- Every event of one Stripe customer is applied under one transaction-level lock taken
-- first (the only billing lock; rows are then locked subscriptions first, the member's
-- profile last), so concurrent deliveries of one checkout's events queue instead of
-- racing or deadlocking, and each one reads what the previous one committed.
-- A signed event the core cannot apply (bad data: class 22, or a constraint: class 23) is
-- recorded as rejected instead of failing on every redelivery.
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
