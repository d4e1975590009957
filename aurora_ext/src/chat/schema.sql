-- chat ------------------------------------------------------------------------------

-- Keyed by (salon_id, id) so the chat tables can be distributed by salon (Citus) and a
-- reply or reaction can only point inside its own salon (composite foreign keys).
create table chat_messages (
    id bigserial not null,
    -- limits hold on what is stored, whatever the write path (insert trims, an edit may not)
    content text not null check (char_length(content) between 1 and 4000 and btrim(content) <> ''),
    user_id uuid not null references auth.users (id) on delete cascade,
    salon_id uuid not null references salons (id) on delete cascade,
    reply_to_id bigint,
    is_deleted boolean not null default false,
    deleted_at timestamptz,
    created_at timestamptz not null default now(),
    primary key (salon_id, id),
    foreign key (salon_id, reply_to_id) references chat_messages (salon_id, id)
        on delete set null (reply_to_id),
    check (is_deleted = (deleted_at is not null))
);
create index idx_chat_messages_id on chat_messages (id);
create index idx_chat_messages_salon_created on chat_messages (salon_id, created_at desc, id desc);
create index idx_chat_messages_user_id on chat_messages (user_id, created_at);
create index idx_chat_messages_reply_to on chat_messages (salon_id, reply_to_id)
    where reply_to_id is not null;

create table message_reactions (
    id bigserial not null,
    salon_id uuid not null,
    message_id bigint not null,
    user_id uuid not null references auth.users (id) on delete cascade,
    emoji text not null check (char_length(emoji) between 1 and 16 and emoji !~ '\s'),
    created_at timestamptz not null default now(),
    primary key (salon_id, id),
    unique (salon_id, message_id, user_id, emoji),
    foreign key (salon_id, message_id) references chat_messages (salon_id, id) on delete cascade
);
create index idx_message_reactions_message_id on message_reactions (message_id);
create index idx_message_reactions_user_id on message_reactions (user_id);
