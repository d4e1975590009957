-- Bad input from a member, through every RPC and the tables she may write: each ends with a
-- deliberate SQLSTATE (22023 → 400, PT404, 23514/23503 constraint → 400/409) or succeeds
-- harmlessly; never XX000, which is for bugs.
begin;
select no_plan();
select tests.create_user('ines');
select tests.create_user('claire');
select tests.create_salon('lectrices', 'ines');
select tests.add_member('lectrices', 'claire');
select tests.share_tap_state();
select tests.act_as('claire');

select is(tests.sqlstate_of($q$select to_jsonb(create_salon_with_code(repeat('x', 100000)))$q$), '22023'::text, 'select to_jsonb(create_salon_with_code(repeat(''x'', 100000)))');
select is(tests.sqlstate_of($q$select to_jsonb(create_salon_with_code('ok', repeat('d', 100000)))$q$), '22023'::text, 'select to_jsonb(create_salon_with_code(''ok'', repeat(''d'', 100000)))');
select is(tests.sqlstate_of($q$select to_jsonb(create_salon_with_code('ok', null, null, null, 'purple'))$q$), '22023'::text, 'select to_jsonb(create_salon_with_code(''ok'', null, null, null, ''purple''))');
select is(tests.sqlstate_of($q$select to_jsonb(create_salon_with_code(''))$q$), '22023'::text, 'select to_jsonb(create_salon_with_code(''''))');
select is(tests.sqlstate_of($q$select to_jsonb(join_salon_via_code(repeat('Z', 100000)))$q$), '22023'::text, 'select to_jsonb(join_salon_via_code(repeat(''Z'', 100000)))');
select is(tests.sqlstate_of($q$select to_jsonb(join_salon_via_code(null))$q$), '22023'::text, 'select to_jsonb(join_salon_via_code(null))');
select is(tests.sqlstate_of($q$select to_jsonb(create_salon_invitation(tests.fx('lectrices'), repeat('a', 10000) || '@x.fr'))$q$), '22023'::text, 'select to_jsonb(create_salon_invitation(tests.fx(''lectrices''), repeat(''a'', 10000) || ''@x.fr''))');
select is(tests.sqlstate_of($q$select to_jsonb(create_salon_invitation(tests.fx('lectrices'), 'pas un email'))$q$), '22023'::text, 'select to_jsonb(create_salon_invitation(tests.fx(''lectrices''), ''pas un email''))');
select is(tests.sqlstate_of($q$select to_jsonb(create_salon_invitation(tests.fx('lectrices'), null, null, -5))$q$), '22023'::text, 'select to_jsonb(create_salon_invitation(tests.fx(''lectrices''), null, null, -5))');
select is(tests.sqlstate_of($q$select to_jsonb(create_salon_invitation(tests.fx('lectrices'), null, null, 100000))$q$), '22023'::text, 'select to_jsonb(create_salon_invitation(tests.fx(''lectrices''), null, null, 100000))');
select is(tests.sqlstate_of($q$select to_jsonb(accept_salon_invitation(repeat('t', 1000000)))$q$), '22023'::text, 'select to_jsonb(accept_salon_invitation(repeat(''t'', 1000000)))');
select is(tests.sqlstate_of($q$select to_jsonb(accept_salon_invitation(null))$q$), '22023'::text, 'select to_jsonb(accept_salon_invitation(null))');
select is(tests.sqlstate_of($q$select to_jsonb(leave_salon(null))$q$), '22023'::text, 'select to_jsonb(leave_salon(null))');
select is(tests.sqlstate_of($q$select to_jsonb(set_member_role(tests.fx('lectrices'), tests.fx('ines'), repeat('r', 1000)))$q$), '22023'::text, 'select to_jsonb(set_member_role(tests.fx(''lectrices''), tests.fx(''ines''), repeat(''r'', 1000)))');
select is(tests.sqlstate_of($q$select to_jsonb(set_member_role(null, null, null))$q$), '22023'::text, 'select to_jsonb(set_member_role(null, null, null))');
select is(tests.sqlstate_of($q$select to_jsonb(delete_message(-1))$q$), 'PT404'::text, 'select to_jsonb(delete_message(-1))');
select is(tests.sqlstate_of($q$select to_jsonb(get_reply_message_info(null))$q$), '22023'::text, 'select to_jsonb(get_reply_message_info(null))');
select is(tests.sqlstate_of($q$select to_jsonb(toggle_message_reaction(1, repeat('e', 100000)))$q$), '22023'::text, 'select to_jsonb(toggle_message_reaction(1, repeat(''e'', 100000)))');
select is(tests.sqlstate_of($q$select to_jsonb(toggle_message_reaction(null, null))$q$), '22023'::text, 'select to_jsonb(toggle_message_reaction(null, null))');
select is(tests.sqlstate_of($q$select to_jsonb(handle_message_reaction(1, '👍', 'explode'))$q$), '22023'::text, 'select to_jsonb(handle_message_reaction(1, ''👍'', ''explode''))');
select is(tests.sqlstate_of($q$select get_message_reactions_summary(null)$q$), null::text, 'select get_message_reactions_summary(null)');
select is(tests.sqlstate_of($q$select get_all_message_reactions_batch(array(select generate_series(1, 100000)::bigint))$q$), '22023'::text, 'select get_all_message_reactions_batch(array(select generate_series(1, 100000)::bigint))');
select is(tests.sqlstate_of($q$select get_all_message_reactions_batch(null)$q$), null::text, 'select get_all_message_reactions_batch(null)');
select is(tests.sqlstate_of($q$select to_jsonb(rpc_set_manual_status(repeat('x', 10000)))$q$), '22023'::text, 'select to_jsonb(rpc_set_manual_status(repeat(''x'', 10000)))');
select is(tests.sqlstate_of($q$select to_jsonb(rpc_set_manual_status(null))$q$), null::text, 'select to_jsonb(rpc_set_manual_status(null))');
select is(tests.sqlstate_of($q$select * from get_lesson_content(null)$q$), '22023'::text, 'select * from get_lesson_content(null)');
select is(tests.sqlstate_of($q$select to_jsonb(start_course(null))$q$), '22023'::text, 'select to_jsonb(start_course(null))');
select is(tests.sqlstate_of($q$select * from get_course_lessons(null)$q$), null::text, 'select * from get_course_lessons(null)');
select is(tests.sqlstate_of($q$select to_jsonb(update_lesson_progress(gen_random_uuid(), 2147483647, 2147483647, 2147483647))$q$), '22023'::text, 'select to_jsonb(update_lesson_progress(gen_random_uuid(), 2147483647, 2147483647, 2147483647))');
select is(tests.sqlstate_of($q$select to_jsonb(update_lesson_progress(null, null, null, null))$q$), '22023'::text, 'select to_jsonb(update_lesson_progress(null, null, null, null))');
select is(tests.sqlstate_of($q$select * from get_leaderboard(-2147483648)$q$), '22023'::text, 'select * from get_leaderboard(-2147483648)');
select is(tests.sqlstate_of($q$select to_jsonb(record_profile_view(null))$q$), '22023'::text, 'select to_jsonb(record_profile_view(null))');
select is(tests.sqlstate_of($q$select salon_share_code(null)$q$), null::text, 'select salon_share_code(null)');
select is(tests.sqlstate_of($q$select user_is_salon_member(null, null)$q$), null::text, 'select user_is_salon_member(null, null)');
select is(tests.sqlstate_of($q$insert into chat_messages (salon_id, content) values (tests.fx('lectrices'), repeat('é', 5000))$q$), '23514'::text, 'insert into chat_messages (salon_id, content) values (tests.fx(''lectrices''), repeat(''é''...');
select is(tests.sqlstate_of($q$insert into chat_messages (salon_id, content, reply_to_id) values (tests.fx('lectrices'), 'x', 999999999)$q$), '23503'::text, 'insert into chat_messages (salon_id, content, reply_to_id) values (tests.fx(''lectrices''...');
select is(tests.sqlstate_of($q$insert into message_reactions (message_id, emoji) values (999999999, '👍')$q$), '23503'::text, 'insert into message_reactions (message_id, emoji) values (999999999, ''👍'')');
select is(tests.sqlstate_of($q$update member_accounts set onboarding_answers = (select jsonb_object_agg(g::text, repeat('x', 100)) from generate_series(1, 2000) g) where id = tests.fx('claire')$q$), '23514'::text, 'update member_accounts set onboarding_answers = (select jsonb_object_agg(g::text, repeat(''x'', ...');
select is(tests.sqlstate_of($q$update member_accounts set interests = array(select 'i' || g from generate_series(1, 100) g) where id = tests.fx('claire')$q$), '23514'::text, 'update member_accounts set interests = array(select ''i'' || g from generate_series(1, 100) g) w...');
select is(tests.sqlstate_of($q$update profiles set auto_offline_after = 0 where id = tests.fx('claire')$q$), '23514'::text, 'update profiles set auto_offline_after = 0 where id = tests.fx(''claire'')');

select tests.act_as_admin();
select * from finish();
rollback;
