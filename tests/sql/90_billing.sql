-- Billing: Stripe events recorded once, applied in order, mapped to members by
-- client_reference_id / metadata / stored customer, pending until mapped; entitlement
-- derived from subscriptions; payment emails queued once. Only service_role and the
-- edge's role may apply events.
begin;
select no_plan();
select tests.create_user('ines');
select tests.create_user('claire');
update profiles set stripe_customer_id = null where id in (tests.fx('ines'), tests.fx('claire'));
select tests.share_tap_state();

select tests.act_as('ines');
select throws_ok($$ select aurora_private.apply_stripe_event('{}') $$, '42501', null, 'a member cannot feed Stripe events');
select throws_ok($$ select * from stripe_events $$, '42501', null, 'nor read the ledger');

select tests.act_as_service();
select throws_ok($$ select aurora_private.apply_stripe_event('{"id": "evt_1"}') $$, '22023', null, 'a malformed event is refused');
select throws_ok($$ select aurora_private.apply_stripe_event(tests.stripe_event('nope', 'x', 1, '{}')) $$, '22023', null,
                 'an id that is not an event id is refused');
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
select is((select stripe_customer_id from profiles where id = tests.fx('ines')), 'cus_ines', 'her customer id is stored');
select is((select subscription_type from profiles where id = tests.fx('ines')), 'freemium', 'no entitlement before the subscription is active');
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_created', 'customer.subscription.created', 1700000010,
            tests.stripe_subscription('sub_ines', 'cus_ines', 'active')))->>'status', 'applied', 'subscription created');
select is((select subscription_type from profiles where id = tests.fx('ines')), 'premium', 'active → premium');
select is((select plan from subscriptions where id = 'sub_ines'), 'premium_monthly', 'the €47/month plan is recognised');
select ok((select subscription_started_at is not null from profiles where id = tests.fx('ines')), 'subscription_started_at set');
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_created', 'customer.subscription.created', 1700000010,
            tests.stripe_subscription('sub_ines', 'cus_ines', 'active')))->>'status', 'duplicate', 'a redelivery is a duplicate');
select is((select count(*)::int from stripe_events where id = 'evt_created'), 1, 'recorded once');

-- out of order: deleted (newer) arrives before updated (older)
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_deleted', 'customer.subscription.deleted', 1700000100,
            tests.stripe_subscription('sub_ines', 'cus_ines', 'canceled')))->>'status', 'applied', 'deleted applies');
select is((select subscription_type from profiles where id = tests.fx('ines')), 'freemium', 'canceled → freemium');
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_updated_old', 'customer.subscription.updated', 1700000050,
            tests.stripe_subscription('sub_ines', 'cus_ines', 'active')))->>'status', 'stale', 'an older update is stale');
select is((select status from subscriptions where id = 'sub_ines'), 'canceled', 'and changes nothing');
select is((select subscription_type from profiles where id = tests.fx('ines')), 'freemium', 'she stays freemium');

-- the tie rule: same second, the later lifecycle status wins whatever the order
select aurora_private.apply_stripe_event(tests.stripe_event('evt_t2', 'customer.subscription.updated', 1700000200,
        tests.stripe_subscription('sub_tie', 'cus_ines', 'canceled')));
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_t1', 'customer.subscription.created', 1700000200,
            tests.stripe_subscription('sub_tie', 'cus_ines', 'active')))->>'status', 'stale',
          'on a tie, active does not overwrite canceled');
select aurora_private.apply_stripe_event(tests.stripe_event('evt_t3', 'customer.subscription.created', 1700000300,
        tests.stripe_subscription('sub_tie2', 'cus_ines', 'trialing')));
select is((select subscription_type from profiles where id = tests.fx('ines')), 'trial', 'trialing → trial');
select is((select trial_ends_at from profiles where id = tests.fx('ines')), to_timestamp(1800000000), 'with the trial end');
select aurora_private.apply_stripe_event(tests.stripe_event('evt_t4', 'customer.subscription.updated', 1700000300,
        tests.stripe_subscription('sub_tie2', 'cus_ines', 'active', p_amount => 47000, p_interval => 'year')));
select is((select status from subscriptions where id = 'sub_tie2'), 'active', 'on a tie, active follows trialing');
select is((select plan from subscriptions where id = 'sub_tie2'), 'premium_annual', 'the €470/year plan is recognised');
select is((select subscription_type from profiles where id = tests.fx('ines')), 'premium', 'premium again');

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
select is((select subscription_type from profiles where id = tests.fx('claire')), 'freemium', 'nothing applied yet');
select is(aurora_private.apply_stripe_event(tests.stripe_event('evt_c3', 'checkout.session.completed', 1700000990,
            jsonb_build_object('id', 'cs_c', 'object', 'checkout.session', 'customer', 'cus_claire',
                               'metadata', jsonb_build_object('user_id', tests.fx('claire')))))->>'status',
          'applied', 'the mapping arrives (by metadata.user_id)');
select is((select subscription_type from profiles where id = tests.fx('claire')), 'premium', 'the waiting subscription now applies');
select is((select count(*)::int from stripe_events where status = 'pending'), 0, 'nothing is left pending');
select is((select count(*)::int from email_outbox where user_id = tests.fx('claire') and template = 'payment-success'), 1,
          'and her payment email is queued');

-- members read their own subscriptions only
select tests.act_as('claire');
select is((select count(*)::int from subscriptions), 1, 'a member reads her subscription only');
select is((select subscription_type from my_profile()), 'premium', 'and sees her entitlement');

select tests.act_as_admin();
select * from finish();
rollback;
