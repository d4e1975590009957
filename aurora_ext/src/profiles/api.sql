-- profiles: presence and the profile RPCs (cores in profiles/mod.rs, profiles/presence.rs)

-- What presence calls answer (docs/api.md). presence_status: online | away | busy |
-- offline; streak_days only from handle_user_signin.
create type presence_state as (
    presence_status presence_status, is_manual_status boolean, last_activity timestamptz,
    presence_expires_at timestamptz, streak_days integer
);

create function handle_user_signin()
returns presence_state language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_handle_user_signin';

create function handle_user_signout()
returns presence_state language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_handle_user_signout';

-- the heartbeat, under both of the seed's names (native: platform/native.rs)
create function update_user_activity()
returns presence_state language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_heartbeat';

create function rpc_update_activity()
returns presence_state language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_heartbeat';

create function rpc_set_manual_status(status text default null)
returns presence_state language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_rpc_set_manual_status';

-- her whole profile, created first when she has none
create function ensure_profile()
returns my_account language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_ensure_profile';
