-- Chat RPCs as each role: the freemium message quota on plain inserts, soft delete by
-- author/owner/moderator, reply previews, reactions (toggle, add/remove, validation)
-- and their summaries.
begin;
select no_plan();
select tests.create_user('ines', 'premium');   -- owner
select tests.create_user('mona');              -- moderator
select tests.create_user('claire');            -- member, freemium
select tests.create_user('olga');              -- outsider
select tests.create_salon('lectrices', 'ines');
select tests.create_salon('ailleurs', 'olga');
select tests.add_member('lectrices', 'mona', 'moderator');
select tests.add_member('lectrices', 'claire');
update aurora_settings set freemium_daily_messages = 3;
create temp table msg (name text primary key, id bigint);
grant all on msg to public;
with m as (insert into chat_messages (salon_id, user_id, content)
           values (tests.fx('lectrices'), tests.fx('ines'), 'Bienvenue à toutes ! ' || repeat('x', 200)) returning id)
insert into msg select 'welcome', id from m;
with m as (insert into chat_messages (salon_id, user_id, content)
           values (tests.fx('ailleurs'), tests.fx('olga'), 'ailleurs') returning id)
insert into msg select 'elsewhere', id from m;
select tests.share_tap_state();

-- the freemium quota on plain inserts ----------------------------------------------------
select tests.act_as('claire');
select lives_ok($$ insert into chat_messages (salon_id, content) values (tests.fx('lectrices'), '  un  ') $$, 'first message');
select is((select content from chat_messages where user_id = tests.fx('claire')), 'un', 'content is stored trimmed');
select lives_ok($$ insert into chat_messages (salon_id, content) values (tests.fx('lectrices'), 'deux') $$, 'second message');
select lives_ok($$ insert into chat_messages (salon_id, content) values (tests.fx('lectrices'), 'trois') $$, 'third message');
select throws_ok($$ insert into chat_messages (salon_id, content) values (tests.fx('lectrices'), 'quatre') $$, 'PT402',
                 'daily message limit reached', 'the fourth message of the day is refused (402)');
select is((select count(*)::int from chat_messages where user_id = tests.fx('claire')), 3, 'and not stored');
select is((select jsonb_array_length(conversion_triggers) from my_profile()), 1, 'reaching the limit recorded one conversion trigger');
select is((select conversion_triggers->0->>'type' from my_profile()), 'daily_message_limit', '… of the right kind');
select is((select daily_chat_count from my_profile()), 3, 'the day''s count is exact');
select is((select count(*)::int from user_achievements where badge_id = 'first_message'), 1, 'the first message earned its badge once');
select is((select messages_sent from user_progress_history), 3, 'the day''s history counts the messages');
select tests.act_as_admin();
update member_accounts set last_activity_reset = now() - interval '1 day' where id = tests.fx('claire');
select tests.act_as('claire');
select lives_ok($$ insert into chat_messages (salon_id, content) values (tests.fx('lectrices'), 'demain') $$,
                'a new day (Paris) resets the quota');
select is((select daily_chat_count from my_profile()), 1, 'counting from one');
select tests.act_as('ines');
select lives_ok($$ insert into chat_messages (salon_id, content) select tests.fx('lectrices'), 'm' || g from generate_series(1, 5) g $$,
                'premium members have no message limit');
select tests.act_as('olga');
select throws_ok($$ insert into chat_messages (salon_id, content) values (tests.fx('lectrices'), 'spam') $$, '42501', null,
                 'an outsider still cannot post');
select tests.act_as('claire');
select is((select daily_chat_count from my_profile()), 1, 'and her refused attempts did not count against anyone');
select tests.act_as_admin();
insert into chat_messages (salon_id, user_id, content) select tests.fx('lectrices'), tests.fx('claire'), 'import ' || g from generate_series(1, 10) g;
select tests.act_as('claire');
select is((select daily_chat_count from my_profile()), 1, 'imports by an operator are not her posting');
select throws_ok($$ select aurora_private.claim_message_quota(tests.fx('ines'), tests.fx('lectrices'), true) $$, '42501', null,
                 'nobody spends another member''s quota by calling the guard''s core');

