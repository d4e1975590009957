-- Billing: Stripe events recorded once, applied in order, mapped to members by
-- client_reference_id / metadata / stored customer, pending until mapped; entitlement
-- derived from subscriptions; payment emails queued once. Only service_role and the
-- edge's role may apply events.
begin;
select no_plan();
select tests.create_user('ines');
select tests.create_user('claire');
select tests.create_user('lea');
update member_accounts set stripe_customer_id = null where id in (tests.fx('ines'), tests.fx('claire'), tests.fx('lea'));
select tests.share_tap_state();

select tests.act_as('ines');
select throws_ok($$ select aurora_private.apply_stripe_event('{}') $$, '42501', null, 'a member cannot feed Stripe events');
select throws_ok($$ select * from stripe_events $$, '42501', null, 'nor read the ledger');

select tests.act_as_service();
select throws_ok($$ select aurora_private.apply_stripe_event('{"id": "evt_1"}') $$, '22023', null, 'a malformed event is refused');
select throws_ok($$ select aurora_private.apply_stripe_event('{"id": "evt_1", "object": "event", "type": "x", "created": "soon"}') $$,
                 '22023', null, 'an event without a numeric created time is refused');
select is(aurora_private.apply_stripe_event(tests.stripe_event('nope', 'x', 1, '{}'))->>'status', 'rejected',
          'a signed event whose id has an unexpected shape is acknowledged as rejected (Stripe would retry a 4xx for days)');
select is((select reason from stripe_events where id = 'evt_rejected_' || md5('nope')), 'event id of unexpected shape: nope',
          'and kept, with its reason, under a key made from what was sent');
select throws_ok($$ select aurora_private.apply_stripe_event(('{"id": "evt_deep", "object": "event", "type": "customer.updated",
                                                               "created": 1700000000, "data": {"object": '
                                                             || repeat('{"a": ', 1000) || '1' || repeat('}', 1000) || '}}')::jsonb) $$,
                 '22023', 'not a Stripe event: nested deeper than 64 levels',
                 'an event nested 1,000 levels deep is bad input (22023), not a crash of the parser (XX000)');
select is((select count(*)::int from stripe_events where id = 'evt_deep'), 0, 'and nothing of it is written');

-- checkout: maps customer and subscription to Inès
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_checkout', 'checkout.session.completed', 1700000000,
            jsonb_build_object('id', 'cs_1', 'object', 'checkout.session', 'customer', 'cus_ines',
                               'subscription', 'sub_ines', 'client_reference_id', tests.fx('ines'))))->>'status',
          'applied', 'checkout.session.completed maps the member');
select is((select stripe_customer_id from member_accounts where id = tests.fx('ines')), 'cus_ines', 'her customer id is stored');
select is((select subscription_type from member_accounts where id = tests.fx('ines')), 'freemium', 'no entitlement before the subscription is active');
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_created', 'customer.subscription.created', 1700000010,
            tests.stripe_subscription('sub_ines', 'cus_ines', 'active')))->>'status', 'applied', 'subscription created');
select is((select subscription_type from member_accounts where id = tests.fx('ines')), 'premium', 'active → premium');
select is((select plan from subscriptions where id = 'sub_ines'), 'premium_monthly', 'the €47/month plan is recognised');
select ok((select subscription_started_at is not null from member_accounts where id = tests.fx('ines')), 'subscription_started_at set');
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_created', 'customer.subscription.created', 1700000010,
            tests.stripe_subscription('sub_ines', 'cus_ines', 'active')))->>'status', 'duplicate', 'a redelivery is a duplicate');
select is((select count(*)::int from stripe_events where id = 'evt_created'), 1, 'recorded once');

-- out of order: deleted (newer) arrives before updated (older)
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_deleted', 'customer.subscription.deleted', 1700000100,
            tests.stripe_subscription('sub_ines', 'cus_ines', 'canceled')))->>'status', 'applied', 'deleted applies');
select is((select subscription_type from member_accounts where id = tests.fx('ines')), 'freemium', 'canceled → freemium');
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_updated_old', 'customer.subscription.updated', 1700000050,
            tests.stripe_subscription('sub_ines', 'cus_ines', 'active')))->>'status', 'stale', 'an older update is stale');
