-- billing ------------------------------------------------------------------------------

-- Every verified Stripe event, once (the id is Stripe's). Redeliveries find their row and
-- change nothing. `status`: applied, ignored (a type aurora does not handle), stale (older
-- than what a subscription already reflects), pending (its customer is not mapped to a
-- member yet: applied when the mapping appears, or retried when Stripe delivers it again),
-- rejected (signed but unusable: `reason` says why; acknowledged so that Stripe stops
-- retrying, kept for an operator). `reason` also notes what an applied event carried that
-- aurora does not know (a new subscription status).
create table stripe_events (
    id text primary key check (id ~ '^evt_'),
    type text not null,
    -- null only for a rejected event whose own time is out of range
    created timestamptz,
    livemode boolean not null default false,
    customer_id text,
    object_id text,
    user_id uuid references auth.users (id) on delete set null,
    status text not null default 'received'
        check (status in ('received', 'applied', 'ignored', 'stale', 'pending', 'rejected')),
    payload jsonb not null,
    received_at timestamptz not null default now(),
    processed_at timestamptz,
    reason text
);
create index idx_stripe_events_pending on stripe_events (customer_id, created) where status = 'pending';
create index idx_stripe_events_user on stripe_events (user_id);
create index idx_stripe_events_rejected on stripe_events (received_at) where status = 'rejected';

-- The state of each Stripe subscription, as of its newest applied event.
create table subscriptions (
    id text primary key check (id ~ '^sub_'),
    user_id uuid references auth.users (id) on delete set null,
    customer_id text,
    -- Stripe's statuses, and any it adds later (kept as sent; see billing/mod.rs for what
    -- each one gives the member)
    status text not null check (status ~ '^[a-z][a-z_]{0,39}$'),
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
    updated_at timestamptz not null default now(),
    -- a scheduled cancellation (flexible billing sets it with cancel_at_period_end false)
    cancel_at timestamptz
);
create index idx_subscriptions_user on subscriptions (user_id);
create index idx_subscriptions_customer on subscriptions (customer_id);
