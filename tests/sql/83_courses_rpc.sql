-- Courses, progress and what it pays; profile views; leaderboard.
begin;
select no_plan();
select tests.create_user('fanny');
select tests.create_user('paula', 'premium');
select tests.create_user('olga');
update aurora_settings set freemium_daily_profile_views = 2;
insert into courses (id, title, slug, is_published) values
    (gen_random_uuid(), 'Renaissance', 'renaissance', true), (gen_random_uuid(), 'Brouillon', 'brouillon', false);
insert into tests.fixtures select slug, id from courses where slug in ('renaissance', 'brouillon');
insert into lessons (course_id, lesson_number, title, release_day_offset, is_free) values
    (tests.fx('renaissance'), 1, 'Un', 0, true),
    (tests.fx('renaissance'), 2, 'Deux', 0, false),
    (tests.fx('renaissance'), 3, 'Trois', 7, false);
insert into tests.fixtures select 'l' || lesson_number, id from lessons where course_id = tests.fx('renaissance');
insert into lesson_bodies (lesson_id, content) select id, 'corps ' || lesson_number from lessons where course_id = tests.fx('renaissance');
select tests.share_tap_state();

select tests.act_as_anon();
select throws_ok($$ select to_jsonb(start_course(tests.fx('renaissance'))) $$, '42501', null, 'anon cannot enrol');
select throws_ok($$ select * from get_course_lessons(tests.fx('renaissance')) $$, '42501', null, 'anon gets no personal lesson list');

select tests.act_as('fanny');
select is(to_jsonb(start_course(tests.fx('renaissance')))->>'newly_enrolled', 'true', 'start_course enrols');
select is(to_jsonb(start_course(tests.fx('renaissance')))->>'newly_enrolled', 'false', 'again: idempotent');
select is((select count(*)::int from enrollments), 1, 'one enrolment');
select throws_ok($$ select to_jsonb(start_course(tests.fx('brouillon'))) $$, 'PT404', null, 'a draft cannot be started');
select throws_ok($$ select to_jsonb(start_course(gen_random_uuid())) $$, 'PT404', null, 'nor an unknown course');
select results_eq(
    $$ select lesson_number, is_released, can_open from get_course_lessons(tests.fx('renaissance')) $$,
    $$ values (1, true, true), (2, true, false), (3, false, false) $$,
    'lessons with drip release and entitlement, for a freemium member');
select is_empty($$ select * from get_course_lessons(tests.fx('brouillon')) $$, 'a draft has no lessons');

select throws_ok($$ select to_jsonb(update_lesson_progress(tests.fx('l2'), 10, 10, 50)) $$, 'PT402', null,
                 'no progress on a premium lesson for a freemium member');
select throws_ok($$ select to_jsonb(update_lesson_progress(tests.fx('l1'), -1, 0, 0)) $$, '22023', null, 'negative positions are refused');
select throws_ok($$ select to_jsonb(update_lesson_progress(tests.fx('l1'), 0, 0, 101)) $$, '22023', null, 'completion above 100 is refused');
select is(to_jsonb(update_lesson_progress(tests.fx('l1'), 120, 130, 40))->>'status', 'in_progress', 'progress is recorded');
select is(to_jsonb(update_lesson_progress(tests.fx('l1'), 60, 100, 30))->>'completion_percentage', '40', 'completion never goes back');
select is(to_jsonb(update_lesson_progress(tests.fx('l1'), 600, 610, 95))->>'newly_completed', 'true', 'the threshold completes the lesson');
select is(to_jsonb(update_lesson_progress(tests.fx('l1'), 600, 610, 100))->>'newly_completed', 'false', 'a retry does not complete it twice');
select is((select points from user_stats), 10 + 10, 'lesson points and the first-lesson badge are paid once');
select is((select total_lessons_completed from user_stats), 1, 'one lesson completed');
-- 130 s reported first; then 610 s twice a moment later (the same transaction: no time
-- passed), each crediting its 5 s of slack, not 480 s
select is((select watch_time_seconds from user_lesson_progress where lesson_id = tests.fx('l1')), 140,
          'watch time grows no faster than the clock');
select is((select total_study_time_minutes from user_stats), 2, 'study time follows the credited watch time (140 s)');
select is((select count(*)::int from user_activities where type = 'lesson_completed'), 1, 'one activity row');
select is((select count(*)::int from user_lesson_progress), 1, 'she reads her progress');

select tests.act_as('paula');
select to_jsonb(start_course(tests.fx('renaissance')));
select tests.act_as_admin();
update enrollments set enrolled_at = now() - interval '8 days' where user_id = tests.fx('paula');
select tests.act_as('paula');
select results_eq($$ select bool_and(can_open) from get_course_lessons(tests.fx('renaissance')) $$, $$ values (true) $$,
                  'a premium member eight days in opens every lesson');