select is((select status from subscriptions where id = 'sub_ines'), 'canceled', 'and changes nothing');
select is((select subscription_type from member_accounts where id = tests.fx('ines')), 'freemium', 'she stays freemium');

-- the tie rule: same second, the later lifecycle status wins whatever the order
select aurora_private.apply_stripe_event(tests.stripe_event('evt_t2', 'customer.subscription.updated', 1700000200,
        tests.stripe_subscription('sub_tie', 'cus_ines', 'canceled')));
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_t1', 'customer.subscription.created', 1700000200,
            tests.stripe_subscription('sub_tie', 'cus_ines', 'active')))->>'status', 'stale',
          'on a tie, active does not overwrite canceled');
select aurora_private.apply_stripe_event(tests.stripe_event('evt_t3', 'customer.subscription.created', 1700000300,
        tests.stripe_subscription('sub_tie2', 'cus_ines', 'trialing')));
select is((select subscription_type from member_accounts where id = tests.fx('ines')), 'trial', 'trialing → trial');
select is((select trial_ends_at from member_accounts where id = tests.fx('ines')), to_timestamp(1800000000), 'with the trial end');
select aurora_private.apply_stripe_event(tests.stripe_event('evt_t4', 'customer.subscription.updated', 1700000300,
        tests.stripe_subscription('sub_tie2', 'cus_ines', 'active', p_amount => 47000, p_interval => 'year')));
select is((select status from subscriptions where id = 'sub_tie2'), 'active', 'on a tie, active follows trialing');
select is((select plan from subscriptions where id = 'sub_tie2'), 'premium_annual', 'the €470/year plan is recognised');
select is((select subscription_type from member_accounts where id = tests.fx('ines')), 'premium', 'premium again');

-- unknown types are recorded and acknowledged
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_other', 'customer.created', 1700000400,
            '{"id": "cus_x", "object": "customer"}'))->>'status', 'ignored', 'an unknown type is ignored');
select is((select status from stripe_events where id = 'evt_other'), 'ignored', '… and recorded');

-- payments: emails queued once
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_paid', 'invoice.payment_succeeded', 1700000500,
            '{"id": "in_1", "object": "invoice", "customer": "cus_ines", "subscription": "sub_tie2", "amount_paid": 47000, "currency": "eur"}'))->>'status',
          'applied', 'payment succeeded');
select aurora_private.apply_stripe_event(tests.stripe_event('evt_paid_again', 'invoice.payment_succeeded', 1700000501,
        '{"id": "in_1", "object": "invoice", "customer": "cus_ines", "amount_paid": 47000, "currency": "eur"}'));
select is((select count(*)::int from email_outbox where template = 'payment-success'), 1, 'one payment email per invoice');
select is((select params->>'montant' from email_outbox where template = 'payment-success'), '470,00', 'with the amount');
select aurora_private.apply_stripe_event(tests.stripe_event('evt_failed', 'invoice.payment_failed', 1700000600,
        '{"id": "in_2", "object": "invoice", "customer": "cus_ines", "amount_due": 4700, "currency": "eur"}'));
select is((select recipient_email from email_outbox where template = 'payment-failed'), 'ines@example.fr', 'a failed payment mails her');

-- unknown customer first, mapping later
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_c1', 'customer.subscription.created', 1700001000,
            tests.stripe_subscription('sub_claire', 'cus_claire', 'active')))->>'status', 'pending',
          'a subscription of an unknown customer waits');
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_c2', 'invoice.payment_succeeded', 1700001001,
            '{"id": "in_c", "object": "invoice", "customer": "cus_claire", "amount_paid": 4700, "currency": "eur"}'))->>'status',
          'pending', 'so does its payment');
select is((select subscription_type from member_accounts where id = tests.fx('claire')), 'freemium', 'nothing applied yet');
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_c3', 'checkout.session.completed', 1700000990,
            jsonb_build_object('id', 'cs_c', 'object', 'checkout.session', 'customer', 'cus_claire',
                               'metadata', jsonb_build_object('user_id', tests.fx('claire')))))->>'status',
          'applied', 'the mapping arrives (by metadata.user_id)');
