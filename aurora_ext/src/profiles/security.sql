-- profiles: triggers on auth.users, the owner's full profile, policies -------------------

alter function handle_new_user() security definer set search_path = pg_catalog, pg_temp;

create trigger aurora_on_auth_user_created after insert on auth.users
    for each row execute function handle_new_user();
create trigger aurora_on_auth_user_email_changed after update of email on auth.users
    for each row when (old.email is distinct from new.email)
    execute function handle_new_user();

-- Every profile has its account row, whoever inserts the profile (sign-up, adoption,
-- restores): made here, empty; sign-up fills in her email in the same statement.
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

-- my_account is read-only. A member holds no write on it, so a write is refused with 42501
-- (PostgREST: 403), as on any table she may not write; without this trigger PostgreSQL
-- would refuse it earlier as a view it cannot update (55000, which PostgREST answers 500).
-- The back office, which may write the view, is refused the same way.
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

-- The caller's profile and account: one row, which PostgREST answers as an object (null
-- fields without a profile).
create function my_profile() returns my_account
language sql stable
set search_path = pg_catalog, pg_temp
as $$
    select m.* from public.my_account m where m.id = (select auth.uid())
$$;

alter table profiles enable row level security;
-- the member directory
create policy profiles_select_members on profiles for select to authenticated
    using (true);
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
