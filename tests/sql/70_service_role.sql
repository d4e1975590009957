-- service_role, the back office: reads and writes everything; functions meant for it
-- are closed to members.
begin;
select no_plan();
select tests.create_user('ines');
select tests.create_user('claire');
select tests.create_salon('lectrices', 'ines');
insert into chat_messages (salon_id, user_id, content) values (tests.fx('lectrices'), tests.fx('ines'), 'Bonjour');
select tests.share_tap_state();

select tests.act_as('claire');
select throws_ok('select fold_salon_counters()', '42501', null, 'members cannot fold counters');
select throws_ok('select generate_share_code()', '42501', null, 'members cannot mint share codes');
select is(user_is_salon_member(tests.fx('lectrices')), false, 'user_is_salon_member: not a member');

select tests.act_as_service();
select is((select email from member_accounts where id = tests.fx('claire')), 'claire@example.fr', 'service_role reads personal data');
select ok((select share_code from salon_share_codes where salon_id = tests.fx('lectrices')) is not null, 'service_role reads share codes');
select is((select count(*)::int from chat_messages where salon_id = tests.fx('lectrices')), 1, 'service_role reads every salon');
select lives_ok($$ update member_accounts set subscription_type = 'premium' where id = tests.fx('claire') $$,
                'service_role writes entitlements (Stripe)');
select is(user_is_salon_member(tests.fx('lectrices'), tests.fx('ines')), true, 'service_role asks about anyone');
select ok(fold_salon_counters() >= 1, 'service_role folds counters');
select is((select message_count from salons where id = tests.fx('lectrices')), 1, 'folded into the salon row');
select is((select member_count::int from salons_with_details where id = tests.fx('lectrices')), 1, 'exact after folding');
select throws_ok($$ update my_account set bio = 'x' where id = tests.fx('claire') $$, '42501', null,
                 'my_account is read-only for service_role too (it writes the tables)');
select throws_ok($$ update member_accounts set subscription_type = 'gold' where id = tests.fx('claire') $$,
                 '22P02', null, 'subscription type is a closed set (an enum) even for service_role');

select tests.act_as_admin();
select * from finish();
rollback;
