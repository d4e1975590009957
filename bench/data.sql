-- Realistic data for the benchmarks, generated in the database (set-based, deterministic):
-- 100k members with stats, 1,000 salons with skewed membership (salon 1: 5,000 members; the
-- rest 20–200), 7 courses × 50 lessons, progress for 20k members. Messages (1M over 90 days,
-- 1 in 10 a reply, 300k reactions) come from messages.sql, in two steps. Run as a superuser
-- on a database with aurora.
-- Triggers are bypassed while loading (session_replication_role = replica) and the derived
-- rows (profiles, accounts, stats, counters) are written set-based, as a restore would.
\set ON_ERROR_STOP on
set session_replication_role = replica;
select setseed(0.5050);

insert into auth.users (id, aud, role, email, raw_user_meta_data, created_at)
select ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, 'authenticated', 'authenticated',
       'membre' || g || '@bench.aurora50.fr', jsonb_build_object('full_name', 'Membre ' || g),
       now() - make_interval(days => (g % 365))
  from generate_series(1, 100000) g;

insert into profiles (id, full_name, presence_status, status, last_activity, presence_expires_at)
select u.id, u.raw_user_meta_data ->> 'full_name',
       'offline', 'offline', now() - make_interval(secs => (g % 86400)), null
  from auth.users u, lateral (select ('x' || right(u.id::text, 12))::bit(48)::bigint as g) n;
insert into member_accounts (id, email, city, subscription_type)
select u.id, u.email,
       (array['Lyon', 'Paris', 'Bordeaux', 'Marseille', 'Nantes', 'Lille'])[1 + (g % 6)],
       case when g % 5 = 0 then 'premium' else 'freemium' end
  from auth.users u, lateral (select ('x' || right(u.id::text, 12))::bit(48)::bigint as g) n;
insert into user_stats (user_id, points, level)
select id, (abs(hashtext(id::text)) % 2000), 1 + (abs(hashtext(id::text)) % 2000) / 100 from profiles;

-- salons: owner i for salon i
insert into salons (id, name, owner_id, category, created_at)
select ('10000000-0000-4000-8000-' || lpad(to_hex(s), 12, '0'))::uuid, 'Salon ' || s,
       ('00000000-0000-4000-8000-' || lpad(to_hex(s), 12, '0'))::uuid,
       (array['culture', 'bien-être', 'cuisine', 'voyage'])[1 + s % 4],
       now() - interval '120 days'
  from generate_series(1, 1000) s;
insert into salon_share_codes (salon_id, share_code)
select ('10000000-0000-4000-8000-' || lpad(to_hex(s), 12, '0'))::uuid, 'BENCH' || lpad(s::text, 5, '0')
  from generate_series(1, 1000) s;

-- membership: salon 1 has 5,000 members (users 1..5000); salon s > 1 has 20 + (s*37 % 181)
insert into salon_members (salon_id, user_id, role, joined_at)
select ('10000000-0000-4000-8000-' || lpad(to_hex(s), 12, '0'))::uuid,
       ('00000000-0000-4000-8000-' || lpad(to_hex(u), 12, '0'))::uuid,
       case when u = s then 'owner' when k <= 2 then 'moderator' else 'member' end,
       now() - interval '100 days'
  from (select 1 as s, k, k as u from generate_series(1, 5000) k
        union all
        select s, k, 1 + ((s * 7919 + k * 104729) % 100000)
          from generate_series(2, 1000) s, generate_series(1, 20 + (s * 37) % 181) k) m
on conflict do nothing;
insert into salon_members (salon_id, user_id, role)
select id, owner_id, 'owner' from salons on conflict (salon_id, user_id) do update set role = 'owner';

-- exact counters, set-based (messages.sql adds its own to shard 1)
insert into salon_counter_shards (salon_id, shard, member_delta, message_delta)
select s.id, 0, (select count(*) from salon_members m where m.salon_id = s.id), 0
  from salons s;
update member_accounts p set salons_created = 1 where exists (select 1 from salons s where s.owner_id = p.id);

-- salons to join and leave in the join benchmark: nobody but their owner (users 1..100)
insert into salons (id, name, owner_id, created_at)
select ('20000000-0000-4000-8000-' || lpad(to_hex(j), 12, '0'))::uuid, 'Rejoindre ' || j,
       ('00000000-0000-4000-8000-' || lpad(to_hex(j), 12, '0'))::uuid, now()
  from generate_series(1, 100) j;
insert into salon_share_codes (salon_id, share_code)
select ('20000000-0000-4000-8000-' || lpad(to_hex(j), 12, '0'))::uuid, 'JOINB' || lpad(j::text, 5, '0')
  from generate_series(1, 100) j;
insert into salon_members (salon_id, user_id, role)
select salon_id, s.owner_id, 'owner' from salon_share_codes c join salons s on s.id = c.salon_id
 where c.share_code like 'JOINB%';

-- 7 courses × 50 lessons, progress for 20k members
insert into courses (id, title, slug, is_published, pillar_number, order_index)
select ('c0000000-0000-4000-8000-' || lpad(to_hex(c), 12, '0'))::uuid, 'Cours ' || c, 'cours-' || c, true, c, c
  from generate_series(1, 7) c;
insert into lessons (id, course_id, lesson_number, title, release_day_offset, is_free, duration_minutes)
select ('d0000000-0000-4000-8000-' || lpad(to_hex(c * 100 + l), 12, '0'))::uuid,
       ('c0000000-0000-4000-8000-' || lpad(to_hex(c), 12, '0'))::uuid, l, 'Leçon ' || l, 0, l <= 3, 10 + l % 20
  from generate_series(1, 7) c, generate_series(1, 50) l;
insert into lesson_bodies (lesson_id, content, video_url)
select ('d0000000-0000-4000-8000-' || lpad(to_hex(c * 100 + l), 12, '0'))::uuid, 'Contenu ' || l,
       'https://videos.example.fr/' || c || '/' || l
  from generate_series(1, 7) c, generate_series(1, 50) l;
insert into enrollments (user_id, course_id, enrolled_at)
select ('00000000-0000-4000-8000-' || lpad(to_hex(u), 12, '0'))::uuid,
       ('c0000000-0000-4000-8000-' || lpad(to_hex(1 + u % 7), 12, '0'))::uuid, now() - interval '30 days'
  from generate_series(1, 20000) u;
insert into user_lesson_progress (user_id, lesson_id, status, completion_percentage, watch_time_seconds, started_at, completed_at)
select ('00000000-0000-4000-8000-' || lpad(to_hex(u), 12, '0'))::uuid,
       ('d0000000-0000-4000-8000-' || lpad(to_hex((1 + u % 7) * 100 + l), 12, '0'))::uuid,
       case when l <= 5 then 'completed' else 'in_progress' end, case when l <= 5 then 100 else 30 end, 300,
       now() - interval '20 days', case when l <= 5 then now() - interval '19 days' end
  from generate_series(1, 20000) u, generate_series(1, 5 + u % 5) l;

reset session_replication_role;
vacuum analyze;
