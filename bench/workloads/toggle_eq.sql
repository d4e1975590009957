\set u random(1, 5000)
\set m 10 * random(90000, 100000)
begin;
set local role authenticated;
select set_config('request.jwt.claims', json_build_object('sub', '00000000-0000-4000-8000-' || lpad(to_hex(cast(:u as int)), 12, '0'), 'role', 'authenticated')::text, true);
select eq.toggle_message_reaction(cast(:m as bigint), '👍');
commit;
