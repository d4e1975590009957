-- billing: a member reads her own subscriptions; the events ledger is the edge's -------

create trigger subscriptions_updated_at before update on subscriptions
    for each row execute function set_updated_at();

alter table subscriptions enable row level security;
create policy subscriptions_select_own on subscriptions for select to authenticated
    using (user_id = (select auth.uid()));
alter table stripe_events enable row level security;

-- The edge's entry for a verified Stripe event. Bad input is 22023, never XX000: a document
-- nested deeper than any Stripe object (64 levels) is refused here, before the core parses
-- it (its JSON reader stops at 128 levels).
create function aurora_private.apply_stripe_event(event jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if jsonb_path_exists(event, 'strict $.**{64}') then
        raise exception 'not a Stripe event: nested deeper than 64 levels'
            using errcode = 'invalid_parameter_value';
    end if;
    return aurora_private.apply_stripe_event_core(event);
end
$$;

-- The edge's database role: it applies verified Stripe events and (issue: email outbox)
-- delivers emails; for member routes it acts as `authenticated` the PostgREST way. A
-- deployment creates its login role inside it: create role edge login in role aurora_edge.
do $$
begin
    if not exists (select from pg_roles where rolname = 'aurora_edge') then
        create role aurora_edge nologin noinherit;
    end if;
exception when duplicate_object or unique_violation then
    null;  -- created meanwhile by another database's install: roles are cluster-wide
end
$$;
grant authenticated to aurora_edge;
