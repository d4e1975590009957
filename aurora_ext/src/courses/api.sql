-- courses: the RPCs (cores in courses/mod.rs) --------------------------------------------

-- What the RPCs answer (docs/api.md), as types the client's generated types name.
create type lesson_content as (lesson_id uuid, title text, content text, video_url text);
create type course_enrolment as (
    course_id uuid, enrolled_at timestamptz, status progress_status, progress_percentage integer,
    newly_enrolled boolean
);
create type lesson_progress_answer as (
    lesson_id uuid, status progress_status, completion_percentage integer, newly_completed boolean,
    course_completed boolean, watch_time_seconds integer, last_video_position integer,
    completed_at timestamptz
);

create function get_lesson_content(lesson_id uuid)
returns lesson_content language c stable security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_get_lesson_content';

-- a lesson of a course as the caller sees it (status: not_started | in_progress | completed)
create type course_lesson as (
    id uuid, lesson_number integer, title text, duration_minutes integer, is_free boolean,
    release_day_offset integer, available_at timestamptz, is_released boolean, can_open boolean,
    status progress_status, completion_percentage integer
);
create function get_course_lessons(course_id uuid)
returns setof course_lesson language sql stable security definer set search_path = pg_catalog, pg_temp
as $$ select * from aurora_private.get_course_lessons($1) $$;

create function start_course(course_id uuid)
returns course_enrolment language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_start_course';

create function update_lesson_progress(lesson_id uuid, position_seconds integer default 0,
                                       watch_time_seconds integer default 0,
                                       completion_percentage integer default 0)
returns lesson_progress_answer language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_update_lesson_progress';  -- native (platform/native.rs)
