-- courses: the published catalogue is public, drafts are invisible, premium lesson
-- content opens only to entitled members and drip lessons only when released.
begin;
select no_plan();
select tests.create_user('fanny');                 -- freemium
select tests.create_user('paula', 'premium');
select tests.create_user('tina', 'trial');
select tests.create_user('eve', 'trial');
update member_accounts set trial_ends_at = now() - interval '1 day' where id = tests.fx('eve');
insert into courses (id, title, slug, is_published) values
    (gen_random_uuid(), 'Renaissance', 'renaissance', true),
    (gen_random_uuid(), 'Brouillon', 'brouillon', false);
insert into tests.fixtures select slug, id from courses where slug in ('renaissance', 'brouillon');
insert into lessons (course_id, lesson_number, title, release_day_offset, is_free) values
    (tests.fx('renaissance'), 1, 'Bienvenue', 0, true),
    (tests.fx('renaissance'), 2, 'Bilan', 0, false),
    (tests.fx('renaissance'), 3, 'Valeurs', 7, false),
    (tests.fx('brouillon'), 1, 'Budget', 0, true);
insert into tests.fixtures select 'l' || lesson_number, id from lessons where course_id = tests.fx('renaissance');
insert into tests.fixtures select 'draft', id from lessons where course_id = tests.fx('brouillon');
insert into lesson_bodies (lesson_id, content, video_url) values
    (tests.fx('l1'), 'corps libre', 'https://v/1.mp4'),
    (tests.fx('l2'), 'corps premium', 'https://v/2.mp4'),
    (tests.fx('l3'), 'corps J+7', 'https://v/3.mp4'),
    (tests.fx('draft'), 'corps brouillon', null);
select tests.share_tap_state();

select tests.act_as_anon();
select is((select count(*)::int from courses where id in (tests.fx('renaissance'), tests.fx('brouillon'))), 1,
          'anon sees the published course only');
select is((select count(*)::int from lessons where course_id in (tests.fx('renaissance'), tests.fx('brouillon'))), 3,
          'anon sees the lessons of published courses only');
select is((select count(*)::int from (select * from lessons) l where course_id = tests.fx('renaissance')), 3,
          'anon reads the catalogue with select * (PostgREST: select=*)');
select throws_ok('select content from lesson_bodies', '42501', null, 'lesson bodies are not readable from their table');
select throws_ok('select * from lesson_bodies', '42501', null, '… nor with select *');
select throws_ok($$ insert into lesson_bodies (lesson_id, content) values (tests.fx('draft'), 'x') $$, '42501', null,
                 '… nor writable');
select throws_ok($$ select * from get_lesson_content(tests.fx('l1')) $$, '42501', null, 'anon cannot open lessons');

select tests.act_as('fanny');
select throws_ok('select * from lesson_bodies', '42501', null, 'a member reads no lesson body from the table either');
select throws_ok($$ update lesson_bodies set content = 'x' $$, '42501', null, '… nor edits one');
select is((select count(*)::int from courses where slug = 'brouillon'), 0, 'a draft course is invisible to members');
select is((select content from get_lesson_content(tests.fx('l1'))), 'corps libre', 'a free lesson opens for a freemium member');
select throws_ok($$ select * from get_lesson_content(tests.fx('l2')) $$, 'PT402', 'this lesson is for premium members',
                 'a premium lesson stays closed to a freemium member (402)');
select throws_ok($$ select * from get_lesson_content(tests.fx('draft')) $$, 'PT404', 'lesson not found',
                 'an unpublished lesson does not exist for members');
select throws_ok($$ select * from get_lesson_content(gen_random_uuid()) $$, 'PT404', 'lesson not found',
                 'an unknown lesson is not found');
select lives_ok($$ insert into enrollments (course_id) values (tests.fx('renaissance')) $$,
                'a member enrols in a published course (user_id defaults to her)');
select throws_ok($$ insert into enrollments (course_id) values (tests.fx('renaissance')) $$, '23505', null,
                 'enrolling twice is refused');
select throws_ok($$ insert into enrollments (course_id) values (tests.fx('brouillon')) $$, '42501', null,
                 'nobody enrols in a draft');
select throws_ok($$ insert into enrollments (course_id, user_id) values (tests.fx('renaissance'), tests.fx('paula')) $$,
                 '42501', null, 'nobody enrols someone else');
select throws_ok($$ insert into user_lesson_progress (user_id, lesson_id, status, completed_at)
                    values (tests.fx('fanny'), tests.fx('l2'), 'completed', now()) $$,
                 '42501', null, 'progress is written by aurora only');
select throws_ok($$ insert into user_courses (user_id, course_id) values (tests.fx('fanny'), tests.fx('renaissance')) $$,
                 '42501', null, 'course state is written by aurora only');

select tests.act_as('paula');
select is((select content from get_lesson_content(tests.fx('l2'))), 'corps premium', 'a premium member opens a premium lesson');
select is((select video_url from get_lesson_content(tests.fx('l2'))), 'https://v/2.mp4', '… with its video');
select throws_ok($$ select * from get_lesson_content(tests.fx('l3')) $$, '42501',
                 'this lesson is not released yet (start the course to unlock it)',
                 'a drip lesson is closed before enrolment');
select tests.act_as_admin();
insert into enrollments (user_id, course_id, enrolled_at) values (tests.fx('paula'), tests.fx('renaissance'), now() - interval '3 days');
select tests.act_as('paula');
select throws_like($$ select * from get_lesson_content(tests.fx('l3')) $$,
                   'this lesson is not released yet (available from %',
                   'a J+7 lesson is closed three days after enrolment');
select tests.act_as_admin();
update enrollments set enrolled_at = now() - interval '8 days' where user_id = tests.fx('paula');
select tests.act_as('paula');
select is((select content from get_lesson_content(tests.fx('l3'))), 'corps J+7', 'and open eight days after');
select is((select count(*)::int from enrollments), 1, 'a member sees her own enrolments only');

select tests.act_as('tina');
select is((select content from get_lesson_content(tests.fx('l2'))), 'corps premium', 'a running trial opens premium lessons');
select tests.act_as('eve');
select throws_ok($$ select * from get_lesson_content(tests.fx('l2')) $$, 'PT402', 'this lesson is for premium members',
                 'an ended trial does not');

select tests.act_as_service();
select is((select content from get_lesson_content(tests.fx('draft'))), 'corps brouillon', 'service_role opens drafts');

select tests.act_as_admin();
select * from finish();
rollback;
