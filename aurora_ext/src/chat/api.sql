-- chat: the insert guard and the RPCs (cores in chat/api.rs) -----------------------------

-- BEFORE INSERT: trims the text and, for a member posting (role authenticated, as
-- PostgREST runs her requests), counts it against her day. Imports by service_role or an
-- operator are not members posting. Raising PT402 has to happen here, in PL/pgSQL (see
-- platform/api.sql).
create function chat_messages_guard() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    refused jsonb;
begin
    new.content := btrim(new.content);
    -- the complement of chat_messages_counters_insert's WHEN (chat/security.sql)
    if current_setting('role') is not distinct from 'authenticated' then
        refused := aurora_private.claim_message_quota(new.user_id, new.salon_id, not new.is_deleted);
        if refused is not null then
            perform aurora_private.unwrap(refused);
        end if;
    end if;
    return new;
end
$$;

create trigger chat_messages_guard before insert on chat_messages
    for each row execute function chat_messages_guard();

-- What the RPCs answer (docs/api.md), as types the client's generated types name.
create type deleted_message as (id bigint, salon_id uuid, is_deleted boolean);
create type reply_preview as (
    id bigint, salon_id uuid, user_id uuid, author_name text, author_avatar text, excerpt text,
    is_deleted boolean, created_at timestamptz
);
-- action: added | removed | unchanged
create type reaction_answer as (message_id bigint, emoji text, action text, reacted boolean, count integer);

-- What a reply shows of the message it answers: nothing of a deleted one, 120 characters
-- of the rest. Plain SQL, inlined where it is used (get_reply_message_info, get_salon_page).
create function aurora_private.reply_excerpt(content text, is_deleted boolean) returns text
language sql immutable parallel safe
as $$
    select case when is_deleted then null
                when char_length(content) > 120 then left(content, 119) || '…'
                else content end
$$;

create function delete_message(message_id bigint)
returns deleted_message language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_delete_message';

create function get_reply_message_info(message_id bigint)
returns reply_preview language c stable security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_get_reply_message_info';

-- native (platform/native.rs): the C function answers the type and raises its errors itself
create function toggle_message_reaction(message_id bigint, emoji text)
returns reaction_answer language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_toggle_message_reaction';

create function handle_message_reaction(message_id bigint, emoji text, action text)
returns reaction_answer language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_handle_message_reaction';
