-- chat: triggers, the messages view, policies -------------------------------------------

alter function chat_message_counters() security definer set search_path = pg_catalog, pg_temp;
-- not SECURITY DEFINER: the message lookup must see what the caller sees
alter function reaction_fill_salon() set search_path = pg_catalog, pg_temp;

alter table chat_messages alter column user_id set default auth.uid();
alter table message_reactions alter column user_id set default auth.uid();

-- The salon's message counter. A member posting (role authenticated) is counted by the
-- insert guard, in the statement that claims her quota (chat/api.sql); every other
-- insert (service_role, imports, operators) by the AFTER INSERT trigger. The two WHEN
-- conditions are each other's complement.
create trigger chat_messages_counters after delete or update of is_deleted
    on chat_messages for each row execute function chat_message_counters();
create trigger chat_messages_counters_insert after insert on chat_messages
    for each row when (current_setting('role') is distinct from 'authenticated')
    execute function chat_message_counters();
create trigger message_reactions_fill_salon before insert on message_reactions
    for each row execute function reaction_fill_salon();

create view chat_messages_with_profiles with (security_invoker = true) as
select cm.id, cm.salon_id, cm.content, cm.created_at, cm.user_id, cm.reply_to_id,
       p.full_name, p.avatar_url
  from chat_messages cm
  left join profiles p on p.id = cm.user_id
 where not cm.is_deleted;

alter table chat_messages enable row level security;
create policy chat_messages_select_members on chat_messages for select to authenticated
    using (salon_id in (select my_salon_ids()) and not is_deleted);
create policy chat_messages_insert_members on chat_messages for insert to authenticated
    with check (user_id = (select auth.uid()) and salon_id in (select my_salon_ids()));
create policy chat_messages_update_own on chat_messages for update to authenticated
    using (user_id = (select auth.uid()) and not is_deleted)
    with check (user_id = (select auth.uid()) and salon_id in (select my_salon_ids()));

alter table message_reactions enable row level security;
create policy message_reactions_select_members on message_reactions for select to authenticated
    using (salon_id in (select my_salon_ids()));
create policy message_reactions_insert_own on message_reactions for insert to authenticated
    with check (user_id = (select auth.uid()) and salon_id in (select my_salon_ids()));
create policy message_reactions_delete_own on message_reactions for delete to authenticated
    using (user_id = (select auth.uid()));
