-- What supabase-js receives: each RPC called as PostgREST calls it (`select pgrst_call.*
-- from fn(...) pgrst_call`, one row → the object, a set → the array) answers the keys
-- docs/api.md lists — the keys clients read before the answers were typed (composite types
-- instead of jsonb), and the few documented additions (presence's streak_days, null but at
-- sign-in; an erasure asked again shows salons_handed_over null).
begin;
select no_plan();

-- PostgREST's body for an RPC: the object of a function answering one row (all fields
-- null for a null row: PostgREST's way), the array of a set-returning one.
create function tests.postgrest(call text, set_returning boolean default false) returns json
language plpgsql as $$
declare body json;
begin
    execute format(case when set_returning
                        then 'select coalesce(json_agg(t), ''[]'') from (select pgrst_call.* from %s pgrst_call) t'
                        else 'select coalesce(json_agg(t) -> 0, ''null'') from (select pgrst_call.* from %s pgrst_call) t' end,
                   call)
       into body;
    return body;
end $$;
create function tests.keys(body json) returns text language sql as $$
    select string_agg(k, ' ' order by k) from json_object_keys(body) k
$$;
grant execute on function tests.postgrest(text, boolean), tests.keys(json) to public;

select tests.create_user('ines', 'premium');
select tests.create_user('claire');
select tests.create_user('zelie');
select tests.create_salon('lectrices', 'ines');
select tests.add_member('lectrices', 'claire');
insert into chat_messages (salon_id, user_id, content) values (tests.fx('lectrices'), tests.fx('claire'), 'Bonjour');
insert into courses (id, title, slug, is_published) values (gen_random_uuid(), 'Fil', 'wire-course', true);
insert into tests.fixtures select slug, id from courses where slug = 'wire-course';
insert into lessons (course_id, lesson_number, title, is_free, duration_minutes) values (tests.fx('wire-course'), 1, 'Un', true, 10);
insert into tests.fixtures select 'wire-lesson', id from lessons where course_id = tests.fx('wire-course');
insert into lesson_bodies (lesson_id, content, video_url) values (tests.fx('wire-lesson'), 'corps', 'https://v/1.mp4');
create temp table msg as select max(id) as id from chat_messages where salon_id = tests.fx('lectrices');
create temp table w (k text primary key, v json);
grant select on msg to public;
grant all on w to public;
select tests.share_tap_state();

