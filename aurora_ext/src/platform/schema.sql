-- settings ------------------------------------------------------------------------------

-- The one place for product limits and defaults. A single row; service_role (or an
-- operator in psql) changes it, every function reads it.
create table aurora_settings (
    id boolean primary key default true check (id),
    freemium_daily_messages integer not null default 20 check (freemium_daily_messages >= 0),
    freemium_daily_profile_views integer not null default 10 check (freemium_daily_profile_views >= 0),
    freemium_salons_created integer not null default 1 check (freemium_salons_created >= 0),
    freemium_salons_joined integer not null default 3 check (freemium_salons_joined >= 0),
    trial_days integer not null default 7 check (trial_days between 0 and 365),
    join_attempts_per_window integer not null default 10 check (join_attempts_per_window > 0),
    join_attempt_window_seconds integer not null default 600 check (join_attempt_window_seconds > 0),
    invitation_days integer not null default 7 check (invitation_days between 1 and 90),
    lesson_completion_threshold integer not null default 90
        check (lesson_completion_threshold between 1 and 100),
    updated_at timestamptz not null default now()
);
insert into aurora_settings default values;
