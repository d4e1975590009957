\set s random(2, 1000)
\set k random(1, 20)
\set u 1 + ((:s * 7919 + :k * 104729) % 100000)
begin;
set local role service_role;
select set_config('request.jwt.claims', '{"role":"service_role"}', true);
select m.id, m.content, m.created_at, m.full_name, m.avatar_url, left(r.content, 120) as reply_excerpt
  from chat_messages_with_profiles m
  left join chat_messages r on r.salon_id = m.salon_id and r.id = m.reply_to_id
 where m.salon_id = ('10000000-0000-4000-8000-' || lpad(to_hex(cast(:s as int)), 12, '0'))::uuid
 order by m.created_at desc, m.id desc limit 50;
select count(*) from get_all_message_reactions_batch(array(
    select id from chat_messages where salon_id = ('10000000-0000-4000-8000-' || lpad(to_hex(cast(:s as int)), 12, '0'))::uuid and not is_deleted order by created_at desc, id desc limit 50));
commit;