-- Every key a core answers reaches the client: jsonb_populate_record drops a key its type
-- lacks without a word, so each core is called (in a subtransaction, rolled back) and its
-- keys compared with its declared type's fields.
create function tests.lost_keys(core_call text, answer regtype) returns text
language plpgsql security definer set search_path = public, pg_temp as $$
declare r jsonb;
begin
    begin
        execute 'select ' || core_call into r;
        raise exception using errcode = 'P0009';   -- undo what it wrote
    exception when sqlstate 'P0009' then null;
    end;
    if r ? 'error' then
        return 'error: ' || (r #>> '{error,message}');
    end if;
    r := case when r ? 'ok' then r -> 'ok' else r end;
    if jsonb_typeof(r) is distinct from 'object' then
        return 'no answer: ' || coalesce(r::text, 'null');
    end if;
    return (select coalesce(string_agg(k, ' ' order by k), '') from jsonb_object_keys(r) k
             where k not in (select a.attname from pg_attribute a join pg_type t on t.typrelid = a.attrelid
                              where t.oid = answer and a.attnum > 0 and not a.attisdropped));
end $$;
grant execute on function tests.lost_keys(text, regtype) to public;

select tests.act_as('ines');
select is(tests.lost_keys(call, answer), '', format('nothing %s answers is lost by its type %s', call, answer))
  from (values
    ($$aurora_private.create_salon_with_code('Fil', 'd', null, null, null)$$, 'salon_answer'::regtype),
    (format('aurora_private.join_salon_via_code(%L)', (select share_code from salon_share_codes where salon_id = tests.fx('lectrices'))), 'salon_answer'),
    (format('aurora_private.create_salon_invitation(%L, null, %L, null)', tests.fx('lectrices'), tests.fx('zelie')), 'salon_invitation_answer'),
    (format('aurora_private.set_member_role(%L, %L, %L)', tests.fx('lectrices'), tests.fx('claire'), 'moderator'), 'salon_role_answer'),
    (format('aurora_private.toggle_message_reaction(%s, %L)', (select id from msg), '👍'), 'reaction_answer'),
    (format('aurora_private.handle_message_reaction(%s, %L, %L)', (select id from msg), '👍', 'add'), 'reaction_answer'),
    (format('aurora_private.get_reply_message_info(%s)', (select id from msg)), 'reply_preview'),
    (format('aurora_private.delete_message(%s)', (select id from msg)), 'deleted_message'),
    (format('aurora_private.start_course(%L)', tests.fx('wire-course')), 'course_enrolment'),
    (format('aurora_private.get_lesson_content(%L)', tests.fx('wire-lesson')), 'lesson_content'),
    (format('aurora_private.update_lesson_progress(%L, 60, 60, 95)', tests.fx('wire-lesson')), 'lesson_progress_answer'),
    (format('aurora_private.record_profile_view(%L)', tests.fx('claire')), 'profile_view'),
    ('aurora_private.handle_user_signin()', 'presence_state'),
    ('aurora_private.handle_user_signout()', 'presence_state'),
    ('aurora_private.update_user_activity()', 'presence_state'),
    ('aurora_private.rpc_update_activity()', 'presence_state'),
    ($$aurora_private.rpc_set_manual_status('busy')$$, 'presence_state'),
    ('aurora_private.ensure_profile()', 'my_account'),
    ('aurora_private.export_my_data()', 'member_export'),
    (format('aurora_private.leave_salon(%L)', tests.fx('lectrices')), 'salon_departure'),
    ('aurora_private.delete_my_account()', 'erasure_state')) c(call, answer);
select tests.act_as('claire');
select is(tests.lost_keys('aurora_private.start_trial()', 'trial_answer'), '', 'nothing start_trial answers is lost by its type');
select tests.act_as('ines');
select is(tests.lost_keys(format('aurora_private.record_profile_view(%L) -> %L -> %L', tests.fx('claire'), 'ok', 'profile'), 'profile_page'), '',
          'nor by the profile page inside a profile view');
select is(tests.lost_keys($$aurora_private.join_salon_via_code('AAAAAAAAAA')$$, 'salon_answer'), 'no answer: null',
          '(the check tells an answer that is not an object)');
select is(tests.lost_keys(format('aurora_private.toggle_message_reaction(%s, %L)', (select id from msg), '👍'), 'deleted_message'),
          'action count emoji message_id reacted', '(and the keys a type lacks)');

-- salons
insert into w select 'created', tests.postgrest($$ create_salon_with_code('Fil', 'd') $$);
select is(tests.keys(v), 'actual_member_count avatar_url category city color_theme created_at description id is_active joined_at member_count message_count messages_today name owner_avatar owner_id owner_name role share_code updated_at',
          'create_salon_with_code: the salon, its code, her role') from w where k = 'created';
select is((select v ->> 'role' from w where k = 'created'), 'owner', '… as its owner');
select is(tests.keys(tests.postgrest(format('join_salon_via_code(%L)', (select v ->> 'share_code' from w where k = 'created')))),
          (select tests.keys(v) from w where k = 'created'), 'join_salon_via_code: the same salon object');
select is(tests.postgrest($$ join_salon_via_code('AAAAAAAAAA') $$) ->> 'id', null,
          'an unknown code: PostgREST answers an object whose fields are null (docs/api.md)');
insert into w select 'invitation', tests.postgrest(format('create_salon_invitation(%L, invitee_id => %L)', tests.fx('lectrices'), tests.fx('zelie')));
select is(tests.keys(v), 'expires_at id invitee_email invitee_id salon_id token', 'create_salon_invitation') from w where k = 'invitation';
select is(tests.keys(tests.postgrest(format('set_member_role(%L, %L, %L)', tests.fx('lectrices'), tests.fx('claire'), 'moderator'))),
          'role salon_id user_id', 'set_member_role');
-- chat
select is(tests.keys(tests.postgrest(format('toggle_message_reaction(%s, %L)', (select id from msg), '👍'))),
          'action count emoji message_id reacted', 'toggle_message_reaction');
select is(tests.keys(tests.postgrest(format('handle_message_reaction(%s, %L, %L)', (select id from msg), '👍', 'add'))),
          'action count emoji message_id reacted', 'handle_message_reaction');
select is(tests.keys(tests.postgrest(format('get_reply_message_info(%s)', (select id from msg)))),
          'author_avatar author_name created_at excerpt id is_deleted salon_id user_id', 'get_reply_message_info');
select is(json_typeof(tests.postgrest(format('get_all_message_reactions_batch(array[%s]::bigint[])', (select id from msg)), true)),
          'array', 'get_all_message_reactions_batch: an array');
select is(tests.keys(tests.postgrest(format('get_all_message_reactions_batch(array[%s]::bigint[])', (select id from msg)), true) -> 0),
          'count emoji message_id reacted_by_me reactors', '… of reaction summaries');
select is(tests.keys(tests.postgrest(format('get_all_message_reactions_batch(array[%s]::bigint[])', (select id from msg)), true) -> 0 -> 'reactors' -> 0),
          'full_name user_id', '… whose reactors are objects of user_id and full_name, as before');
select is(json_typeof(tests.postgrest(format('get_salon_page(%L)', tests.fx('lectrices')), true)), 'array', 'get_salon_page: an array');
select is(tests.keys(tests.postgrest(format('get_salon_page(%L)', tests.fx('lectrices')), true) -> 0),
          'author_avatar author_name content created_at id reactions reply_author_name reply_excerpt reply_to_id salon_id user_id',
          '… of messages');
select is(tests.keys(tests.postgrest(format('get_salon_page(%L)', tests.fx('lectrices')), true) -> 0 -> 'reactions' -> 0),
          'count emoji reacted_by_me reactors', '… with their reactions by emoji');
select is(tests.keys(tests.postgrest(format('delete_message(%s)', (select id from msg)))), 'id is_deleted salon_id', 'delete_message');
-- courses
select is(tests.keys(tests.postgrest(format('start_course(%L)', tests.fx('wire-course')))),
          'course_id enrolled_at newly_enrolled progress_percentage status', 'start_course');
select is(json_typeof(tests.postgrest(format('get_course_lessons(%L)', tests.fx('wire-course')), true)), 'array', 'get_course_lessons: an array');
select is(tests.keys(tests.postgrest(format('get_course_lessons(%L)', tests.fx('wire-course')), true) -> 0),
          'available_at can_open completion_percentage duration_minutes id is_free is_released lesson_number release_day_offset status title',
          '… of lessons');
select is(tests.postgrest(format('get_lesson_content(%L)', tests.fx('wire-lesson')))::jsonb,
          jsonb_build_object('lesson_id', tests.fx('wire-lesson'), 'title', 'Un', 'content', 'corps', 'video_url', 'https://v/1.mp4'),
          'get_lesson_content: one object (it was an array of one)');
select is(tests.keys(tests.postgrest(format('update_lesson_progress(%L, 60, 60, 95)', tests.fx('wire-lesson')))),
          'completed_at completion_percentage course_completed last_video_position lesson_id newly_completed status watch_time_seconds',
          'update_lesson_progress');
select is(json_typeof(tests.postgrest('get_leaderboard(max_entries => 3)', true)), 'array', 'get_leaderboard: an array');
select is(tests.keys(tests.postgrest('get_leaderboard(max_entries => 3)', true) -> 0), 'avatar_url full_name level points rank user_id', '… of entries');
-- profiles and presence
select is(tests.keys(tests.postgrest(format('record_profile_view(%L)', tests.fx('claire')))), 'counted limit profile views_today',
          'record_profile_view');
select is(tests.keys(tests.postgrest(format('record_profile_view(%L)', tests.fx('claire'))) -> 'profile'),
          'avatar_url bio city cover_url created_at full_name id interests presence_status', '… with the profile page as an object');
select is(tests.keys(tests.postgrest('handle_user_signin()')),
          'is_manual_status last_activity presence_expires_at presence_status streak_days', 'handle_user_signin');
select isnt(tests.postgrest('handle_user_signin()') ->> 'streak_days', null, '… with her streak');
select is(tests.keys(tests.postgrest('rpc_update_activity()')),
          'is_manual_status last_activity presence_expires_at presence_status streak_days', 'the heartbeat: the same keys');
select is(tests.postgrest('rpc_update_activity()') ->> 'streak_days', null, '… the streak null (sign-in only)');
select is(tests.postgrest($$ rpc_set_manual_status('busy') $$) ->> 'presence_status', 'busy', 'rpc_set_manual_status');
select is(tests.postgrest('handle_user_signout()') ->> 'presence_status', 'offline', 'handle_user_signout');
select is(json_typeof(tests.postgrest('my_profile()')), 'object', 'my_profile: one object (it was an array of one)');
select is(tests.postgrest('my_profile()') ->> 'email', 'ines@example.fr', '… her whole profile');
select is(tests.postgrest('ensure_profile()') ->> 'id', tests.fx('ines')::text, 'ensure_profile: her profile as an object');
select is(json_typeof(tests.postgrest('export_my_data()') -> 'messages'), 'array', 'export_my_data: sections of rows');
select tests.act_as('claire');
select is(tests.keys(tests.postgrest('start_trial()')), 'subscription_type trial_ends_at', 'start_trial');
select is(tests.keys(tests.postgrest(format('leave_salon(%L)', tests.fx('lectrices')))), 'archived left new_owner salon_id', 'leave_salon');
select tests.act_as('zelie');
select is(tests.keys(tests.postgrest(format('accept_salon_invitation(%L)', (select v ->> 'token' from w where k = 'invitation')))),
          (select tests.keys(v) from w where k = 'created'), 'accept_salon_invitation: the salon object');
insert into w select 'erasure', tests.postgrest('delete_my_account()');
select is(tests.keys(v), 'completed_at requested_at requested_by salons_handed_over started status steps user_id', 'delete_my_account') from w where k = 'erasure';
select is(tests.keys(v -> 'steps' -> 0), 'attempts done_at last_error status step', '… its steps as objects') from w where k = 'erasure';

select tests.act_as_admin();
select * from finish();
rollback;
