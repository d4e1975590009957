-- profiles & presence -------------------------------------------------------------------

-- Closed sets are enums, so that clients' generated types name their values (supabase-js:
-- a union, not `string`). A member's presence, as she sets it or as activity makes it.
create type presence_status as enum ('online', 'away', 'busy', 'offline');
-- What a member's subscriptions (or aurora's free trial) give her: freemium/api.sql's
-- entitlement() decides it.
create type subscription_type as enum ('freemium', 'trial', 'premium');
-- Text is stored into them as before (SQL that writes a text value or parameter keeps
-- working; a value outside the set is 22P02): an assignment cast, never an implicit one, so
-- comparisons stay unambiguous.
create cast (text as presence_status) with inout as assignment;
create cast (text as subscription_type) with inout as assignment;

-- One row per auth.users row, created by handle_new_user(): the public face of a member to
-- the community (name, avatar, presence), readable whole by members (`select('*')`) and
-- published to realtime. What others may not read directly is in member_accounts.
create table profiles (
    id uuid primary key references auth.users (id) on delete cascade,
    full_name text check (char_length(full_name) <= 120),
    avatar_url text check (char_length(avatar_url) <= 2048),
    status presence_status not null default 'offline',
    presence_status presence_status not null default 'offline',
    is_manual_status boolean not null default false,
    auto_offline_after integer not null default 300
        check (auto_offline_after between 30 and 86400),
    last_activity timestamptz,
    status_updated_at timestamptz,
    -- when automatic presence turns offline: last_activity + auto_offline_after, kept by
    -- the heartbeat so the sweep is an index range scan over exactly the stale users
    presence_expires_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
)
-- a member's row changes all day (presence): room on its page lets most of those updates
-- stay HOT (no new index entries) even before pruning has freed any
with (fillfactor = 90);

-- Her account, one row per profile (made by the profiles_account trigger), readable and
-- partly writable by her alone: her profile page (bio, city, interests, cover), which
-- others read through record_profile_view() (counted for free members), her email,
-- onboarding, current salon, subscription and Stripe ids, conversion triggers, daily
-- quotas and counters. Locked FOR UPDATE by every rule about her subscription and quotas
-- (freemium, billing, erasure): presence never waits on it.
create table member_accounts (
    id uuid primary key references profiles (id) on delete cascade,
    email text,
    bio text check (char_length(bio) <= 2000),
    city text check (char_length(city) <= 120),
    interests text[] check (cardinality(interests) <= 30),
    cover_url text check (char_length(cover_url) <= 2048),
    current_salon_id uuid,  -- fk added in salons/schema.sql
    onboarding_completed boolean not null default false,
    onboarding_answers jsonb check (pg_column_size(onboarding_answers) <= 65536),
    subscription_type subscription_type not null default 'freemium',
    subscription_started_at timestamptz,
    trial_ends_at timestamptz,
    stripe_customer_id text,
    stripe_session_id text,
    conversion_triggers jsonb not null default '[]'::jsonb,
    daily_chat_count integer not null default 0 check (daily_chat_count >= 0),
    daily_profile_views integer not null default 0 check (daily_profile_views >= 0),
    last_activity_reset timestamptz,
    salons_created integer not null default 0 check (salons_created >= 0),
    salons_joined integer not null default 0 check (salons_joined >= 0),
    updated_at timestamptz not null default now()
)
-- the daily quotas change with every message
with (fillfactor = 90);

create index idx_member_accounts_email on member_accounts (lower(email));
-- Unique where set; the many members without a Stripe customer are not indexed.
create unique index member_accounts_stripe_customer_id_key on member_accounts (stripe_customer_id)
    where stripe_customer_id is not null;
-- Who is online/away/busy; offline members (most of them) are not indexed, so a member
-- going offline adds no entry here.
create index idx_profiles_status on profiles (presence_status) where presence_status <> 'offline';
create index idx_profiles_last_activity on profiles (last_activity);
-- The inactivity sweep only ever looks at users who are not offline and not pinned to a
-- manual status: index just those, so a sweep costs what changes, not what exists.
create index idx_profiles_presence_sweep on profiles (presence_expires_at)
    where presence_status <> 'offline' and not is_manual_status;
