\set u 5 * random(1, 4000)
\set l random(1, 50)
\set pct random(40, 100)
begin;
set local role authenticated;
select set_config('request.jwt.claims', json_build_object('sub', '00000000-0000-4000-8000-' || lpad(to_hex(cast(:u as int)), 12, '0'), 'role', 'authenticated')::text, true);
select eq.update_lesson_progress(('d0000000-0000-4000-8000-' || lpad(to_hex((1 + cast(:u as int) % 7) * 100 + cast(:l as int)), 12, '0'))::uuid, 120, 300, cast(:pct as int));
commit;
