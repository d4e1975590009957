-- Presence: sign-in (streaks), heartbeat, manual status, sign-out, and the sweep.
begin;
select no_plan();
select tests.create_user('ines');
select tests.create_user('claire');
select tests.create_user('olga');
select tests.share_tap_state();

select tests.act_as_anon();
select throws_ok('select to_jsonb(handle_user_signin())', '42501', null, 'anon has no presence');
select throws_ok('select to_jsonb(rpc_update_activity())', '42501', null, 'nor heartbeat');

select tests.act_as('ines');
select is(to_jsonb(handle_user_signin())->>'presence_status', 'online', 'sign-in puts her online');
select is((to_jsonb(handle_user_signin())->>'streak_days')::int, 1, 'a first day starts a streak of 1 (same day twice stays 1)');
select tests.act_as_admin();
update user_stats set streak_days = 2, last_streak_date = (now() at time zone 'Europe/Paris')::date - 1 where user_id = tests.fx('ines');
select tests.act_as('ines');
select is((to_jsonb(handle_user_signin())->>'streak_days')::int, 3, 'the next day extends it');
select is((select count(*)::int from user_achievements where badge_id = 'streak_3'), 1, 'three days earn a badge');
select tests.act_as_admin();
update user_stats set last_streak_date = (now() at time zone 'Europe/Paris')::date - 3 where user_id = tests.fx('ines');
select tests.act_as('ines');
select is((to_jsonb(handle_user_signin())->>'streak_days')::int, 1, 'a gap restarts the streak');
select is((select longest_streak_days from user_stats), 3, 'the longest streak is kept');
select is((select count(*)::int from user_achievements where badge_id = 'streak_3'), 1, 'and the badge is not paid twice');

select is(to_jsonb(rpc_set_manual_status('busy'))->>'presence_status', 'busy', 'a manual status');
select is(to_jsonb(rpc_update_activity())->>'presence_status', 'busy', 'survives the heartbeat');
select throws_ok($$ select to_jsonb(rpc_set_manual_status('invisible')) $$, '22023', null, 'unknown statuses are refused');
select is(to_jsonb(rpc_set_manual_status(null))->>'presence_status', 'online', 'null gives presence back to activity');
select is(to_jsonb(update_user_activity())->>'is_manual_status', 'false', 'update_user_activity is the same heartbeat');
select is(to_jsonb(handle_user_signout())->>'presence_status', 'offline', 'sign-out');

-- the sweep
select tests.act_as('claire');
select to_jsonb(handle_user_signin());
select tests.act_as('olga');
select to_jsonb(rpc_set_manual_status('away'));
select tests.act_as('ines');
select to_jsonb(handle_user_signin());
select tests.act_as_admin();
update profiles set presence_expires_at = now() - interval '1 second', last_activity = now() - interval '301 seconds'
 where id in (tests.fx('claire'), tests.fx('olga'));
select tests.act_as('ines');
select is(rpc_check_inactive_users(), 1::bigint, 'the sweep turns the idle automatic presence offline');
select tests.act_as_admin();
select is((select presence_status from profiles where id = tests.fx('claire')), 'offline', 'Claire is offline');
select is((select presence_status from profiles where id = tests.fx('olga')), 'away', 'a manual status is respected');
select is((select presence_status from profiles where id = tests.fx('ines')), 'online', 'an active member stays online');
select is(check_inactive_users(), 0::bigint, 'a second sweep finds nothing');
update profiles set auto_offline_after = 3600 where id = tests.fx('ines');
select tests.act_as('ines');
select ok((to_jsonb(rpc_update_activity())->>'presence_expires_at')::timestamptz > now() + interval '59 minutes',
          'a member''s own auto_offline_after sets her expiry');

-- heartbeats write at most once a minute (a fifth of auto_offline_after when shorter)
select tests.act_as_admin();
update profiles set last_activity = now() - interval '30 seconds', presence_expires_at = now() + interval '3570 seconds'
 where id = tests.fx('ines');
select tests.act_as('ines');
select is((to_jsonb(rpc_update_activity())->>'last_activity')::timestamptz, now() - interval '30 seconds',
          'a heartbeat within a minute of the last write writes nothing');
select tests.act_as_admin();
select is((select last_activity from profiles where id = tests.fx('ines')), now() - interval '30 seconds',
          'her row is untouched');
update profiles set last_activity = now() - interval '61 seconds', presence_expires_at = now() + interval '3539 seconds'
 where id = tests.fx('ines');
select tests.act_as('ines');
select is((to_jsonb(rpc_update_activity())->>'last_activity')::timestamptz, now(), 'after a minute it writes');
select tests.act_as_admin();
update profiles set presence_status = 'offline', status = 'offline', last_activity = now() - interval '5 seconds',
                    presence_expires_at = now() + interval '3595 seconds'
 where id = tests.fx('ines');
select tests.act_as('ines');
select is(to_jsonb(rpc_update_activity())->>'presence_status', 'online', 'coming back online is never put off');
select tests.act_as_admin();
update profiles set auto_offline_after = 30, last_activity = now() - interval '7 seconds',
                    presence_expires_at = now() + interval '23 seconds'
 where id = tests.fx('ines');
select tests.act_as('ines');
select is((to_jsonb(rpc_update_activity())->>'last_activity')::timestamptz, now(),
          'with a 30 s presence the window is 6 s: a beat 7 s later writes');
select tests.act_as_admin();
update profiles set auto_offline_after = 3600, last_activity = now() - interval '10 seconds',
                    presence_expires_at = now() + interval '3590 seconds'
 where id = tests.fx('ines');
select tests.act_as('ines');
select is((to_jsonb(handle_user_signin())->>'last_activity')::timestamptz, now(), 'sign-in always writes');

-- presence is not an edit: updated_at moves only when the profile is edited
select tests.act_as_admin();
update profiles set updated_at = '2000-01-01' where id = tests.fx('ines');
select tests.act_as('ines');
select to_jsonb(rpc_update_activity());
select to_jsonb(rpc_set_manual_status('away'));
select is((select updated_at from profiles where id = tests.fx('ines')), '2000-01-01'::timestamptz,
          'heartbeats and statuses leave updated_at alone');
update profiles set full_name = 'Inès L.' where id = tests.fx('ines');
select is((select updated_at from profiles where id = tests.fx('ines')), now(), 'an edit stamps it');

select tests.act_as_admin();
select * from finish();
rollback;
