-- profiles: public face to members (select * works); her account (member_accounts,
-- my_account) to her alone; writes limited to what a member may change about herself.
begin;
select no_plan();
select tests.create_user('ines', 'premium');
select tests.create_user('claire');
select tests.create_salon('lectrices', 'ines');
select tests.share_tap_state();

select tests.act_as_anon();
select throws_ok('select full_name from profiles', '42501', null, 'anon cannot read profiles');
select throws_ok('select * from my_profile()', '42501', null, 'anon cannot call my_profile()');
select throws_ok('select * from member_accounts', '42501', null, 'anon reads no account');
select throws_ok('select * from my_account', '42501', null, 'nor my_account');
select throws_ok($$ update member_accounts set bio = 'x' $$, '42501', null, 'nor writes one');

select tests.act_as('claire');
select is((select full_name from profiles where id = tests.fx('ines')), 'Ines',
          'a member reads another member''s public profile');
select lives_ok('select * from profiles', 'select * from profiles works: it holds only what members share');
select is((select count(*)::int from member_accounts where id = tests.fx('ines')), 0,
          'another member''s account (email, Stripe ids, subscription, counters, page) is not readable');
select is((select count(*)::int from my_account where id = tests.fx('ines')), 0, 'nor through my_account');
select is((select array_agg(id) from member_accounts), array[tests.fx('claire')], 'her own account is all she reads');
select is((select array_agg(id) from my_account), array[tests.fx('claire')], '… through my_account too');

select is((select email from my_profile()), 'claire@example.fr', 'my_profile() gives the owner her email');
select is((select stripe_customer_id from my_profile()), 'cus_claire', '… and her Stripe id');
select is((select full_name from my_profile()), 'Claire', '… and her public profile');
select is((select count(*)::int from my_profile()), 1, '… and only her own row');

select lives_ok($$ update member_accounts set bio = 'Bonjour', city = 'Lyon' where id = tests.fx('claire') $$,
                'a member edits her own profile page');
select is((select bio from my_profile()), 'Bonjour', 'the edit is stored');
select lives_ok($$ update profiles set full_name = 'Claire M.' where id = tests.fx('claire') $$,
                'and her name');
update member_accounts set bio = 'piratée' where id = tests.fx('ines');
update profiles set full_name = 'piratée' where id = tests.fx('ines');
select tests.act_as_admin();
select is((select bio from member_accounts where id = tests.fx('ines')), null, 'nobody edits another member''s page');
select is((select full_name from profiles where id = tests.fx('ines')), 'Ines', 'nor her name');

select tests.act_as('claire');
select throws_ok($$ update member_accounts set subscription_type = 'premium' where id = tests.fx('claire') $$,
                 '42501', null, 'a member cannot make herself premium');
select throws_ok($$ update member_accounts set trial_ends_at = now() + interval '1 year' where id = tests.fx('claire') $$,
                 '42501', null, 'nor extend a trial');
select throws_ok($$ update profiles set presence_status = 'online', last_activity = now() where id = tests.fx('claire') $$,
                 '42501', null, 'presence is written by aurora only');
select throws_ok($$ update member_accounts set daily_chat_count = 0 where id = tests.fx('claire') $$,
                 '42501', null, 'daily counters are written by aurora only');
select throws_ok($$ update member_accounts set stripe_customer_id = 'cus_x' where id = tests.fx('claire') $$,
                 '42501', null, 'Stripe ids are written by aurora only');
select throws_ok($$ update member_accounts set email = 'x@y.fr' where id = tests.fx('claire') $$,
                 '42501', null, 'email follows auth.users only');
select throws_ok($$ update member_accounts set current_salon_id = tests.fx('lectrices') where id = tests.fx('claire') $$,
                 '42501', null, 'current salon must be a salon she belongs to');
select throws_ok($$ update profiles set auto_offline_after = 5 where id = tests.fx('claire') $$,
                 '23514', null, 'auto_offline_after out of range is refused');
select throws_ok($$ update profiles set full_name = repeat('x', 121) where id = tests.fx('claire') $$,
                 '23514', null, 'overlong name is refused');
select throws_ok($$ update member_accounts set bio = repeat('x', 2001) where id = tests.fx('claire') $$,
                 '23514', null, 'overlong bio is refused');
select throws_ok($$ update my_account set bio = 'x' where id = tests.fx('claire') $$,
                 '42501', null, 'my_account is read-only (a join: edits go to profiles and member_accounts)');
select throws_ok($$ delete from my_account $$, '42501', null, '… nor deleted from');
select throws_ok($$ insert into my_account (id) values (tests.fx('claire')) $$, '42501', null, '… nor inserted into');
select throws_ok($$ insert into profiles (id) values (gen_random_uuid()) $$, '42501', null,
                 'profiles are not inserted by clients');
select throws_ok($$ insert into member_accounts (id) values (tests.fx('claire')) $$, '42501', null,
                 'nor accounts');
select throws_ok($$ delete from profiles where id = tests.fx('claire') $$, '42501', null,
                 'profiles are not deleted by clients');
select throws_ok($$ delete from member_accounts where id = tests.fx('claire') $$, '42501', null,
                 'nor accounts');

select tests.act_as_admin();
select is((select count(*)::int from profiles p where not exists (select from member_accounts a where a.id = p.id)), 0,
          'every profile has its account');
insert into profiles (id) select id from auth.users where email = 'ines@example.fr' on conflict do nothing;
insert into auth.users (id, email) values ('00000000-0000-4000-8000-0000000000a1', 'direct@example.fr');
delete from member_accounts where id = '00000000-0000-4000-8000-0000000000a1';
delete from profiles where id = '00000000-0000-4000-8000-0000000000a1';
insert into profiles (id, full_name) values ('00000000-0000-4000-8000-0000000000a1', 'Directe');
select is((select subscription_type from member_accounts where id = '00000000-0000-4000-8000-0000000000a1'), 'freemium',
          'a profile inserted directly (adoption, restores) gets its account, freemium');
delete from profiles where id = '00000000-0000-4000-8000-0000000000a1';
select is((select count(*)::int from member_accounts where id = '00000000-0000-4000-8000-0000000000a1'), 0,
          'and the account goes with the profile');

select tests.act_as_admin();
select tests.add_member('lectrices', 'claire');
select tests.act_as('claire');
select lives_ok($$ update member_accounts set current_salon_id = tests.fx('lectrices') where id = tests.fx('claire') $$,
                'current salon may be one of her salons');

-- ensure_profile: a member whose profile predates aurora gets one, once
select tests.act_as_admin();
delete from profiles where id = tests.fx('claire');
delete from user_stats where user_id = tests.fx('claire');
select tests.act_as('claire');
select is(to_jsonb(ensure_profile())->>'email', 'claire@example.fr', 'ensure_profile() creates a missing profile');
select is(to_jsonb(ensure_profile())->>'email', 'claire@example.fr', 'and is idempotent');
select is((select count(*)::int from user_stats), 1, 'with its stats row');
select tests.act_as_admin();
delete from member_accounts where id = tests.fx('claire');
select tests.act_as('claire');
select is(to_jsonb(ensure_profile())->>'email', 'claire@example.fr',
          'ensure_profile() also makes a missing account (a profile written with triggers off)');
select is((select count(*)::int from member_accounts), 1, '… her own, once');
select tests.act_as_anon();
select throws_ok('select to_jsonb(ensure_profile())', '42501', null, 'anon has no profile to ensure');

select tests.act_as_admin();
select * from finish();
rollback;
