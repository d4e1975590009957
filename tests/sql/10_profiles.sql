-- profiles: public face to members, personal data to the owner, writes limited to what
-- a member may change about herself.
begin;
select no_plan();
select tests.create_user('ines', 'premium');
select tests.create_user('claire');
select tests.create_salon('lectrices', 'ines');
select tests.share_tap_state();

select tests.act_as_anon();
select throws_ok('select full_name from profiles', '42501', null, 'anon cannot read profiles');
select throws_ok('select * from my_profile()', '42501', null, 'anon cannot call my_profile()');

select tests.act_as('claire');
select is((select full_name from profiles where id = tests.fx('ines')), 'Ines',
          'a member reads another member''s public profile');
select throws_ok($$ select email from profiles where id = tests.fx('ines') $$, '42501', null,
                 'another member''s email is not readable');
select throws_ok('select stripe_customer_id from profiles', '42501', null, 'Stripe ids are not readable');
select throws_ok('select subscription_type, trial_ends_at from profiles', '42501', null,
                 'subscriptions are not readable');
select throws_ok('select daily_chat_count, daily_profile_views, salons_joined from profiles', '42501', null,
                 'counters are not readable');
select throws_ok('select onboarding_answers, conversion_triggers from profiles', '42501', null,
                 'onboarding answers and conversion triggers are not readable');
select throws_ok('select * from profiles', '42501', null, 'select * is refused: only public columns');

select is((select email from my_profile()), 'claire@example.fr', 'my_profile() gives the owner her email');
select is((select stripe_customer_id from my_profile()), 'cus_claire', '… and her Stripe id');
select is((select count(*)::int from my_profile()), 1, '… and only her own row');

select lives_ok($$ update profiles set bio = 'Bonjour', city = 'Lyon' where id = tests.fx('claire') $$,
                'a member edits her own profile');
select is((select bio from my_profile()), 'Bonjour', 'the edit is stored');
update profiles set bio = 'piratée' where id = tests.fx('ines');
select tests.act_as_admin();
select is((select bio from profiles where id = tests.fx('ines')), null, 'nobody edits another member''s profile');

select tests.act_as('claire');
select throws_ok($$ update profiles set subscription_type = 'premium' where id = tests.fx('claire') $$,
                 '42501', null, 'a member cannot make herself premium');
select throws_ok($$ update profiles set trial_ends_at = now() + interval '1 year' where id = tests.fx('claire') $$,
                 '42501', null, 'nor extend a trial');
select throws_ok($$ update profiles set presence_status = 'online', last_activity = now() where id = tests.fx('claire') $$,
                 '42501', null, 'presence is written by aurora only');
select throws_ok($$ update profiles set daily_chat_count = 0 where id = tests.fx('claire') $$,
                 '42501', null, 'daily counters are written by aurora only');
select throws_ok($$ update profiles set stripe_customer_id = 'cus_x' where id = tests.fx('claire') $$,
                 '42501', null, 'Stripe ids are written by aurora only');
select throws_ok($$ update profiles set email = 'x@y.fr' where id = tests.fx('claire') $$,
                 '42501', null, 'email follows auth.users only');
select throws_ok($$ update profiles set current_salon_id = tests.fx('lectrices') where id = tests.fx('claire') $$,
                 '42501', null, 'current salon must be a salon she belongs to');
select throws_ok($$ update profiles set auto_offline_after = 5 where id = tests.fx('claire') $$,
                 '23514', null, 'auto_offline_after out of range is refused');
select throws_ok($$ update profiles set full_name = repeat('x', 121) where id = tests.fx('claire') $$,
                 '23514', null, 'overlong name is refused');
select throws_ok($$ insert into profiles (id) values (gen_random_uuid()) $$, '42501', null,
                 'profiles are not inserted by clients');
select throws_ok($$ delete from profiles where id = tests.fx('claire') $$, '42501', null,
                 'profiles are not deleted by clients');

select tests.act_as_admin();
select tests.add_member('lectrices', 'claire');
select tests.act_as('claire');
select lives_ok($$ update profiles set current_salon_id = tests.fx('lectrices') where id = tests.fx('claire') $$,
                'current salon may be one of her salons');

-- ensure_profile: a member whose profile predates aurora gets one, once
select tests.act_as_admin();
delete from profiles where id = tests.fx('claire');
delete from user_stats where user_id = tests.fx('claire');
select tests.act_as('claire');
select is(to_jsonb(ensure_profile())->>'email', 'claire@example.fr', 'ensure_profile() creates a missing profile');
select is(to_jsonb(ensure_profile())->>'email', 'claire@example.fr', 'and is idempotent');
select is((select count(*)::int from user_stats), 1, 'with its stats row');
select tests.act_as_anon();
select throws_ok('select to_jsonb(ensure_profile())', '42501', null, 'anon has no profile to ensure');

select tests.act_as_admin();
select * from finish();
rollback;
