-- gamification: each member reads her own stats, badges, activity and history; nobody
-- writes them but aurora.
begin;
select no_plan();
select tests.create_user('ines');
select tests.create_user('claire');
insert into user_achievements (user_id, badge_id, title, rarity) values
    (tests.fx('ines'), 'first_lesson', 'Premier pas', 'common'),
    (tests.fx('claire'), 'first_lesson', 'Premier pas', 'common');
insert into user_activities (user_id, type, title) values (tests.fx('ines'), 'lesson_completed', 'Leçon');
insert into user_progress_history (user_id, activity_date, lessons_completed) values (tests.fx('ines'), current_date, 1);
select tests.share_tap_state();

select tests.act_as_anon();
select throws_ok('select points from user_stats', '42501', null, 'anon reads no stats');

select tests.act_as('claire');
select is((select count(*)::int from user_stats), 1, 'a member sees her own stats row only');
select is((select count(*)::int from user_achievements), 1, '… her own badges only');
select is((select count(*)::int from user_activities), 0, '… her own activity only');
select is((select count(*)::int from user_progress_history), 0, '… her own history only');
select throws_ok($$ update user_stats set points = 1000000 $$, '42501', null, 'nobody awards herself points');
select throws_ok($$ update user_stats set level = 99, streak_days = 365 $$, '42501', null, 'nor levels or streaks');
select throws_ok($$ insert into user_achievements (user_id, badge_id, title, rarity) values (tests.fx('claire'), 'legend', 'Légende', 'legendary') $$,
                 '42501', null, 'nor badges');
select throws_ok($$ insert into user_activities (user_id, type, title) values (tests.fx('claire'), 'x', 'x') $$,
                 '42501', null, 'nor activity rows');
select throws_ok($$ delete from user_achievements $$, '42501', null, 'nor removes badges');

select tests.act_as_admin();
select throws_ok($$ insert into user_achievements (user_id, badge_id, title, rarity) values (tests.fx('ines'), 'first_lesson', 'x', 'common') $$,
                 '23505', null, 'a badge is earned once');
select throws_ok($$ insert into user_achievements (user_id, badge_id, title, rarity) values (tests.fx('ines'), 'other', 'x', 'mythic') $$,
                 '22P02', null, 'rarity is a closed set (an enum)');
select throws_ok($$ update user_stats set points = -1 where user_id = tests.fx('ines') $$, '23514', null, 'points are never negative');

select * from finish();
rollback;
