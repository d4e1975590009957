-- privacy: erasure as a durable job --------------------------------------------------------

-- One row per erased member (her id: no foreign key, the record outlives her account, as
-- the proof that she asked and that it was done). `emails` is what Brevo knows her by,
-- cleared once her contact is deleted; `stripe_customers` stays, so that Stripe's later
-- events about those customers are stored redacted and change nothing (README: retention).
create table aurora_private.erasures (
    user_id uuid primary key,
    requested_by text not null check (requested_by in ('member', 'service_role')),
    requested_at timestamptz not null default now(),
    completed_at timestamptz,
    emails text[] not null default '{}',
    stripe_customers text[] not null default '{}'
);
create index idx_erasures_stripe_customers on aurora_private.erasures using gin (stripe_customers);

-- The steps outside the database, carried out by the edge: each idempotent, leased like the
-- email queue, retried with backoff until done (never given up: an operator reads
-- `last_error`). `stage`: a step starts once every step of an earlier stage is done (her
-- auth user goes last: it is what identifies her to the others).
create table aurora_private.erasure_steps (
    user_id uuid not null references aurora_private.erasures (user_id) on delete cascade,
    step text not null check (step in ('sign_out', 'stripe', 'brevo', 'storage', 'auth_user')),
    stage smallint not null check (stage between 1 and 2),
    status text not null default 'pending' check (status in ('pending', 'running', 'done')),
    attempts integer not null default 0 check (attempts >= 0),
    next_attempt_at timestamptz not null default now(),
    lease_until timestamptz,
    lease_token uuid,
    last_error text,
    -- what was done (ids canceled, files deleted…), for the record
    result jsonb,
    done_at timestamptz,
    primary key (user_id, step)
);
create index idx_erasure_steps_due on aurora_private.erasure_steps (next_attempt_at) where status <> 'done';
-- no client reads or writes these: the functions below (privacy/api.sql) and service_role do
alter table aurora_private.erasures enable row level security;
alter table aurora_private.erasure_steps enable row level security;
