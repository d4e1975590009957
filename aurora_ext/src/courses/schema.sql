-- courses ---------------------------------------------------------------------------

create table courses (
    id uuid primary key default gen_random_uuid(),
    title text not null check (char_length(title) between 1 and 200 and btrim(title) <> ''),
    slug text unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    description text,
    short_description text,
    emoji text,
    color_gradient text,
    pillar_number integer check (pillar_number > 0),
    order_index integer,
    duration_weeks integer check (duration_weeks > 0),
    is_published boolean not null default false,
    created_at timestamptz not null default now()
);
create index idx_courses_pillar_number on courses (pillar_number);
create index idx_courses_order_index on courses (order_index) where is_published;

-- content and video_url are premium material: not granted to client roles, served by
-- get_lesson_content() to entitled users only.
create table lessons (
    id uuid primary key default gen_random_uuid(),
    title text not null check (char_length(title) between 1 and 200 and btrim(title) <> ''),
    course_id uuid not null references courses (id) on delete cascade,
    lesson_number integer not null check (lesson_number > 0),
    duration_minutes integer check (duration_minutes >= 0),
    release_day_offset integer not null default 0 check (release_day_offset >= 0),
    is_free boolean not null default false,
    created_at timestamptz not null default now(),
    unique (course_id, lesson_number)
);
create index idx_lessons_lesson_number on lessons (lesson_number);

-- What a lesson teaches (its text and video), apart from the catalogue: nobody reads it but
-- through get_lesson_content(), which checks entitlement and drip; `lessons` itself is public
-- catalogue, every column readable (so `select('*')` works for anon and members).
create table lesson_bodies (
    lesson_id uuid primary key references lessons (id) on delete cascade,
    content text,
    video_url text
);

create table enrollments (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references auth.users (id) on delete cascade,
    course_id uuid not null references courses (id) on delete cascade,
    enrolled_at timestamptz not null default now(),
    unique (user_id, course_id)
);
create index idx_enrollments_course_id on enrollments (course_id);

-- where a member is in a lesson or a course
create type progress_status as enum ('not_started', 'in_progress', 'completed');
create cast (text as progress_status) with inout as assignment;  -- as profiles/schema.sql's

create table user_lesson_progress (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references auth.users (id) on delete cascade,
    lesson_id uuid not null references lessons (id) on delete cascade,
    status progress_status not null default 'not_started',
    completion_percentage integer not null default 0
        check (completion_percentage between 0 and 100),
    last_video_position integer not null default 0 check (last_video_position >= 0),
    watch_time_seconds integer not null default 0 check (watch_time_seconds >= 0),
    started_at timestamptz,
    completed_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (user_id, lesson_id),
    check ((status = 'completed') = (completed_at is not null))
);
create index idx_user_lesson_progress_lesson_id on user_lesson_progress (lesson_id);

-- Per user and course: where she is, how far, when she finished.
create table user_courses (
    user_id uuid not null references auth.users (id) on delete cascade,
    course_id uuid not null references courses (id) on delete cascade,
    status progress_status not null default 'in_progress',
    progress_percentage integer not null default 0 check (progress_percentage between 0 and 100),
    lessons_completed integer not null default 0 check (lessons_completed >= 0),
    last_lesson_id uuid references lessons (id) on delete set null,
    started_at timestamptz not null default now(),
    last_accessed_at timestamptz not null default now(),
    completed_at timestamptz,
    updated_at timestamptz not null default now(),
    primary key (user_id, course_id),
    check ((status = 'completed') = (completed_at is not null))
);
create index idx_user_courses_course_id on user_courses (course_id);
