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
select throws_ok('select to_jsonb(export_my_data())', '42501', null, 'anon has nothing to export');
select throws_ok('select to_jsonb(delete_my_account())', '42501', null, 'nor to delete');

select tests.act_as('ines');
create temp table sent as select to_jsonb(create_salon_invitation(tests.fx('lectrices'), 'amie@example.fr')) as inv;
create temp table export as select to_jsonb(export_my_data()) as doc;
select is((select doc->'account'->>'email' from export), 'ines@example.fr', 'the export holds the account');
select is((select doc->'profile'->>'stripe_customer_id' from export), 'cus_ines', 'the whole profile');
select is((select jsonb_array_length(doc->'messages') from export), 1, 'her messages');
select is((select jsonb_array_length(doc->'reactions') from export), 1, 'her reactions');
select is((select jsonb_array_length(doc->'salons') from export), 2, 'her salons');
select is((select jsonb_array_length(doc->'achievements') from export), 0, 'her badges (none: her message was imported, not posted)');
select ok((select doc ? 'lesson_progress' and doc ? 'activities' and doc ? 'emails' and doc ? 'stats' from export), 'every section is there');
select is((select jsonb_array_length(doc->'invitations_sent') from export), 1, 'the invitation she sent');
select ok((select doc::text not like '%' || (select inv->>'token' from sent) || '%'
                  and doc::text not like '%' || encode(sha256(convert_to((select inv->>'token' from sent), 'UTF8')), 'hex') || '%'
             from export), 'without its token or the token''s hash');

select throws_ok($$ select * from get_table_columns('profiles') $$, '42501', null, 'get_table_columns is for service_role');

-- what erasure must reach: a pending email to her, an invitation to her address, a Stripe
-- event about her, her subscription, her files
select tests.act_as_admin();
select aurora_private.queue_email('payment-failed', tests.fx('ines'), '{"prenom": "Ines"}', 'pending-for-ines');
insert into salon_invitations (salon_id, invited_by, invitee_email)
values (tests.fx('lectrices'), tests.fx('claire'), 'INES@example.fr');
insert into subscriptions (id, user_id, customer_id, status) values ('sub_ines', tests.fx('ines'), 'cus_ines', 'active');
insert into stripe_events (id, type, customer_id, user_id, status, payload)
values ('evt_ines_1', 'invoice.paid', 'cus_ines', tests.fx('ines'), 'applied',
        '{"id": "evt_ines_1", "data": {"object": {"id": "in_1", "amount_paid": 1999, "customer": "cus_ines",
          "customer_email": "ines@example.fr", "customer_name": "Ines", "customer_address": {"city": "Lyon"},
          "footer": "Pour ines@example.fr", "metadata": {"user_id": "x"}}}}');
select tests.act_as('ines');

create temp table erasure as select to_jsonb(delete_my_account()) as doc;
grant select on erasure to public;
select is((select doc->>'started' from erasure), 'true', 'a member starts her erasure');
select is((select doc->>'status' from erasure), 'running', '… which runs on outside the database');
select is((select jsonb_agg(s->>'step' order by s->>'step') from erasure, jsonb_array_elements(doc->'steps') s),
          '["auth_user", "brevo", "sign_out", "storage", "stripe"]', 'five steps: GoTrue twice, Stripe, Brevo, Storage');
select is((select doc->'salons_handed_over' from erasure) @> jsonb_build_array(jsonb_build_object('salon_id', tests.fx('solo'), 'new_owner', null)),
          true, 'the salons she owned are handed over');
select is((to_jsonb(delete_my_account())->>'started'), 'false', 'asked again, she gets the erasure already started');
select throws_ok('select to_jsonb(export_my_data())', '42501', 'this account is being erased', 'from now on her token opens nothing');
select throws_ok('select to_jsonb(ensure_profile())', '42501', 'this account is being erased', '… not even her profile back');
select throws_ok('select to_jsonb(start_trial())', '42501', 'this account is being erased', '… nor a trial');
select throws_ok(format($$ insert into chat_messages (salon_id, user_id, content) values (%L, %L, 'encore') $$,
                        tests.fx('lectrices'), tests.fx('ines')), '42501', null, 'she cannot post');
select throws_ok(format($$ insert into storage.objects (bucket_id, name) values ('avatars', '%s/new.png') $$, tests.fx('ines')),
                 '42501', null, 'nor upload a file');

