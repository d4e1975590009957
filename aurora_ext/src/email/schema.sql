-- email outbox ------------------------------------------------------------------------

-- Every email the product sends is a row first; the edge delivers it (Brevo) with
-- retries. The idempotency key makes "queue it" safe to repeat: a deed mails once.
create table email_outbox (
    id bigserial primary key,
    template text not null check (template in ('welcome', 'email-verification', 'password-reset',
                                               'payment-success', 'subscription-reminder',
                                               'course-completion', 'payment-failed')),
    user_id uuid references auth.users (id) on delete set null,
    recipient_email text not null check (recipient_email ~ '^[^@\s]+@[^@\s]+$'),
    params jsonb not null default '{}'::jsonb,
    idempotency_key text not null unique,
    -- sent to Brevo as its idempotencyKey (a UUID), the same for every attempt of this row
    delivery_key uuid not null default gen_random_uuid(),
    status text not null default 'pending'
        check (status in ('pending', 'sending', 'sent', 'captured', 'failed')),
    attempts integer not null default 0 check (attempts >= 0),
    next_attempt_at timestamptz not null default now(),
    -- a claimed row is the claimer's until then; after it, another worker may take it
    lease_until timestamptz,
    provider_message_id text,
    last_error text,
    created_at timestamptz not null default now(),
    sent_at timestamptz,
    -- who holds the lease: set by each claim; renewals and outcomes must show it, so a
    -- worker whose lease was taken over can neither send nor record
    lease_token uuid,
    -- an operator put it back in the queue (aurora_private.requeue_failed): its retry
    -- horizon counts from then
    requeued_at timestamptz
);
create index idx_email_outbox_due on email_outbox (next_attempt_at) where status = 'pending';
create index idx_email_outbox_leased on email_outbox (lease_until) where status = 'sending';
create index idx_email_outbox_failed on email_outbox (created_at) where status = 'failed';
create index idx_email_outbox_user on email_outbox (user_id);

-- Brevo contact lists follow members: a row when a member signs up or her entitlement
-- changes; the edge puts her in the list of her *current* entitlement when it processes
-- the row, so rows handled in any order end in the right list.
create table brevo_contact_sync (
    id bigserial primary key,
    user_id uuid not null references auth.users (id) on delete cascade,
    reason text not null check (reason in ('signup', 'entitlement')),
    status text not null default 'pending' check (status in ('pending', 'sending', 'done', 'failed')),
    attempts integer not null default 0 check (attempts >= 0),
    next_attempt_at timestamptz not null default now(),
    lease_until timestamptz,
    last_error text,
    created_at timestamptz not null default now(),
    done_at timestamptz,
    lease_token uuid,
    requeued_at timestamptz
);
create index idx_brevo_contact_sync_due on brevo_contact_sync (next_attempt_at) where status = 'pending';
create index idx_brevo_contact_sync_leased on brevo_contact_sync (lease_until) where status = 'sending';
create index idx_brevo_contact_sync_user on brevo_contact_sync (user_id);
