-- profiles: triggers on auth.users, the owner's full profile, policies -------------------

alter function handle_new_user() security definer set search_path = pg_catalog, pg_temp;

create trigger aurora_on_auth_user_created after insert on auth.users
    for each row execute function handle_new_user();
create trigger aurora_on_auth_user_email_changed after update of email on auth.users
    for each row when (old.email is distinct from new.email)
    execute function handle_new_user();

-- presence (heartbeats, the sweep) and counters are not edits of the profile: only these
-- columns stamp updated_at, which also keeps the hot presence updates trigger-free
create trigger profiles_updated_at
    before update of full_name, avatar_url, bio, city, email, interests, current_salon_id,
                     onboarding_completed, onboarding_answers, subscription_type, subscription_started_at,
                     trial_ends_at, stripe_customer_id, cover_url, auto_offline_after
    on profiles for each row execute function set_updated_at();

-- Every column of the caller's own profile (other users see only the public columns): one
-- row, which PostgREST answers as an object (null fields without a profile).
create function my_profile() returns profiles
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select p.* from public.profiles p where p.id = (select auth.uid())
$$;

alter table profiles enable row level security;
-- the member directory; which columns are readable is decided by the column grants
create policy profiles_select_members on profiles for select to authenticated
    using (true);
create policy profiles_update_own on profiles for update to authenticated
    using (id = (select auth.uid()))
    with check (id = (select auth.uid())
                and (current_salon_id is null or current_salon_id in (select my_salon_ids())));
