-- gamification: the leaderboard RPC (core in gamification/api.rs)

-- public fields only; full_name and avatar_url may be null
create type leaderboard_entry as (
    rank bigint, user_id uuid, full_name text, avatar_url text, points integer, level integer
);

-- max_entries, not `limit`: PostgREST reads `limit` in a GET call's query as its own
create function get_leaderboard(max_entries integer default 10)
returns setof leaderboard_entry language sql stable security definer set search_path = pg_catalog, pg_temp
as $$ select * from aurora_private.get_leaderboard(max_entries) $$;
