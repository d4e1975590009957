-- Privacy: export everything an account holds; delete it; the seed's utility.
begin;
select no_plan();
select tests.create_user('ines');
select tests.create_user('claire');
select tests.create_user('olga');
select tests.create_salon('lectrices', 'ines');
select tests.create_salon('solo', 'ines');
select tests.add_member('lectrices', 'claire', 'moderator');
select tests.add_member('lectrices', 'olga');
insert into chat_messages (salon_id, user_id, content) values (tests.fx('lectrices'), tests.fx('ines'), 'Bonjour');
insert into chat_messages (salon_id, user_id, content, reply_to_id)
select tests.fx('lectrices'), tests.fx('olga'), 'Réponse', id from chat_messages where content = 'Bonjour';
insert into message_reactions (message_id, user_id, emoji) select id, tests.fx('ines'), '❤️' from chat_messages where content = 'Réponse';
insert into storage.objects (bucket_id, name, owner) values ('avatars', tests.fx('ines') || '/me.png', tests.fx('ines'));
select tests.share_tap_state();

select tests.act_as_anon();
select throws_ok('select export_my_data()', '42501', null, 'anon has nothing to export');
select throws_ok('select delete_my_account()', '42501', null, 'nor to delete');

select tests.act_as('ines');
create temp table export as select export_my_data() as doc;
select is((select doc->'account'->>'email' from export), 'ines@example.fr', 'the export holds the account');
select is((select doc->'profile'->>'stripe_customer_id' from export), 'cus_ines', 'the whole profile');
select is((select jsonb_array_length(doc->'messages') from export), 1, 'her messages');
select is((select jsonb_array_length(doc->'reactions') from export), 1, 'her reactions');
select is((select jsonb_array_length(doc->'salons') from export), 2, 'her salons');
select is((select jsonb_array_length(doc->'achievements') from export), 0, 'her badges (none: her message was imported, not posted)');
select ok((select doc ? 'lesson_progress' and doc ? 'activities' and doc ? 'emails' and doc ? 'stats' from export), 'every section is there');
select ok((select doc::text not like '%token_hash%' from export), 'no secrets in it');

select throws_ok($$ select * from get_table_columns('profiles') $$, '42501', null, 'get_table_columns is for service_role');

select is((delete_my_account()->>'deleted')::boolean, true, 'a member deletes her account');
select tests.act_as_admin();
select is((select count(*)::int from auth.users where id = tests.fx('ines')), 0, 'the auth user is gone');
select is((select count(*)::int from profiles where id = tests.fx('ines')), 0, 'and her profile');
select is((select count(*)::int from chat_messages where user_id = tests.fx('ines')), 0, 'her messages are deleted');
select is((select count(*)::int from message_reactions where user_id = tests.fx('ines')), 0, 'and her reactions');
select is((select reply_to_id from chat_messages where content = 'Réponse'), null, 'replies to her stay, without the reference');
select is((select owner_id from salons where id = tests.fx('lectrices')), tests.fx('claire'), 'her salon passes to its moderator');
select is((select role from salon_members where salon_id = tests.fx('lectrices') and user_id = tests.fx('claire')), 'owner', '… as owner');
select is((select is_active from salons where id = tests.fx('solo')), false, 'a salon she was alone in is archived');
select is((select count(*)::int from storage.objects where name like tests.fx('ines') || '/%'), 0, 'her files are gone');
select is((select member_count::int from salons_with_details where id = tests.fx('lectrices')), 2, 'counters follow');

select tests.act_as_service();
select results_eq($$ select column_name, data_type from get_table_columns('salon_members') limit 2 $$,
                  $$ values ('salon_id', 'uuid'), ('user_id', 'uuid') $$, 'service_role lists a table''s columns');
select is_empty($$ select * from get_table_columns('pg_authid') $$, 'only tables of public');

select tests.act_as_admin();
select * from finish();
rollback;