select to_jsonb(update_lesson_progress(tests.fx('l1'), 0, 300, 100));
select to_jsonb(update_lesson_progress(tests.fx('l2'), 0, 300, 100));
select is(to_jsonb(update_lesson_progress(tests.fx('l3'), 0, 300, 100))->>'course_completed', 'true', 'the last lesson completes the course');
select is(to_jsonb(update_lesson_progress(tests.fx('l3'), 0, 300, 100))->>'course_completed', 'false', 'once');
select is((select status from user_courses), 'completed', 'the course is completed');
select is((select points from user_stats), 3 * 10 + 10 + 50 + 50, 'lessons, first lesson, course and first course: paid once each');
select tests.act_as_admin();
select is((select count(*)::int from email_outbox where template = 'course-completion' and user_id = tests.fx('paula')), 1,
          'one congratulation email is queued');
select is((select params->>'cours' from email_outbox where user_id = tests.fx('paula') and template = 'course-completion'), 'Renaissance', 'with the course title');

-- leaderboard
select tests.act_as('olga');
-- (whatever else the database holds: the suite also runs on upgraded and adopted databases)
select is((select bool_and(ok) from (
              select rank = 1 + count(*) over (order by points desc range between unbounded preceding and 1 preceding)
                     and points <= coalesce(lag(points) over (order by rank, user_id), points) as ok
                from get_leaderboard(100)) b), true,
          'the leaderboard ranks by points (rank = 1 + members with more points)');
select is((select count(*)::int from get_leaderboard(2)), 2, 'the leaderboard gives as many members as asked');
select tests.act_as_admin();
select results_eq($$ select user_id, points from public.user_stats
                      where user_id in (tests.fx('paula'), tests.fx('fanny')) order by points desc $$,
                  $$ values (tests.fx('paula'), 140), (tests.fx('fanny'), 20) $$,
                  'what the members earned is what the leaderboard ranks');
select tests.act_as('olga');
select throws_ok($$ select * from get_leaderboard(0) $$, '22023', null, 'limit must be positive');
select throws_ok($$ select * from get_leaderboard(101) $$, '22023', null, 'and bounded');
select throws_ok($$ select * from get_leaderboard(max_entries => 0) $$, '22023', null, 'max_entries is its name');
select is((select count(*)::int from get_leaderboard()), (select least(count(*), 10)::int from profiles), 'ten by default');
select tests.act_as_anon();
select throws_ok($$ select * from get_leaderboard() $$, '42501', null, 'anon sees no leaderboard');

-- profile views
select tests.act_as_anon();
select throws_ok($$ select to_jsonb(record_profile_view(tests.fx('paula'))) $$, '42501', null, 'anon views nothing');
select tests.act_as('olga');
select is(to_jsonb(record_profile_view(tests.fx('olga')))->>'counted', 'false', 'her own profile does not count');
select is(to_jsonb(record_profile_view(tests.fx('paula')))->>'views_today', '1', 'a view counts');
select is(to_jsonb(record_profile_view(tests.fx('fanny')))->>'views_today', '2', 'a second view');
select throws_ok($$ select to_jsonb(record_profile_view(tests.fx('paula'))) $$, 'PT402', 'daily profile view limit reached',
                 'a freemium member''s views are limited (402)');
select is((select conversion_triggers->-1->>'type' from my_profile()), 'daily_profile_view_limit', 'reaching it was recorded');
select throws_ok($$ select to_jsonb(record_profile_view(gen_random_uuid())) $$, 'PT404', null, 'unknown profile');
select tests.act_as('paula');
select is(to_jsonb(record_profile_view(tests.fx('olga')))->>'limit', null, 'premium members have no view limit');

-- study time is what could have been watched, not what the client says
select tests.act_as_admin();
select tests.create_user('lea');
insert into courses (id, title, slug, is_published) values (gen_random_uuid(), 'Durées', 'durees', true);
insert into tests.fixtures select slug, id from courses where slug = 'durees';
insert into lessons (course_id, lesson_number, title, duration_minutes, is_free) values
    (tests.fx('durees'), 1, 'Dix minutes', 10, true), (tests.fx('durees'), 2, 'Une heure', 60, true);
insert into tests.fixtures select 'dur' || lesson_number, id from lessons where course_id = tests.fx('durees');
select tests.act_as('lea');
select is(to_jsonb(update_lesson_progress(tests.fx('dur1'), 0, 864000, 5))->>'watch_time_seconds', '600',
          'a report credits no more than the lesson lasts (10 minutes, not 864,000 s)');
select is((select total_study_time_minutes from user_stats), 10, 'her study time grows by 10 minutes, not 14,400');
select is(to_jsonb(update_lesson_progress(tests.fx('dur2'), 0, 100, 5))->>'watch_time_seconds', '100', 'a plausible first report counts');
select is(to_jsonb(update_lesson_progress(tests.fx('dur2'), 0, 3000, 10))->>'watch_time_seconds', '105',
          'the next report credits no more than the time since the previous one (here none, 5 s of slack)');
select is((select total_study_time_minutes from user_stats), 11, 'and her study time follows what was credited');

select tests.act_as_admin();
select * from finish();
rollback;
