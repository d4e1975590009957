\set s 1
\set u random(1, 5000)
begin;
set local role authenticated;
select set_config('request.jwt.claims', json_build_object('sub', '00000000-0000-4000-8000-' || lpad(to_hex(cast(:u as int)), 12, '0'), 'role', 'authenticated')::text, true);
insert into eq.chat_messages (salon_id, content) values (('10000000-0000-4000-8000-' || lpad(to_hex(cast(:s as int)), 12, '0'))::uuid, 'Bonjour à toutes, belle journée à vous !');
commit;