select tests.act_as_admin();
select is((select count(*)::int from auth.users where id = tests.fx('ines')), 1, 'her auth user stays until GoTrue deletes it (the last step)');
select is((select count(*)::int from profiles where id = tests.fx('ines')), 0, 'her profile is gone');
select is((select count(*)::int from chat_messages where user_id = tests.fx('ines')), 0, 'her messages are deleted');
select is((select count(*)::int from message_reactions where user_id = tests.fx('ines')), 0, 'and her reactions');
select is((select reply_to_id from chat_messages where content = 'Réponse'), null, 'replies to her stay, without the reference');
select is((select owner_id from salons where id = tests.fx('lectrices')), tests.fx('claire'), 'her salon passes to its moderator');
select is((select role from salon_members where salon_id = tests.fx('lectrices') and user_id = tests.fx('claire')), 'owner', '… as owner');
select is((select is_active from salons where id = tests.fx('solo')), false, 'a salon she was alone in is archived');
select is((select member_count::int from salons_with_details where id = tests.fx('lectrices')), 2, 'counters follow');
select is((select count(*)::int from email_outbox where user_id = tests.fx('ines') or recipient_email = 'ines@example.fr'), 0,
          'no email to her is left to send');
select is(aurora_private.queue_email('payment-success', tests.fx('ines'), '{}', 'after-erasure'), false,
          'and none can be queued any more');
select is((select count(*)::int from salon_invitations where lower(invitee_email) = 'ines@example.fr'), 0,
          'invitations to her address are gone');
