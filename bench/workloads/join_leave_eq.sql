\set j random(1, 100)
\set u random(5001, 100000)
begin;
set local role authenticated;
select set_config('request.jwt.claims', json_build_object('sub', '00000000-0000-4000-8000-' || lpad(to_hex(cast(:u as int)), 12, '0'), 'role', 'authenticated')::text, true);
select eq.join_salon_via_code('JOINB' || lpad(cast(:j as text), 5, '0'));
select eq.leave_salon(('20000000-0000-4000-8000-' || lpad(to_hex(cast(:j as int)), 12, '0'))::uuid);
commit;
