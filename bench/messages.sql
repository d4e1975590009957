-- Messages :first..:last (message g in salon 1 when g % 10 = 0, else salon 1 + g % 1000; at
-- a fixed instant of the last 90 days), replies, reactions on the newest 20%, counters.
\set ON_ERROR_STOP on
set session_replication_role = replica;
create temp table if not exists member_list as
select salon_id, user_id, row_number() over (partition by salon_id order by user_id) as n,
       count(*) over (partition by salon_id) as total
  from salon_members;
create index if not exists member_list_idx on member_list (salon_id, n);
insert into chat_messages (id, salon_id, user_id, content, created_at)
select g, ml.salon_id, ml.user_id, 'Message ' || g || ' : ' || repeat('bla ', 5 + g % 20),
       now() - interval '90 days' + make_interval(secs => g * 7.776)
  from generate_series(:first, :last) g
  join member_list ml
    on ml.salon_id = ('10000000-0000-4000-8000-' ||
                      lpad(to_hex(case when g % 10 = 0 then 1 else 1 + (g % 1000) end), 12, '0'))::uuid
   and ml.n = 1 + (g * 2654435761 % ml.total);
select setval('chat_messages_id_seq', (select max(id) from chat_messages));
update chat_messages m set reply_to_id = m.id - 10
 where m.id between :first and :last and m.id % 10 = 3 and m.id > 10
   and exists (select 1 from chat_messages p where p.salon_id = m.salon_id and p.id = m.id - 10);
insert into message_reactions (salon_id, message_id, user_id, emoji)
select m.salon_id, m.id, ml.user_id, (array['❤️', '👍', '😂', '🌸', '👏'])[1 + r % 5]
  from generate_series(1, (:last - :first + 1) * 3 / 10) r
  join chat_messages m on m.id = :last - (r % ((:last - :first + 1) / 5))
  join member_list ml on ml.salon_id = m.salon_id and ml.n = 1 + (r % ml.total)
on conflict do nothing;
insert into salon_counter_shards as c (salon_id, shard, message_delta)
select salon_id, 1, count(*) from chat_messages where id between :first and :last group by salon_id
on conflict (salon_id, shard) do update set message_delta = c.message_delta + excluded.message_delta;
reset session_replication_role;
analyze chat_messages;
analyze message_reactions;
