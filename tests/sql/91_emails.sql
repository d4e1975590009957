-- Emails the database queues: welcome (once per member), subscription reminders (once per
-- subscription and end date), member emails through the edge (verification, rate limited).
begin;
select no_plan();
select tests.create_user('ines');
select tests.create_user('claire');
select tests.share_tap_state();

select is((select count(*)::int from email_outbox where template = 'welcome'
                                     and user_id in (tests.fx('ines'), tests.fx('claire'))), 2,
          'each new member gets a welcome email');
select is((select params->>'prenom' from email_outbox where template = 'welcome' and user_id = tests.fx('ines')), 'Ines', 'by name');

-- sign-up as a spam relay: unconfirmed sign-ups (as GoTrue inserts them) to anyone's
-- address, with a name that is a message, queue nothing; the confirmation does, once
insert into auth.users (id, aud, role, email, raw_user_meta_data)
select gen_random_uuid(), 'authenticated', 'authenticated', 'cible' || g || '@victime.example',
       jsonb_build_object('full_name', 'Gagnez 1000 € sur https://arnaque.example <b>ici</b> {{ params.x }}')
  from generate_series(1, 25) g;
select is((select count(*)::int from email_outbox where recipient_email like '%@victime.example'), 0,
          '25 unconfirmed sign-ups queue no email');
select is((select count(*)::int from brevo_contact_sync c join member_accounts p on p.id = c.user_id
            where p.email like '%@victime.example'), 0, 'and add no Brevo contact');
update auth.users set email_confirmed_at = now() where email = 'cible1@victime.example';
select is((select count(*)::int from email_outbox where recipient_email = 'cible1@victime.example' and template = 'welcome'), 1,
          'confirming her address sends her welcome');
select is((select count(*)::int from brevo_contact_sync c join member_accounts p on p.id = c.user_id
            where p.email = 'cible1@victime.example' and c.reason = 'signup'), 1, 'and makes her contact');
select is((select params->>'prenom' from email_outbox where recipient_email = 'cible1@victime.example'),
          'Gagnez 1000 € sur bici/b params.x', 'her name in the email has no link, markup or braces, 40 characters at most');
update auth.users set email_confirmed_at = now() + interval '1 minute' where email = 'cible1@victime.example';
select is((select count(*)::int from email_outbox where recipient_email = 'cible1@victime.example'), 1,
          'a second confirmation sends nothing more');
update member_accounts set subscription_type = 'premium' where email = 'cible2@victime.example';
select is((select count(*)::int from brevo_contact_sync c join member_accounts p on p.id = c.user_id
            where p.email = 'cible2@victime.example'), 0, 'an unconfirmed member''s entitlement is not synced to Brevo');
select is(email_first_name(repeat('Anne-Sophie ', 10)), 'Anne-Sophie Anne-Sophie Anne-Sophie Anne', 'names are cut at 40 characters');
select is((select full_name from aurora_private.claim_contact_syncs(1000, 60) where email = 'cible1@victime.example'),
          'Gagnez 1000 € sur bici/b params.x', 'the name handed to Brevo for her contact is cleaned the same way');
select is(aurora_private.queue_member_email(tests.fx('claire'), 'email-verification',
                                            '{"prenom": "<script>x</script> https://evil.example", "lien": "https://aurora50.fr/v"}',
                                            'verification:claire:test'), 'queued', 'the edge queues a member email');
select is((select params from email_outbox where idempotency_key = 'verification:claire:test'),
          '{"lien": "https://aurora50.fr/v", "prenom": "scriptx/script"}'::jsonb,
          'a name the edge passes is cleaned too; other params are left as they are');

insert into subscriptions (id, user_id, customer_id, status, trial_end, last_event_created)
values ('sub_trial', tests.fx('ines'), 'cus_i', 'trialing', now() + interval '2 days', now());
insert into subscriptions (id, user_id, customer_id, status, current_period_end, cancel_at_period_end, last_event_created)
values ('sub_ending', tests.fx('claire'), 'cus_c', 'active', now() + interval '1 day', true, now()),
       ('sub_later', tests.fx('claire'), 'cus_c', 'active', now() + interval '20 days', true, now());
select is(queue_subscription_reminders(3), 2, 'trials and cancellations ending within 3 days are reminded');
select is(queue_subscription_reminders(3), 0, 'once');
select is((select params->>'raison' from email_outbox where template = 'subscription-reminder' and user_id = tests.fx('ines')),
          'trial_ending', 'saying why');

select tests.act_as('ines');
select throws_ok('select queue_subscription_reminders()', '42501', null, 'members do not trigger reminders');
select throws_ok($$ select aurora_private.queue_member_email(tests.fx('claire'), 'welcome', '{}', 'x') $$, '42501', null,
                 'members cannot queue emails to others');