-- delete_message -------------------------------------------------------------------------
select tests.act_as_admin();
insert into msg select 'claire_un', id from chat_messages where content = 'un';
insert into msg select 'claire_deux', id from chat_messages where content = 'deux';
insert into msg select 'ines_m1', id from chat_messages where content = 'm1';
select tests.act_as_anon();
select throws_ok($$ select to_jsonb(delete_message(1)) $$, '42501', null, 'anon cannot delete');
select tests.act_as('olga');
select throws_ok($$ select to_jsonb(delete_message((select id from msg where name = 'claire_un'))) $$, 'PT404', null,
                 'an outsider cannot even find the message');
select tests.act_as('claire');
select throws_ok($$ select to_jsonb(delete_message((select id from msg where name = 'ines_m1'))) $$, '42501', null,
                 'a member cannot delete someone else''s message');
select is(to_jsonb(delete_message((select id from msg where name = 'claire_un')))->>'is_deleted', 'true', 'an author deletes her message');
select is(to_jsonb(delete_message((select id from msg where name = 'claire_un')))->>'is_deleted', 'true', 'deleting again is idempotent');
select is((select count(*)::int from chat_messages where id = (select id from msg where name = 'claire_un')), 0, 'it disappears');
select tests.act_as('mona');
select is(to_jsonb(delete_message((select id from msg where name = 'claire_deux')))->>'is_deleted', 'true', 'a moderator deletes a member''s message');
select tests.act_as('ines');
select is(to_jsonb(delete_message((select id from msg where name = 'ines_m1')))->>'is_deleted', 'true', 'the owner deletes');
select throws_ok($$ select to_jsonb(delete_message(null)) $$, '22023', null, 'a missing id is refused');
select is((select message_count::int from salons_with_details where id = tests.fx('lectrices')),
          (select count(*)::int from chat_messages where salon_id = tests.fx('lectrices')), 'the counter follows soft deletes');

-- reply info -----------------------------------------------------------------------------
select tests.act_as('claire');
select is(to_jsonb(get_reply_message_info((select id from msg where name = 'welcome')))->>'author_name', 'Ines', 'reply info names the author');
select is(char_length(to_jsonb(get_reply_message_info((select id from msg where name = 'welcome')))->>'excerpt'), 120, 'with a 120-character excerpt');
select is(to_jsonb(get_reply_message_info((select id from msg where name = 'claire_un')))->>'is_deleted', 'true', 'a deleted parent says so');
select is(to_jsonb(get_reply_message_info((select id from msg where name = 'claire_un')))->'excerpt', 'null'::jsonb, '… without its text');
select throws_ok($$ select to_jsonb(get_reply_message_info((select id from msg where name = 'elsewhere'))) $$, 'PT404', null,
                 'another salon''s message is not found');