select is((select subscription_type from member_accounts where id = tests.fx('claire')), 'premium', 'the waiting subscription now applies');
select is((select count(*)::int from stripe_events where status = 'pending'), 0, 'nothing is left pending');
select is((select count(*)::int from email_outbox where user_id = tests.fx('claire') and template = 'payment-success'), 1,
          'and her payment email is queued');

-- a redelivery of a still-pending event tries it again
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_l1', 'invoice.payment_succeeded', 1700002000,
            '{"id": "in_l1", "object": "invoice", "customer": "cus_lea", "amount_paid": 4700, "currency": "eur"}'))->>'status',
          'pending', 'an invoice of an unknown customer waits');
update member_accounts set stripe_customer_id = 'cus_lea' where id = tests.fx('lea');
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_l1', 'invoice.payment_succeeded', 1700002000,
            '{"id": "in_l1", "object": "invoice", "customer": "cus_lea", "amount_paid": 4700, "currency": "eur"}'))->>'status',
          'applied', 'delivered again once her customer is known, it applies (not "duplicate")');
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_l1', 'invoice.payment_succeeded', 1700002000,
            '{"id": "in_l1", "object": "invoice", "customer": "cus_lea", "amount_paid": 4700, "currency": "eur"}'))->>'status',
          'duplicate', 'and a third delivery is a duplicate');
select is((select count(*)::int from email_outbox where user_id = tests.fx('lea') and template = 'payment-success'), 1, 'one email');

-- a €0 invoice (a trial's first) is no payment: no "payment succeeded 0,00 €" email
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_l2', 'invoice.payment_succeeded', 1700002100,
            '{"id": "in_l2", "object": "invoice", "customer": "cus_lea", "amount_paid": 0, "amount_due": 0,
              "billing_reason": "subscription_create", "currency": "eur"}'))->>'status', 'applied', 'a €0 invoice applies');
select is((select count(*)::int from email_outbox where idempotency_key like 'stripe:%:in_l2'), 0, '… and mails nothing');

-- a status Stripe adds later is kept as sent, noted, and gives no entitlement
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_l3', 'customer.subscription.created', 1700002200,
            tests.stripe_subscription('sub_lea', 'cus_lea', 'paused_for_review')))->>'status', 'applied', 'an unknown status applies');
select is((select status from subscriptions where id = 'sub_lea'), 'paused_for_review', 'stored as sent');
select is((select subscription_type from member_accounts where id = tests.fx('lea')), 'freemium', 'no entitlement');
select alike((select reason from stripe_events where id = 'evt_l3'), 'unknown subscription status%', 'noted in the ledger');

-- flexible billing: a scheduled cancellation (cancel_at, cancel_at_period_end false) is
-- recorded and reminded like a cancellation at the period's end
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_l4', 'customer.subscription.updated', 1700002300,
            tests.stripe_subscription('sub_lea', 'cus_lea', 'active')
            || jsonb_build_object('cancel_at', extract(epoch from date_trunc('second', now()) + interval '2 days')::bigint)))->>'status',
          'applied', 'a scheduled cancellation applies');
select is((select cancel_at from subscriptions where id = 'sub_lea'), date_trunc('second', now()) + interval '2 days', 'cancel_at is recorded');
select is((select cancel_at_period_end from subscriptions where id = 'sub_lea'), false, 'with cancel_at_period_end false');
select is((select subscription_type from member_accounts where id = tests.fx('lea')), 'premium', 'she is premium until then');
select ok(queue_subscription_reminders(3) >= 1, 'reminders run');
select is((select params->>'raison' from email_outbox where idempotency_key like 'reminder:sub_lea:%'), 'subscription_ending',
          'she is reminded that her subscription ends');

