-- gamification ----------------------------------------------------------------------

create table user_stats (
    user_id uuid primary key references auth.users (id) on delete cascade,
    points integer not null default 0 check (points >= 0),
    level integer not null default 1 check (level >= 1),
    streak_days integer not null default 0 check (streak_days >= 0),
    longest_streak_days integer not null default 0 check (longest_streak_days >= 0),
    last_streak_date date,
    total_lessons_completed integer not null default 0 check (total_lessons_completed >= 0),
    total_study_time_minutes integer not null default 0 check (total_study_time_minutes >= 0),
    rank integer check (rank > 0),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
-- leaderboard
create index idx_user_stats_points on user_stats (points desc, user_id);

create type badge_rarity as enum ('common', 'uncommon', 'rare', 'epic', 'legendary');
create cast (text as badge_rarity) with inout as assignment;  -- as profiles/schema.sql's

create table user_achievements (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references auth.users (id) on delete cascade,
    badge_id text not null check (badge_id ~ '^[a-z0-9_]+$'),
    title text not null,
    description text,
    icon text,
    rarity badge_rarity not null default 'common',
    earned_at timestamptz not null default now(),
    unique (user_id, badge_id)  -- a badge is earned once
);

create table user_activities (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references auth.users (id) on delete cascade,
    type text not null check (type ~ '^[a-z_]+$'),
    title text not null,
    description text,
    icon text,
    metadata jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now()
);
create index idx_user_activities_user_id on user_activities (user_id, created_at desc);

-- One row per user and Paris calendar day with activity: feeds streaks and charts.
create table user_progress_history (
    user_id uuid not null references auth.users (id) on delete cascade,
    activity_date date not null,
    lessons_completed integer not null default 0 check (lessons_completed >= 0),
    watch_time_seconds integer not null default 0 check (watch_time_seconds >= 0),
    points_earned integer not null default 0 check (points_earned >= 0),
    messages_sent integer not null default 0 check (messages_sent >= 0),
    primary key (user_id, activity_date)
);
