-- salons ----------------------------------------------------------------------------

create table salons (
    id uuid primary key default gen_random_uuid(),
    name text not null check (char_length(name) between 1 and 80 and btrim(name) <> ''),
    description text check (char_length(description) <= 1000),
    avatar_url text check (char_length(avatar_url) <= 2048),
    category text check (char_length(category) <= 50),
    city text check (char_length(city) <= 120),
    color_theme text not null default '#8B5CF6' check (color_theme ~ '^#[0-9A-Fa-f]{6}$'),
    owner_id uuid references auth.users (id) on delete set null,
    is_active boolean not null default true,
    -- member_count/message_count hold the *folded* part of the counters; the exact value
    -- is this plus the unfolded deltas in salon_counter_shards (see salon_stats()).
    member_count integer not null default 0,
    message_count integer not null default 0,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index idx_salons_owner_id on salons (owner_id);
create index idx_salons_category on salons (category) where is_active;

-- A salon's share code, apart from the directory: readable by its members only (RLS), so
-- that every column of `salons` is readable by every member (select('*') works). Every
-- salon gets one as it is created (salons/security.sql).
create table salon_share_codes (
    salon_id uuid primary key references salons (id) on delete cascade,
    share_code text not null unique
        check (share_code = upper(share_code) and char_length(share_code) between 6 and 32)
);

alter table member_accounts
    add constraint member_accounts_current_salon_id_fkey
    foreign key (current_salon_id) references salons (id) on delete set null;
create index idx_member_accounts_current_salon_id on member_accounts (current_salon_id)
    where current_salon_id is not null;

create type salon_role as enum ('owner', 'moderator', 'member');
create cast (text as salon_role) with inout as assignment;  -- as profiles/schema.sql's

create table salon_members (
    salon_id uuid not null references salons (id) on delete cascade,
    user_id uuid not null references auth.users (id) on delete cascade,
    role salon_role not null default 'member',
    joined_at timestamptz not null default now(),
    last_seen_at timestamptz,
    notifications_enabled boolean not null default true,
    primary key (salon_id, user_id)
);
-- "which salons am I in" is on the path of every chat policy
create index idx_salon_members_user_id on salon_members (user_id, salon_id);

-- Counter deltas, sharded by writer (backend pid) so that concurrent writers to one busy
-- salon touch different rows instead of queueing on salons' row lock.
-- fold_salon_counters() moves them into salons.member_count/message_count.
create table salon_counter_shards (
    salon_id uuid not null references salons (id) on delete cascade,
    shard smallint not null check (shard >= 0),
    member_delta integer not null default 0,
    message_delta integer not null default 0,
    primary key (salon_id, shard)
);

-- Invitations: the token is shown once to its creator; only its SHA-256 is stored.
create table salon_invitations (
    id uuid primary key default gen_random_uuid(),
    salon_id uuid not null references salons (id) on delete cascade,
    invited_by uuid references auth.users (id) on delete set null,
    invitee_id uuid references auth.users (id) on delete cascade,
    invitee_email text check (invitee_email is null or invitee_email ~ '^[^@\s]+@[^@\s]+$'),
    expires_at timestamptz not null default now() + interval '7 days',
    accepted_at timestamptz,
    accepted_by uuid references auth.users (id) on delete set null,
    revoked_at timestamptz,
    created_at timestamptz not null default now(),
    check (expires_at > created_at),
    check ((accepted_at is null) = (accepted_by is null) or accepted_by is null)
);
create index idx_salon_invitations_salon_id on salon_invitations (salon_id, created_at desc);
create index idx_salon_invitations_invitee_id on salon_invitations (invitee_id)
    where invitee_id is not null;
create index idx_salon_invitations_invited_by on salon_invitations (invited_by);

-- An invitation's secret: the SHA-256 of its token (the token itself is shown once, to who
-- invites). Apart from the invitation, closed to clients, so that what a member may read of
-- her invitations is the whole row (select('*') works).
create table salon_invitation_tokens (
    invitation_id uuid primary key references salon_invitations (id) on delete cascade,
    token_hash bytea not null unique check (octet_length(token_hash) = 32)
);

-- Join attempts with a wrong code, per user, for rate limiting (pruned as they age out).
create table salon_join_attempts (
    user_id uuid not null references auth.users (id) on delete cascade,
    attempted_at timestamptz not null default now()
);
create index idx_salon_join_attempts_user on salon_join_attempts (user_id, attempted_at);
