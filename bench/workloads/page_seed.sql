\set s random(2, 1000)
\set k random(1, 20)
\set u 1 + ((:s * 7919 + :k * 104729) % 100000)
begin;
set local role authenticated;
select set_config('request.jwt.claims', json_build_object('sub', '00000000-0000-4000-8000-' || lpad(to_hex(cast(:u as int)), 12, '0'), 'role', 'authenticated')::text, true);
select m.id, m.content, m.created_at, p.full_name, p.avatar_url, left(r.content, 120) as reply_excerpt
  from seed.chat_messages m
  left join seed.profiles p on p.id = m.user_id
  left join seed.chat_messages r on r.salon_id = m.salon_id and r.id = m.reply_to_id
 where m.salon_id = ('10000000-0000-4000-8000-' || lpad(to_hex(cast(:s as int)), 12, '0'))::uuid and not m.is_deleted
 order by m.created_at desc, m.id desc limit 50;
select count(*) from seed.get_all_message_reactions_batch(array(
    select id from seed.chat_messages where salon_id = ('10000000-0000-4000-8000-' || lpad(to_hex(cast(:s as int)), 12, '0'))::uuid and not is_deleted order by created_at desc, id desc limit 50));
commit;