-- reactions ------------------------------------------------------------------------------
select is(to_jsonb(toggle_message_reaction((select id from msg where name = 'welcome'), '❤️'))->>'action', 'added', 'toggle adds');
select is(to_jsonb(toggle_message_reaction((select id from msg where name = 'welcome'), '❤️'))->>'action', 'removed', 'toggle removes');
select is(to_jsonb(toggle_message_reaction((select id from msg where name = 'welcome'), '❤️'))->>'count', '1', 'and reports the count');
select is(to_jsonb(handle_message_reaction((select id from msg where name = 'welcome'), '❤️', 'add'))->>'count', '1', 'add is idempotent');
select is(to_jsonb(handle_message_reaction((select id from msg where name = 'welcome'), '👍🏽', 'add'))->>'action', 'added', 'skin tones are one emoji');
select is(to_jsonb(handle_message_reaction((select id from msg where name = 'welcome'), '👍🏽', 'remove'))->>'action', 'removed', 'remove');
select is(to_jsonb(handle_message_reaction((select id from msg where name = 'welcome'), '👍🏽', 'remove'))->>'action', 'unchanged', 'remove is idempotent');
select is(to_jsonb(handle_message_reaction((select id from msg where name = 'welcome'), '👍🏽', 'remove'))->>'count', '0', 'and reports the count without her');
select is(to_jsonb(handle_message_reaction((select id from msg where name = 'welcome'), '❤️', 'remove'))->>'count', '0', 'a removal reports the count without her');
select is(to_jsonb(handle_message_reaction((select id from msg where name = 'welcome'), '❤️', 'add'))->>'count', '1', 'an addition with her');
select throws_ok($$ select to_jsonb(toggle_message_reaction((select id from msg where name = 'welcome'), 'lol')) $$, '22023', null, 'text is not an emoji');
select throws_ok($$ select to_jsonb(toggle_message_reaction((select id from msg where name = 'welcome'), '👍👍')) $$, '22023', null, 'two emoji are not one');
select throws_ok($$ select to_jsonb(handle_message_reaction((select id from msg where name = 'welcome'), '👍', 'like')) $$, '22023', null, 'unknown action refused');
select throws_ok($$ select to_jsonb(toggle_message_reaction((select id from msg where name = 'claire_un'), '👍')) $$, 'PT404', null, 'a deleted message takes no reaction');
select throws_ok($$ select to_jsonb(toggle_message_reaction((select id from msg where name = 'elsewhere'), '👍')) $$, 'PT404', null, 'nor one in another salon');
select tests.act_as('mona');
select is(to_jsonb(toggle_message_reaction((select id from msg where name = 'welcome'), '❤️'))->>'count', '2', 'two members, one emoji');
select is(to_jsonb(toggle_message_reaction((select id from msg where name = 'welcome'), '🌸'))->>'count', '1', 'another emoji');

select results_eq(
    $$ select emoji, count, reacted_by_me, cardinality(reactors)
         from get_message_reactions_summary((select id from msg where name = 'welcome')) $$,
    $$ values ('❤️', 2, true, 2), ('🌸', 1, true, 1) $$,
    'the summary: count, mine, reactors, in order of first reaction');
select is((select reactors[1].full_name from get_message_reactions_summary((select id from msg where name = 'welcome')) where emoji = '❤️'),
          'Claire', 'reactors are named, first first');
select is((select to_jsonb(reactors) -> 0 ->> 'user_id' from get_message_reactions_summary((select id from msg where name = 'welcome')) where emoji = '❤️'),
          tests.fx('claire')::text, '… and on the wire, objects of user_id and full_name');
select tests.act_as('claire');
select results_eq(
    $$ select emoji, reacted_by_me from get_all_message_reactions_batch(array[(select id from msg where name = 'welcome'),
                                                                              (select id from msg where name = 'elsewhere'), -42]) $$,
    $$ values ('❤️', true), ('🌸', false) $$,
    'the batch answers for visible messages and silently skips the others');
select throws_ok($$ select * from get_all_message_reactions_batch(array(select generate_series(1, 501)::bigint)) $$, '22023', null,
                 'a batch is bounded');
select tests.act_as('olga');
select is_empty($$ select * from get_message_reactions_summary((select id from msg where name = 'welcome')) $$,
                'an outsider gets no summary');
select tests.act_as_anon();
select throws_ok($$ select * from get_message_reactions_summary(1) $$, '42501', null, 'anon gets none');
select tests.act_as_service();
select is((select sum(count)::int from get_message_reactions_summary((select id from msg where name = 'welcome'))), 3,
          'service_role sees every reaction, as nobody');
-- the chat screen in one call: a page of messages with authors, replies and reactions
select tests.act_as_admin();
with m as (insert into chat_messages (salon_id, user_id, content, reply_to_id, created_at)
           values (tests.fx('lectrices'), tests.fx('mona'), 'Merci Ines', (select id from msg where name = 'welcome'),
                   now() + interval '1 second') returning id)