select throws_ok($$ select * from aurora_private.claim_emails(10, 60) $$, '42501', null, 'members cannot claim the outbox');
select throws_ok($$ select aurora_private.complete_email(1, gen_random_uuid(), 'sent', null, null, 0, 1) $$, '42501', null,
                 'nor record deliveries');
select throws_ok($$ select aurora_private.renew_lease('emails', 1, gen_random_uuid(), 60) $$, '42501', null, 'nor hold leases');
select throws_ok($$ select aurora_private.requeue_failed('emails') $$, '42501', null, 'nor requeue');
select throws_ok($$ select * from aurora_private.claim_contact_syncs(10, 60) $$, '42501', null, 'nor claim contact syncs');
select throws_ok($$ select * from aurora_private.email_outbox_stats() $$, '42501', null, 'nor read the queue''s figures');
select tests.act_as_admin();

-- the leased queue: the token decides who may act and record; a transient failure is
-- retried until the horizon; an operator requeues what failed
delete from email_outbox;
insert into email_outbox (template, recipient_email, idempotency_key) values ('welcome', 'a@example.fr', 'lease-1');
create temp table held as select id, lease_token from aurora_private.claim_emails(10, 60);
select is((select count(*)::int from held), 1, 'claimed with a token');
select ok((select lease_token is not null from held), 'the claim hands out a token');
select is(aurora_private.renew_lease('emails', (select id from held), gen_random_uuid(), 60), false,
          'a worker without the token cannot renew (another worker holds the row)');
select is(aurora_private.complete_email((select id from held), gen_random_uuid(), 'sent', null, null, 0, 3600), null,
          'nor record an outcome');
select is(aurora_private.renew_lease('emails', (select id from held), (select lease_token from held), 60), true,
          'the holder renews');
select is(aurora_private.complete_email((select id from held), (select lease_token from held), 'retry', null, 'Brevo 503', 0, 3600),
          'pending', 'a transient failure within the horizon goes back to the queue');
select throws_ok($$ select aurora_private.renew_lease('nope', 1, gen_random_uuid(), 60) $$, '22023', null, 'an unknown queue is bad input');
update email_outbox set created_at = now() - interval '2 hours';
create temp table held2 as select id, lease_token from aurora_private.claim_emails(10, 60);
select is(aurora_private.complete_email((select id from held2), (select lease_token from held2), 'retry', null, 'Brevo 503', 0, 3600),
          'failed', 'past the horizon it fails');
select alike((select last_error from email_outbox), 'gave up after 3600 s of retries: Brevo 503', 'saying why');
set local role aurora_edge;
select throws_ok($$ select aurora_private.requeue_failed('emails') $$, '42501', null,
                 'the edge cannot requeue (an operator decides what failed for good)');
reset role;
select throws_ok($$ select aurora_private.requeue_failed('nope') $$, '22023', null, 'an unknown queue is bad input');
select is(aurora_private.requeue_failed('emails', array[-1]::bigint[]), 0, 'ids pick the rows: none here');
select is(aurora_private.requeue_failed('emails'), 1, 'the operator requeues it');
select is((select status from email_outbox), 'pending', 'it is due again');
create temp table held3 as select id, lease_token from aurora_private.claim_emails(10, 60);
select is(aurora_private.complete_email((select id from held3), (select lease_token from held3), 'retry', null, 'Brevo 503', 0, 3600),
          'pending', 'and its horizon counts from the requeue');
delete from email_outbox;
-- the same for a contact sync
delete from brevo_contact_sync;
insert into brevo_contact_sync (user_id, reason, status, last_error) values (tests.fx('ines'), 'entitlement', 'failed', 'Brevo 400');
select is(aurora_private.requeue_failed('contact_syncs'), 1, 'a failed contact sync is requeued');
select is((select status || ' / ' || last_error from brevo_contact_sync), 'pending / requeued; before: Brevo 400',
          'due again, its history kept');
create temp table held4 as select id, lease_token from aurora_private.claim_contact_syncs(10, 60);
select is(aurora_private.complete_contact_sync((select id from held4), gen_random_uuid(), 'done', null, 0, 3600), null,
          'a contact sync outcome needs the lease token too');
select is(aurora_private.complete_contact_sync((select id from held4), (select lease_token from held4), 'done', null, 0, 3600),
          'done', 'the holder records it');
delete from brevo_contact_sync;

set local role aurora_edge;
select is(aurora_private.queue_member_email(tests.fx('ines'), 'email-verification', '{"lien": "https://x"}', 'v1'), 'queued',
          'the edge queues a verification email');
select is(aurora_private.queue_member_email(tests.fx('ines'), 'email-verification', '{"lien": "https://y"}', 'v2'), 'too_soon',
          'a second one within a minute is refused');
select is(aurora_private.queue_member_email(gen_random_uuid(), 'email-verification', '{}', 'v3'), 'no_recipient', 'unknown member');
select throws_ok($$ select * from email_outbox $$, '42501', null, 'the edge role does not read the outbox directly');
reset role;

select tests.act_as_admin();
select * from finish();
rollback;