select is((select user_id from subscriptions where id = 'sub_ines'), null, 'her subscription record stays, without her');
select is((select payload #>> '{data,object,amount_paid}' from stripe_events where id = 'evt_ines_1'), '1999',
          'a payment record keeps its amount');
select is((select payload::text ~* 'ines@|lyon|"Ines"' from stripe_events where id = 'evt_ines_1'), false,
          '… and loses her address, name and billing address');
select is((select user_id from stripe_events where id = 'evt_ines_1'), null, '… and its link to her');
select is((select count(*)::int from storage.objects where name like tests.fx('ines') || '/%'), 1,
          'her files wait for the Storage API (SQL may not delete them)');
select is((select array[emails, stripe_customers] from aurora_private.erasures where user_id = tests.fx('ines')),
          array[array['ines@example.fr'], array['cus_ines']], 'the job knows her address (for Brevo) and customer (for Stripe)');

-- Stripe's later events about her customer are kept redacted and change nothing
select is(aurora_private.apply_stripe_event('{"id": "evt_ines_2", "object": "event", "type": "customer.subscription.deleted",
            "created": 1767225600, "data": {"object": {"id": "sub_ines", "object": "subscription", "customer": "cus_ines",
            "status": "canceled", "metadata": {"email": "ines@example.fr"}}}}') ->> 'status', 'ignored',
          'a Stripe event about her customer after erasure is ignored');
select is((select status from subscriptions where id = 'sub_ines'), 'active', '… applied to nothing');
select is((select payload::text like '%ines@%' from stripe_events where id = 'evt_ines_2'), false, '… and stored redacted');

-- the edge works the steps: stage 1 first, her auth user last; only the lease holder records
set local role aurora_edge;
create temp table claimed as select * from aurora_private.claim_erasure_step(60) where false;
insert into claimed select * from aurora_private.claim_erasure_step(60);
insert into claimed select * from aurora_private.claim_erasure_step(60);
insert into claimed select * from aurora_private.claim_erasure_step(60);
insert into claimed select * from aurora_private.claim_erasure_step(60);
insert into claimed select * from aurora_private.claim_erasure_step(60);
select is((select array_agg(step order by step) from claimed), array['brevo', 'sign_out', 'storage', 'stripe'],
          'the four first steps are claimed; her auth user waits for them');
select is((select input from claimed where step = 'stripe'), '{"customers": ["cus_ines"], "subscriptions": ["sub_ines"]}'::jsonb,
          'the Stripe step gets her customers and subscriptions');
select is((select input from claimed where step = 'storage'),
          jsonb_build_object('files', jsonb_build_array(jsonb_build_object('bucket', 'avatars', 'name', tests.fx('ines') || '/me.png'))),
          'the Storage step gets her files');
select is(aurora_private.complete_erasure_step(tests.fx('ines'), 'brevo', gen_random_uuid(), 'done', '{}', null, 0), null,
          'a step is recorded by its lease holder only');
select throws_ok(format($$ select aurora_private.complete_erasure_step(%L, 'brevo', gen_random_uuid(), 'maybe', '{}', null, 0) $$,
                        tests.fx('ines')), '22023', null, 'an unknown outcome is refused');
select is(aurora_private.complete_erasure_step(user_id, step, lease_token, 'retry', null, 'Brevo 503', 1000), 'pending',
          'a failure puts the step back, later') from claimed where step = 'brevo';
reset role;
select is((select last_error from aurora_private.erasure_steps where user_id = tests.fx('ines') and step = 'brevo'), 'Brevo 503',
          '… saying why');
select is((select array[running, failing_steps] from aurora_private.erasure_stats()), array[1, 1]::bigint[],
          'the edge''s /ready sees one erasure running, one step failing');
select is(aurora_private.complete_erasure_step(user_id, step, lease_token, 'done',
              '{"subscriptions": [{"id": "sub_ines", "status": "canceled", "canceled_at": 1767225600, "ended_at": 1767225600}]}', null, 0), 'done',
          'Stripe done') from claimed where step = 'stripe';
select is((select status from subscriptions where id = 'sub_ines'), 'canceled', 'Stripe''s answer updates the subscription record');
update aurora_private.erasure_steps set next_attempt_at = now() where step = 'brevo';
select is(aurora_private.complete_erasure_step(c.user_id, c.step, c.lease_token, 'done', '{}', null, 0), 'done')
  from aurora_private.claim_erasure_step(60) c where c.step = 'brevo';
select is((select emails from aurora_private.erasures where user_id = tests.fx('ines')), '{}'::text[],
          'once her contact is deleted, her address is forgotten');
select is(aurora_private.complete_erasure_step(user_id, step, lease_token, 'done', '{}', null, 0), 'done')
  from claimed where step in ('sign_out', 'storage');
select is((select step from aurora_private.claim_erasure_step(60)), 'auth_user', 'then her auth user');
select is((select completed_at from aurora_private.erasures where user_id = tests.fx('ines')), null, 'not complete before it');
select is(aurora_private.complete_erasure_step(tests.fx('ines'), 'auth_user',
              (select lease_token from aurora_private.erasure_steps where step = 'auth_user' and user_id = tests.fx('ines')),
              'done', '{}', null, 0), 'done');
select isnt((select completed_at from aurora_private.erasures where user_id = tests.fx('ines')), null, 'the erasure is complete');
select is((select running from aurora_private.erasure_stats()), 0::bigint, 'and none once it is complete');

-- service_role erases any member; members and anon cannot
update member_accounts set stripe_customer_id = null where id = tests.fx('olga');
select tests.act_as('claire');
select throws_ok(format($$ select to_jsonb(erase_member(%L)) $$, tests.fx('olga')), '42501', null, 'a member cannot erase another');
select tests.act_as_anon();
select throws_ok(format($$ select to_jsonb(erase_member(%L)) $$, tests.fx('olga')), '42501', null, 'nor can anon');
select tests.act_as_service();
select is(to_jsonb(erase_member(tests.fx('olga'))) ->> 'requested_by', 'service_role', 'service_role erases a member');
select throws_ok($$ select to_jsonb(erase_member('00000000-0000-0000-0000-000000000000')) $$, 'P0002', null, 'an unknown member is 404');
select throws_ok($$ select to_jsonb(erase_member(null)) $$, '22023', null, 'no id is 22023');
select is((select count(*)::int from aurora_private.erasure_steps where user_id = tests.fx('olga') and step = 'stripe' and status = 'done'), 1,
          'with no Stripe customer, the Stripe step is done at once');

select tests.act_as_service();
select results_eq($$ select column_name, data_type from get_table_columns('salon_members') limit 2 $$,
                  $$ values ('salon_id', 'uuid'), ('user_id', 'uuid') $$, 'service_role lists a table''s columns');
select is_empty($$ select * from get_table_columns('pg_authid') $$, 'only tables of public');

select tests.act_as_admin();
select * from finish();
rollback;