insert into msg select 'reply', id from m;
select tests.act_as('claire');
select is((select count(*)::int from get_salon_page(tests.fx('lectrices'))),
          (select count(*)::int from chat_messages where salon_id = tests.fx('lectrices') and not is_deleted),
          'the page: every message of her salon that is not deleted');
select is((select id from get_salon_page(tests.fx('lectrices')) limit 1), (select id from msg where name = 'reply'),
          'newest first');
select results_eq(
    $$ select author_name, reply_excerpt, reply_author_name from get_salon_page(tests.fx('lectrices'))
        where id = (select id from msg where name = 'reply') $$,
    $$ values ('Mona'::text, left('Bienvenue à toutes ! ' || repeat('x', 200), 119) || '…', 'Ines'::text) $$,
    'with its author, and the message it answers (its excerpt, as get_reply_message_info gives it)');
select is((select to_jsonb(get_reply_message_info((select id from msg where name = 'welcome')))->>'excerpt'),
          (select reply_excerpt from get_salon_page(tests.fx('lectrices')) where id = (select id from msg where name = 'reply')),
          '… the same excerpt');
select results_eq(
    $$ select g.emoji, g.count, g.reacted_by_me, cardinality(g.reactors)
         from get_salon_page(tests.fx('lectrices')) p, unnest(p.reactions) g
        where p.id = (select id from msg where name = 'welcome') $$,
    $$ values ('❤️', 2, true, 2), ('🌸', 1, false, 1) $$,
    'and its reactions by emoji, as the summaries give them (hers marked)');
select results_eq(
    $$ select g.emoji, g.count, g.reacted_by_me from get_salon_page(tests.fx('lectrices')) p, unnest(p.reactions) g $$,
    $$ select emoji, count, reacted_by_me from get_all_message_reactions_batch(
           array(select id from get_salon_page(tests.fx('lectrices')))) order by message_id desc $$,
    'the page''s reactions are the batch''s, message by message');
select is((select count(*)::int from get_salon_page(tests.fx('lectrices'), page_size => 1)), 1, 'page_size');
select is((select array_agg(id) from get_salon_page(tests.fx('lectrices'), (select id from msg where name = 'reply'))),
          (select array_agg(id order by created_at desc, id desc) from chat_messages
            where salon_id = tests.fx('lectrices') and not is_deleted and id <> (select id from msg where name = 'reply')),
          'before_message_id: the page before it');
select is_empty(format('select * from get_salon_page(%L, %s)', tests.fx('lectrices'), (select id from msg where name = 'elsewhere')),
                'a message of another salon as before_message_id gives an empty page (no other salon''s position leaks)');
select throws_ok($$ select * from get_salon_page(tests.fx('lectrices'), page_size => 101) $$, '22023', null, 'at most 100 a page');
select throws_ok($$ select * from get_salon_page(tests.fx('lectrices'), page_size => 0) $$, '22023', null, 'at least one');
select throws_ok($$ select * from get_salon_page(null) $$, '22023', null, 'a salon is required');
select is_empty($$ select * from get_salon_page(tests.fx('ailleurs')) $$, 'another salon''s page is empty');
select tests.act_as('olga');
select is_empty($$ select * from get_salon_page(tests.fx('lectrices')) $$, 'an outsider''s page is empty');
select tests.act_as_anon();
select throws_ok($$ select * from get_salon_page(tests.fx('lectrices')) $$, '42501', null, 'anon has no page');
select tests.act_as_service();
select is((select count(*)::int from get_salon_page(tests.fx('ailleurs'))), 1, 'service_role reads any salon');

select tests.act_as_admin();
update chat_messages set is_deleted = true, deleted_at = now() where id = (select id from msg where name = 'welcome');
select tests.act_as('claire');
select is_empty($$ select * from get_all_message_reactions_batch(array[(select id from msg where name = 'welcome')]) $$,
                'a deleted message has no summary');
select tests.act_as_service();
select is_empty($$ select * from get_message_reactions_summary((select id from msg where name = 'welcome')) $$,
                'not even for service_role');

select tests.act_as_admin();
select * from finish();
rollback;
