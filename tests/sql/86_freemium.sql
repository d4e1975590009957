-- Freemium: one entitlement rule everywhere (a trial ends by itself), the free trial once,
-- and the profile page that the daily profile-view quota limits.
begin;
select no_plan();
select tests.create_user('gina', 'trial');     -- her trial ended yesterday
update member_accounts set trial_ends_at = now() - interval '1 day' where id = tests.fx('gina');
select tests.create_user('tess', 'trial');     -- her trial runs
select tests.create_user('fabienne');          -- free, never had a trial
select tests.create_user('pia', 'premium');
select tests.create_user('zoe');
update member_accounts set bio = 'Aquarelliste', city = 'Lyon', interests = array['peinture'], cover_url = 'https://x/c.png'
 where id = tests.fx('zoe');
update aurora_settings set freemium_daily_profile_views = 2;
insert into courses (id, title, slug, is_published) values (gen_random_uuid(), 'Renaissance', 'renaissance', true);
insert into lessons (course_id, lesson_number, title, is_free)
select id, 1, 'Premium', false from courses where slug = 'renaissance';
insert into tests.fixtures select 'premium_lesson', l.id from lessons l join courses c on c.id = l.course_id where c.slug = 'renaissance';
insert into lesson_bodies (lesson_id, content) values (tests.fx('premium_lesson'), 'corps');
select tests.share_tap_state();

-- the one rule
select is(aurora_private.entitlement('trial', now() - interval '1 second'), 'freemium', 'a trial past its end is freemium');
select is(aurora_private.entitlement('trial', now() + interval '1 hour'), 'trial', 'a running trial is a trial');
select is(aurora_private.entitlement('trial', null), 'freemium', 'a trial without an end is no trial');
select is(aurora_private.entitlement('premium', null), 'premium', 'premium is premium');
select is(aurora_private.entitlement('freemium', now() + interval '1 day'), 'freemium', 'freemium with a date is freemium');
select is(aurora_private.paris_day_changed(null), true, 'a counter never reset starts a new day');
select is(aurora_private.paris_day_changed(now()), false, 'reset now: same day');

-- an expired trial: free allowances on every path (messages, salons and joins: tests/tests/freemium_limits.rs)
select tests.act_as('gina');
select throws_ok($$ select get_lesson_content(tests.fx('premium_lesson')) $$, 'PT402', null,
                 'an expired trial does not open a premium lesson');
select is((to_jsonb(record_profile_view(tests.fx('zoe'))))->>'limit', '2', 'her profile views are counted against the free limit');
select lives_ok($$ select to_jsonb(record_profile_view(tests.fx('pia'))) $$, 'second view');
select throws_ok($$ select to_jsonb(record_profile_view(tests.fx('tess'))) $$, 'PT402', null, 'the third is refused, as for any free member');
select tests.act_as('tess');
select isnt((select count(*) from get_lesson_content(tests.fx('premium_lesson'))), 0::bigint, 'a running trial opens it');
select is((to_jsonb(record_profile_view(tests.fx('zoe'))))->>'limit', null, 'and views are not limited');

-- her Brevo list is her entitlement now, before the sweep has even run
select tests.act_as_admin();
delete from brevo_contact_sync;
insert into brevo_contact_sync (user_id, reason) values (tests.fx('gina'), 'entitlement'), (tests.fx('tess'), 'entitlement');
select results_eq($$ select email, entitlement from aurora_private.claim_contact_syncs(10, 60) order by email $$,
                  $$ values ('gina@example.fr', 'freemium'), ('tess@example.fr', 'trial') $$,
                  'Brevo lists follow the entitlement, not the stored plan');

-- the trial ends by itself: the stored plan follows, and a contact sync is queued
delete from brevo_contact_sync;
create temp table expired_trials as
    select id from member_accounts where subscription_type = 'trial' and trial_ends_at <= now();
select is(aurora_private.end_expired_trials(), (select count(*)::int from expired_trials),
          'every trial past its end ended (gina, and any the database held)');
