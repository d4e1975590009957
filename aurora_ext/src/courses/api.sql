-- courses: the RPCs (cores in courses/mod.rs) --------------------------------------------

create function get_lesson_content(lesson_id uuid)
returns table (lesson_id uuid, title text, content text, video_url text)
language sql stable security definer set search_path = pg_catalog, pg_temp
as $$
    select * from jsonb_to_record(aurora_private.unwrap(aurora_private.get_lesson_content($1)))
        as x(lesson_id uuid, title text, content text, video_url text)
$$;

create function start_course(course_id uuid)
returns jsonb language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap(aurora_private.start_course(course_id)); end $$;

create function update_lesson_progress(lesson_id uuid, position_seconds integer default 0,
                                       watch_time_seconds integer default 0,
                                       completion_percentage integer default 0)
returns jsonb language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap(aurora_private.update_lesson_progress(lesson_id, position_seconds, watch_time_seconds, completion_percentage)); end $$;
