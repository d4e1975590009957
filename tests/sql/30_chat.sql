-- chat: members read and post in their salons only, a reply stays in its salon, content
-- is validated, deletion is soft and through aurora; reactions follow the same boundary.
begin;
select no_plan();
select tests.create_user('ines');
select tests.create_user('claire');
select tests.create_user('olga');
select tests.create_salon('lectrices', 'ines');
select tests.create_salon('marche', 'olga');
select tests.add_member('lectrices', 'claire');
create temp table msg (name text primary key, id bigint);
grant select on msg to public;
with m as (insert into chat_messages (salon_id, user_id, content)
           values (tests.fx('lectrices'), tests.fx('ines'), 'Bienvenue !') returning id)
insert into msg select 'welcome', id from m;
with m as (insert into chat_messages (salon_id, user_id, content)
           values (tests.fx('marche'), tests.fx('olga'), 'Samedi 9h') returning id)
insert into msg select 'elsewhere', id from m;
insert into message_reactions (message_id, user_id, emoji)
select id, tests.fx('ines'), '❤️' from msg where name = 'welcome';
select tests.share_tap_state();

select tests.act_as_anon();
select throws_ok('select id from chat_messages', '42501', null, 'anon cannot read messages');

select tests.act_as('olga');
select is((select count(*)::int from chat_messages where salon_id = tests.fx('lectrices')), 0,
          'an outsider reads no message of the salon');
select is((select count(*)::int from chat_messages_with_profiles where salon_id = tests.fx('lectrices')), 0,
          '… not through the view either');
select is((select count(*)::int from message_reactions where salon_id = tests.fx('lectrices')), 0,
          'an outsider sees no reaction');
select throws_ok($$ insert into chat_messages (salon_id, content) values (tests.fx('lectrices'), 'spam') $$,
                 '42501', null, 'an outsider cannot post');
select throws_ok($$ insert into message_reactions (message_id, emoji) select id, '👍' from msg where name = 'welcome' $$,
                 '23503', 'message not found', 'an outsider cannot react');

select tests.act_as('claire');
select is((select count(*)::int from chat_messages where salon_id = tests.fx('lectrices')), 1, 'a member reads the salon');
select is((select full_name from chat_messages_with_profiles where id = (select id from msg where name = 'welcome')),
          'Ines', 'messages come with their author''s name');
select lives_ok($$ insert into chat_messages (salon_id, content) values (tests.fx('lectrices'), 'Bonjour à toutes') $$,
                'a member posts (user_id defaults to her)');
select is((select user_id from chat_messages where content = 'Bonjour à toutes'), tests.fx('claire'), 'as herself');
select throws_ok($$ insert into chat_messages (salon_id, user_id, content) values (tests.fx('lectrices'), tests.fx('ines'), 'usurpation') $$,
                 '42501', null, 'nobody posts as someone else');
select throws_ok($$ insert into chat_messages (salon_id, content) values (tests.fx('marche'), 'coucou') $$,
                 '42501', null, 'nobody posts in a salon she is not a member of');
select throws_ok($$ insert into chat_messages (salon_id, content) values (tests.fx('lectrices'), '   ') $$,
                 '23514', null, 'blank content is refused');
select throws_ok($$ insert into chat_messages (salon_id, content) values (tests.fx('lectrices'), repeat('a', 4001)) $$,
                 '23514', null, 'content over 4,000 characters is refused');
select lives_ok($$ insert into chat_messages (salon_id, content) values (tests.fx('lectrices'), repeat('a', 4000)) $$,
                '4,000 characters are fine');
select throws_ok($$ insert into chat_messages (salon_id, content, reply_to_id)
                    select tests.fx('lectrices'), 'réponse', id from msg where name = 'elsewhere' $$,
                 '23503', null, 'a reply cannot point into another salon');
select lives_ok($$ insert into chat_messages (salon_id, content, reply_to_id)
                   select tests.fx('lectrices'), 'Merci !', id from msg where name = 'welcome' $$,
                'a reply inside the salon');
select throws_ok($$ update chat_messages set is_deleted = true, deleted_at = now() where content = 'Merci !' $$,
                 '42501', null, 'soft delete goes through to_jsonb(delete_message())');
select throws_ok($$ delete from chat_messages where content = 'Merci !' $$, '42501', null, 'messages are never hard-deleted by clients');
select throws_ok($$ update chat_messages set salon_id = tests.fx('marche') where content = 'Merci !' $$,
                 '42501', null, 'a message cannot move');
select lives_ok($$ update chat_messages set content = 'Merci beaucoup !' where content = 'Merci !' $$, 'an author edits her text');
select throws_ok($$ update chat_messages set content = 'x' || repeat(' ', 1000000) where content = 'Merci beaucoup !' $$,
                 '23514', null, 'an edit cannot store more than 4,000 characters (1,000,001 bytes of spaces refused)');
select throws_ok($$ update chat_messages set content = '  ' where content = 'Merci beaucoup !' $$,
                 '23514', null, 'nor blank a message');
update chat_messages set content = 'modifié' where id = (select id from msg where name = 'welcome');
select is((select content from chat_messages where id = (select id from msg where name = 'welcome')), 'Bienvenue !',
          'nobody edits another member''s message');

select lives_ok($$ insert into message_reactions (message_id, emoji) select id, '👏' from msg where name = 'welcome' $$,
                'a member reacts');
select throws_ok($$ insert into message_reactions (message_id, emoji) select id, '👏' from msg where name = 'welcome' $$,
                 '23505', null, 'the same reaction twice is refused');
select throws_ok($$ insert into message_reactions (salon_id, message_id, emoji)
                    select tests.fx('marche'), id, '🌸' from msg where name = 'welcome' $$,
                 '23503', null, 'a reaction cannot claim another salon');
select throws_ok($$ insert into message_reactions (message_id, emoji) select id, repeat('x', 17) from msg where name = 'welcome' $$,
                 '23514', null, 'an overlong emoji is refused');
select throws_ok($$ insert into message_reactions (message_id, user_id, emoji) select id, tests.fx('ines'), '🌸' from msg where name = 'welcome' $$,
                 '42501', null, 'nobody reacts as someone else');
delete from message_reactions where user_id = tests.fx('ines');
select is((select count(*)::int from message_reactions where user_id = tests.fx('ines')), 1,
          'nobody removes another member''s reaction');
select lives_ok($$ delete from message_reactions where user_id = tests.fx('claire') $$, 'a member removes her own reaction');

select tests.act_as_admin();
update chat_messages set is_deleted = true, deleted_at = now() where content = 'Bonjour à toutes';
select tests.act_as('claire');
select is((select count(*)::int from chat_messages where content = 'Bonjour à toutes'), 0, 'deleted messages disappear');
select is((select message_count::int from salons_with_details where id = tests.fx('lectrices')), 3,
          'the message counter counts live messages exactly');

select tests.act_as_admin();
select * from finish();
rollback;
