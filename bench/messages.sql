-- Messages :first..:last at a fixed instant of the last 90 days: message g is in salon 1
-- when g % 10 = 0, else in salon 2 + (g * 48271) % 999 (every other salon, evenly). About
-- one in ten is a reply to an earlier message of its salon (g - 999 lands in the same
-- salon; in salon 1, g - 10). Then reactions on the newest 20 %, and the counters.
\set ON_ERROR_STOP on
set session_replication_role = replica;
create temp table if not exists member_list as
select salon_id, user_id, row_number() over (partition by salon_id order by user_id) as n,
       count(*) over (partition by salon_id) as total
  from salon_members;
create index if not exists member_list_idx on member_list (salon_id, n);
create temp table if not exists salon_sizes as
select salon_id, count(*) as total from salon_members group by salon_id;
-- (salon, member number) per message, then an equality join to the member
insert into chat_messages (id, salon_id, user_id, content, reply_to_id, created_at)
select x.g, x.salon_id, ml.user_id, 'Message ' || x.g || ' : ' || repeat('bla ', 5 + x.g % 20),
       case when x.g % 10 = 3 and x.g > 999 then x.g - 999
            when x.g % 30 = 0 and x.g > 10 then x.g - 10 end,
       now() - interval '90 days' + make_interval(secs => x.g * 7.776)
  from (select g, sz.salon_id, 1 + (g * 2654435761 % sz.total) as n
          from generate_series(:first, :last) g
          join salon_sizes sz
            on sz.salon_id = ('10000000-0000-4000-8000-' ||
                              lpad(to_hex(case when g % 10 = 0 then 1 else 2 + (g * 48271::bigint) % 999 end), 12, '0'))::uuid) x
  join member_list ml on ml.salon_id = x.salon_id and ml.n = x.n;
select setval('chat_messages_id_seq', (select max(id) from chat_messages));
insert into message_reactions (salon_id, message_id, user_id, emoji)
select x.salon_id, x.id, ml.user_id, (array['❤️', '👍', '😂', '🌸', '👏'])[1 + x.r % 5]
  from (select r, m.id, m.salon_id, 1 + (r % sz.total) as n
          from generate_series(1, (:last - :first + 1) * 3 / 10) r
          join chat_messages m on m.id = :last - (r % ((:last - :first + 1) / 5))
          join salon_sizes sz on sz.salon_id = m.salon_id) x
  join member_list ml on ml.salon_id = x.salon_id and ml.n = x.n
on conflict do nothing;
insert into salon_counter_shards as c (salon_id, shard, message_delta)
select salon_id, 1, count(*) from chat_messages where id between :first and :last group by salon_id
on conflict (salon_id, shard) do update set message_delta = c.message_delta + excluded.message_delta;
reset session_replication_role;
vacuum (analyze) chat_messages, message_reactions, salon_counter_shards;
