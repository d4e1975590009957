-- gamification & freemium: the RPCs (cores in gamification/api.rs) ------------------------

create function record_profile_view(profile_id uuid)
returns jsonb language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap(aurora_private.record_profile_view(profile_id)); end $$;
