\set u 5 * random(1, 4000)
\set l random(1, 50)
\set pct random(40, 100)
begin;
set local role authenticated;
select set_config('request.jwt.claims', json_build_object('sub', '00000000-0000-4000-8000-' || lpad(to_hex(:u), 12, '0'), 'role', 'authenticated')::text, true);
select update_lesson_progress(('d0000000-0000-4000-8000-' || lpad(to_hex((1 + :u % 7) * 100 + :l), 12, '0'))::uuid, 120, 300, :pct);
commit;