select is((select subscription_type from member_accounts where id = tests.fx('gina')), 'freemium', 'her stored plan is freemium');
select is((select subscription_type from member_accounts where id = tests.fx('tess')), 'trial', 'a running trial is untouched');
select is((select count(*)::int from brevo_contact_sync where user_id = tests.fx('gina') and reason = 'entitlement'), 1,
          'her Brevo list follows');
select is(aurora_private.end_expired_trials(), 0, 'a second run has nothing to do');

-- the free trial aurora grants is reminded before it ends, once
update member_accounts set trial_ends_at = now() + interval '2 days' where id = tests.fx('tess');
select ok(queue_subscription_reminders(3) >= 1, 'reminders run');
select is((select params->>'raison' from email_outbox where idempotency_key like 'reminder:trial:' || tests.fx('tess') || ':%'),
          'trial_ending', 'her trial ending is reminded');
select is(queue_subscription_reminders(3), 0, 'once');

-- the free trial, once
select tests.act_as('fabienne');
select is((to_jsonb(start_trial()))->>'subscription_type', 'trial', 'a free member starts her trial');
select is((select trial_ends_at from my_profile()), now() + interval '7 days', 'for trial_days (7)');
select throws_ok($$ select to_jsonb(start_trial()) $$, 'PT409', 'your free trial is running', 'not twice while it runs');
select tests.act_as_admin();
update member_accounts set trial_ends_at = now() - interval '1 minute' where id = tests.fx('fabienne');
select aurora_private.end_expired_trials();
select tests.act_as('fabienne');
select throws_ok($$ select to_jsonb(start_trial()) $$, 'PT409', 'the free trial has been used', 'nor after it ended');
select tests.act_as('gina');
select throws_ok($$ select to_jsonb(start_trial()) $$, 'PT409', 'the free trial has been used', 'a member whose trial expired cannot start another');
select tests.act_as('pia');
select throws_ok($$ select to_jsonb(start_trial()) $$, 'PT409', 'you are premium already', 'a premium member has nothing to start');
select tests.act_as_admin();
update aurora_settings set trial_days = 0;
select tests.act_as('zoe');
select throws_ok($$ select to_jsonb(start_trial()) $$, '42501', 'no free trial is offered', 'with trial_days = 0 no trial is offered');
select is((select subscription_type from my_profile()), 'freemium', 'and nothing changed');
select tests.act_as_anon();
select throws_ok($$ select to_jsonb(start_trial()) $$, '42501', null, 'anon cannot start a trial');

-- the profile page: what the quota limits is not readable around it
select tests.act_as('fabienne');
select lives_ok($$ select id, full_name, avatar_url, presence_status from profiles $$, 'name, avatar and presence stay readable (chat)');
select is((select count(*)::int from member_accounts where id = tests.fx('zoe') and (bio is not null or city is not null)), 0,
          'her page (bio, city, interests, cover) is not readable around the quota');
select is((select count(*)::int from my_account where id = tests.fx('zoe')), 0, 'nor through my_account');
select tests.act_as_admin();
update aurora_settings set freemium_daily_profile_views = 1;
update member_accounts set daily_profile_views = 0, last_activity_reset = null where id = tests.fx('fabienne');
select tests.act_as('fabienne');
select is((to_jsonb(record_profile_view(tests.fx('zoe'))))->'profile'->>'bio', 'Aquarelliste', 'the page comes with the counted view');
select throws_ok($$ select to_jsonb(record_profile_view(tests.fx('pia'))) $$, 'PT402', null, 'past the quota, no page');
select is((to_jsonb(record_profile_view(tests.fx('fabienne'))))->'profile'->>'full_name', 'Fabienne', 'her own page is not counted');
select is((select daily_profile_views from my_profile()), 1, 'one view counted');
select throws_ok($$ select to_jsonb(record_profile_view(gen_random_uuid())) $$, 'PT404', null, 'an unknown profile');

select tests.act_as_admin();
select * from finish();
rollback;
