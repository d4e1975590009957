-- billing ------------------------------------------------------------------------------

-- Every verified Stripe event, once (the id is Stripe's). Redeliveries find their row and
-- change nothing. `status`: applied, ignored (a type aurora does not handle), stale (older
-- than what a subscription already reflects), pending (its customer is not mapped to a
-- member yet: applied when the mapping appears).
create table stripe_events (
    id text primary key check (id ~ '^evt_'),
    type text not null,
    created timestamptz not null,
    livemode boolean not null default false,
    customer_id text,
    object_id text,
    user_id uuid references auth.users (id) on delete set null,
    status text not null default 'received'
        check (status in ('received', 'applied', 'ignored', 'stale', 'pending')),
    payload jsonb not null,
    received_at timestamptz not null default now(),
    processed_at timestamptz
);
create index idx_stripe_events_pending on stripe_events (customer_id, created) where status = 'pending';
create index idx_stripe_events_user on stripe_events (user_id);

-- The state of each Stripe subscription, as of its newest applied event.
create table subscriptions (
    id text primary key check (id ~ '^sub_'),
    user_id uuid references auth.users (id) on delete set null,
    customer_id text,
    status text not null check (status in ('incomplete', 'incomplete_expired', 'trialing', 'active',
                                           'past_due', 'canceled', 'unpaid', 'paused')),
    price_id text,
    plan text check (plan in ('premium_monthly', 'premium_annual', 'other')),
    amount integer check (amount >= 0),
    currency text,
    billing_interval text,
    current_period_start timestamptz,
    current_period_end timestamptz,
    cancel_at_period_end boolean not null default false,
    trial_start timestamptz,
    trial_end timestamptz,
    started_at timestamptz,
    canceled_at timestamptz,
    ended_at timestamptz,
    -- the watermark: the newest event applied (see billing/mod.rs for the tie rule)
    last_event_created timestamptz,
    last_event_id text,
    updated_at timestamptz not null default now()
);
create index idx_subscriptions_user on subscriptions (user_id);
create index idx_subscriptions_customer on subscriptions (customer_id);
