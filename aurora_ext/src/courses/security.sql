-- courses: policies and updated_at -------------------------------------------------------

create trigger user_lesson_progress_updated_at before update on user_lesson_progress
    for each row execute function set_updated_at();
create trigger user_courses_updated_at before update on user_courses
    for each row execute function set_updated_at();

alter table enrollments alter column user_id set default auth.uid();

alter table courses enable row level security;
create policy courses_select_published on courses for select to anon, authenticated
    using (is_published);

-- the catalogue of a published course; what lessons teach is in lesson_bodies, closed to
-- clients (get_lesson_content)
alter table lessons enable row level security;
alter table lesson_bodies enable row level security;
create policy lessons_select_published on lessons for select to anon, authenticated
    using (exists (select 1 from courses c where c.id = course_id and c.is_published));

alter table enrollments enable row level security;
create policy enrollments_select_own on enrollments for select to authenticated
    using (user_id = (select auth.uid()));
create policy enrollments_insert_own on enrollments for insert to authenticated
    with check (user_id = (select auth.uid())
                and exists (select 1 from courses c where c.id = course_id and c.is_published));

alter table user_lesson_progress enable row level security;
create policy user_lesson_progress_select_own on user_lesson_progress for select to authenticated
    using (user_id = (select auth.uid()));

alter table user_courses enable row level security;
create policy user_courses_select_own on user_courses for select to authenticated
    using (user_id = (select auth.uid()));
