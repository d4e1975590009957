-- Test helpers for the pgTAP contract suite. Loaded into the test database only.
create schema if not exists tests;
grant usage on schema tests to public;

-- Named fixtures, so assertions read tests.fx('owner') instead of raw uuids. Rows are
-- inserted inside each test file's transaction and rolled back with it.
create table if not exists tests.fixtures (name text primary key, id uuid not null);
grant select on tests.fixtures to public;

create or replace function tests.fx(p_name text) returns uuid
language sql stable as $$ select id from tests.fixtures where name = p_name $$;

-- A user (the auth.users trigger makes her profile), registered as a fixture.
create or replace function tests.create_user(p_name text, p_subscription text default 'freemium')
returns uuid language plpgsql as $$
declare uid uuid := gen_random_uuid();
begin
    -- confirmed, as GoTrue leaves a member who signed up and clicked her link
    insert into auth.users (id, aud, role, email, raw_user_meta_data, email_confirmed_at)
    values (uid, 'authenticated', 'authenticated', p_name || '@example.fr',
            jsonb_build_object('full_name', initcap(p_name)), now());
    update public.member_accounts set subscription_type = p_subscription,
           trial_ends_at = case when p_subscription = 'trial' then now() + interval '7 days' end,
           stripe_customer_id = 'cus_' || p_name
     where id = uid;
    insert into tests.fixtures values (p_name, uid);
    return uid;
end $$;

-- A salon owned by `p_owner`, registered as a fixture.
create or replace function tests.create_salon(p_name text, p_owner text) returns uuid
language plpgsql as $$
declare sid uuid;
begin
    insert into public.salons (name, owner_id) values (p_name, tests.fx(p_owner)) returning id into sid;
    insert into tests.fixtures values (p_name, sid);
    return sid;
end $$;

create or replace function tests.add_member(p_salon text, p_user text, p_role text default 'member')
returns void language sql as $$
    insert into public.salon_members (salon_id, user_id, role) values (tests.fx(p_salon), tests.fx(p_user), p_role)
$$;

-- PostgREST's request, as the tests play it: `set local role` + request.jwt.claims.
create or replace function tests.act_as(p_user text) returns void language plpgsql as $$
declare claims text := json_build_object('sub', tests.fx(p_user), 'role', 'authenticated',
                                         'email', p_user || '@example.fr', 'aud', 'authenticated')::text;
begin
    perform set_config('role', 'authenticated', true);
    perform set_config('request.jwt.claims', claims, true);
end $$;

create or replace function tests.act_as_anon() returns void language plpgsql as $$
begin
    perform set_config('role', 'anon', true);
    perform set_config('request.jwt.claims', '{"role":"anon"}', true);
end $$;

create or replace function tests.act_as_service() returns void language plpgsql as $$
begin
    perform set_config('role', 'service_role', true);
    perform set_config('request.jwt.claims', '{"role":"service_role"}', true);
end $$;

-- Back to the superuser running the test.
create or replace function tests.act_as_admin() returns void language plpgsql as $$
begin
    perform set_config('role', 'none', true);
    perform set_config('request.jwt.claims', '', true);
end $$;

-- pgTAP keeps its state in temp tables made by plan(); let the API roles write them.
create or replace function tests.share_tap_state() returns void language plpgsql as $$
declare r record;
begin
    for r in select c.oid::regclass as rel from pg_class c
              where c.relnamespace = pg_my_temp_schema() and c.relkind in ('r', 'S') loop
        execute format('grant all on %s to public', r.rel);
    end loop;
end $$;

grant execute on all functions in schema tests to public;

-- A Stripe event envelope around `object`, as Stripe sends it.
create or replace function tests.stripe_event(p_id text, p_type text, p_created bigint, p_object jsonb)
returns jsonb language sql immutable as $$
    select jsonb_build_object('id', p_id, 'object', 'event', 'type', p_type, 'created', p_created,
                              'livemode', false, 'api_version', '2024-06-20',
                              'data', jsonb_build_object('object', p_object))
$$;

-- A subscription object: Premium monthly (EUR 47) unless told otherwise.
create or replace function tests.stripe_subscription(p_id text, p_customer text, p_status text,
                                                     p_user uuid default null, p_amount int default 4700,
                                                     p_interval text default 'month')
returns jsonb language sql immutable as $$
    select jsonb_build_object(
        'id', p_id, 'object', 'subscription', 'customer', p_customer, 'status', p_status,
        'start_date', 1700000000, 'current_period_start', 1700000000, 'current_period_end', 1702592000,
        'cancel_at_period_end', false, 'trial_end', case when p_status = 'trialing' then 1800000000 end,
        'metadata', case when p_user is null then '{}'::jsonb else jsonb_build_object('user_id', p_user) end,
        'items', jsonb_build_object('data', jsonb_build_array(jsonb_build_object(
            'price', jsonb_build_object('id', 'price_x', 'unit_amount', p_amount, 'currency', 'eur',
                                        'recurring', jsonb_build_object('interval', p_interval))))))
$$;

-- The SQLSTATE a statement ends with (null when it succeeds), in a subtransaction that is
-- rolled back either way: for tables of bad inputs and the deliberate codes they get.
create or replace function tests.sqlstate_of(p_sql text) returns text language plpgsql as $$
begin
    begin
        execute p_sql;
        raise exception using errcode = 'P0009';   -- undo what it wrote
    exception when others then
        return nullif(sqlstate, 'P0009');
    end;
end $$;