-- poison: a signed event aurora cannot store is recorded as rejected, and nothing else changes
create temp table before_poison as
    select (select count(*) from subscriptions) as subs, (select count(*) from email_outbox) as emails,
           (select array_agg(subscription_type order by id) from member_accounts) as plans;
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_p1', 'customer.subscription.updated', 1700003000,
            jsonb_set(tests.stripe_subscription('sub_lea', 'cus_lea', 'active'), '{items,data,0,price,unit_amount}', '3000000000')))->>'status',
          'rejected', 'an amount above 2^31');
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_p2', 'customer.subscription.updated', 1000000000000000,
            tests.stripe_subscription('sub_lea', 'cus_lea', 'canceled')))->>'status', 'rejected', 'created = 10^15');
select is((select created from stripe_events where id = 'evt_p2'), null, '… kept without a time');
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_p3', 'customer.subscription.updated', 1700003000,
            tests.stripe_subscription('subscription_1', 'cus_lea', 'canceled')))->>'status', 'rejected', 'a subscription id of unexpected shape');
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_p4', 'customer.subscription.updated', 1700003000,
            tests.stripe_subscription('sub_lea', 'cus_lea', 'Canceled!')))->>'status', 'rejected', 'a status of unexpected shape');
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_p5', 'invoice.payment_failed', 1700003000,
            '{"id": "in_p5", "object": "invoice", "customer": "cus_lea", "amount_due": 1e30, "currency": "eur"}'))->>'status',
          'rejected', 'an invoice amount beyond any integer');
-- what the checks miss, the database's own constraints catch: recorded, not a 500
select tests.act_as_admin();
alter table subscriptions add constraint tests_known_plans_only check (plan <> 'other');
select tests.act_as_service();
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_p6', 'customer.subscription.updated', 1700003000,
            tests.stripe_subscription('sub_lea', 'cus_lea', 'canceled', p_amount => 999)))->>'status',
          'rejected', 'a constraint violation (23514) is recorded as rejected');
select alike((select reason from stripe_events where id = 'evt_p6'), '23514: %tests_known_plans_only%', 'with the SQLSTATE and message');
select is((select count(*)::int from stripe_events where status = 'rejected' and id like 'evt_p%'), 6,
          'each rejection is in the ledger, with its reason');
select is((select (subs, emails, plans) from before_poison)::text,
          (select ((select count(*) from subscriptions), (select count(*) from email_outbox),
                   (select array_agg(subscription_type order by id) from member_accounts)))::text,
          'and nothing else was written');
select tests.act_as_admin();
alter table subscriptions drop constraint tests_known_plans_only;
select tests.act_as_service();
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_p6', 'customer.subscription.updated', 1700003000,
            tests.stripe_subscription('sub_lea', 'cus_lea', 'canceled', p_amount => 999)))->>'status',
          'applied', 'once the cause is fixed, a rejected event delivered again (resent from Stripe''s dashboard) applies');
select is((select status from subscriptions where id = 'sub_lea'), 'canceled', '… with its effect');

-- a free trial aurora granted survives the checkout until Stripe's subscription arrives
select tests.act_as_admin();
select tests.create_user('tina', 'trial');
update member_accounts set stripe_customer_id = null where id = tests.fx('tina');
select tests.act_as_service();
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_tina_1', 'checkout.session.completed', 1700004000,
            jsonb_build_object('id', 'cs_tina', 'object', 'checkout.session', 'customer', 'cus_tina_new',
                               'subscription', 'sub_tina', 'client_reference_id', tests.fx('tina'))))->>'status',
          'applied', 'her checkout applies');
select is((select subscription_type from member_accounts where id = tests.fx('tina')), 'trial',
          'she keeps her running trial while the subscription is only a placeholder');
select aurora_private.apply_stripe_event(tests.stripe_event('evt_tina_2', 'customer.subscription.created', 1700004001,
        tests.stripe_subscription('sub_tina', 'cus_tina_new', 'active')));
select is((select subscription_type from member_accounts where id = tests.fx('tina')), 'premium', 'then premium');

-- members read their own subscriptions only
select tests.act_as('claire');
select is((select count(*)::int from subscriptions), 1, 'a member reads her subscription only');
select is((select subscription_type from my_profile()), 'premium', 'and sees her entitlement');

select tests.act_as_admin();
select * from finish();
rollback;
