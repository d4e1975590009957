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

create function delete_message(message_id bigint)
returns jsonb language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap(aurora_private.delete_message(message_id)); end $$;

create function get_reply_message_info(message_id bigint)
returns jsonb language plpgsql stable security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap(aurora_private.get_reply_message_info(message_id)); end $$;

create function toggle_message_reaction(message_id bigint, emoji text)
returns jsonb language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap(aurora_private.toggle_message_reaction(message_id, emoji)); end $$;

create function handle_message_reaction(message_id bigint, emoji text, action text)
returns jsonb language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap(aurora_private.handle_message_reaction(message_id, emoji, action)); end $$;
