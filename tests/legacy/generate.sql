-- Rows of a legacy Aurora50 database (tests/legacy/aurora50_schema.sql), the shapes a real
-- 2024-25 project holds: ordinary rows, and the leniencies of the old schema planted at
-- known places (each commented). Deterministic: ids come from md5 of a name, choices from
-- hashes of the row number. ~6,000 rows. psql variable :scale multiplies the members.
\if :{?scale} \else \set scale 1 \endif

create temp table g_param as select (300 * :scale)::int as users, (25 * :scale)::int as salons;
create function pg_temp.h(k text) returns int language sql immutable as
  $$ select abs(hashtext(k)) $$;
create function pg_temp.uid(k text) returns uuid language sql immutable as
  $$ select md5('aurora50-legacy:' || k)::uuid $$;

-- members: sign-ups through GoTrue; the app's trigger makes their profile and stats row
insert into auth.users (id, aud, role, email, raw_user_meta_data, created_at, email_confirmed_at)
select pg_temp.uid('user' || i), 'authenticated', 'authenticated',
       'membre' || i || '@exemple.fr',
       jsonb_build_object('full_name', 'Membre ' || i),
       timestamptz '2024-08-28 10:00+02' + (i * interval '97 minutes'),
       timestamptz '2024-08-28 10:05+02' + (i * interval '97 minutes')
  from g_param, generate_series(1, users) i;

-- members who signed up before the trigger existed have no profile (10) and no stats (5 more)
delete from public.profiles where id in (select pg_temp.uid('user' || i) from generate_series(1, 10) i);
delete from public.user_stats where user_id in (select pg_temp.uid('user' || i) from generate_series(1, 15) i);

update public.profiles p set
  email = case when pg_temp.h(p.id::text || 'e') % 7 = 0 then null else p.email end,  -- null emails
  bio = case when pg_temp.h(p.id::text || 'b') % 3 = 0 then 'J''aime la lecture et la marche.' end,
  city = (array['Lyon', 'Paris', 'Nantes', 'Bordeaux', null])[1 + pg_temp.h(p.id::text || 'c') % 5],
  interests = case when pg_temp.h(p.id::text || 'i') % 4 = 0 then array['lecture', 'yoga'] end,
  status = (array['online', 'offline', 'away', 'Online', 'invisible', null])[1 + pg_temp.h(p.id::text || 's') % 6],
  presence_status = (array['offline', 'offline', 'online', 'busy', 'dnd'])[1 + pg_temp.h(p.id::text || 'p') % 5],
  subscription_type = (array['freemium', 'freemium', 'premium', 'trial', 'free', 'premium_monthly', null])
                      [1 + pg_temp.h(p.id::text || 't') % 7],
  auto_offline_after = (array[300, 300, 600, 0, null])[1 + pg_temp.h(p.id::text || 'a') % 5],
  conversion_triggers = case when pg_temp.h(p.id::text || 'v') % 5 = 0 then '["message_limit"]'::jsonb end,
  daily_chat_count = case when pg_temp.h(p.id::text || 'd') % 9 = 0 then null else 3 end,
  last_activity = timestamptz '2025-06-01 12:00+02' - (pg_temp.h(p.id::text || 'l') % 5000) * interval '1 hour',
  created_at = u.created_at, updated_at = u.created_at
  from auth.users u where u.id = p.id;
update public.profiles set trial_ends_at = created_at + interval '7 days' where subscription_type = 'trial';
update public.profiles set stripe_customer_id = 'cus_L' || substr(md5(id::text), 1, 12),
                           subscription_started_at = created_at + interval '1 day'
 where subscription_type in ('premium', 'premium_monthly');
-- a name pasted twice over, 40 interests, a customer id on two profiles
update public.profiles set full_name = repeat('Marie-Christine ', 12) where id = pg_temp.uid('user20');
update public.profiles set interests = (select array_agg('centre' || j) from generate_series(1, 40) j)
 where id = pg_temp.uid('user21');
update public.profiles set stripe_customer_id = 'cus_Ldupliquee', subscription_type = 'premium'
 where id in (pg_temp.uid('user22'), pg_temp.uid('user23'));
update public.profiles set created_at = null where id = pg_temp.uid('user24');
-- stats rows of members deleted long ago (no foreign key on this table)
insert into public.user_stats (user_id, points) select pg_temp.uid('gone' || i), 40 from generate_series(1, 5) i;
update public.user_stats s set points = case when pg_temp.h(s.user_id::text) % 11 = 0 then null
                                             else pg_temp.h(s.user_id::text) % 900 end,
                               level = 1, streak_days = pg_temp.h(s.user_id::text || 'k') % 12,
                               total_study_time_minutes = pg_temp.h(s.user_id::text || 'm') % 600;

-- salons, with their owner as a member
insert into public.salons (id, name, description, category, city, color_theme, owner_id, share_code,
                           is_active, created_at)
select pg_temp.uid('salon' || i), 'Salon ' || i, 'Un salon pour échanger', 
       (array['lecture', 'bien-être', 'voyages', null])[1 + i % 4], 'Lyon', '#8B5CF6',
       pg_temp.uid('user' || (11 + (i * 7) % (users - 11))), 'CODE' || lpad(i::text, 4, '0'),
       true, timestamptz '2024-09-01 09:00+02' + i * interval '1 day'
  from g_param, generate_series(1, salons) i;
insert into public.salon_members (salon_id, user_id, role, joined_at)
select id, owner_id, 'owner', created_at from public.salons;
update public.salons set share_code = 'lect2024' where id = pg_temp.uid('salon1');   -- lowercase code
update public.salons set share_code = 'Ab' where id = pg_temp.uid('salon2');         -- too short
update public.salons set name = '   ' where id = pg_temp.uid('salon3');               -- blank name
update public.salons set color_theme = 'purple', is_active = null where id = pg_temp.uid('salon4');
update public.salons set is_active = false where id = pg_temp.uid('salon5');          -- archived
update public.salons set share_code = 'code0007' where id = pg_temp.uid('salon6');   -- upper() collides with salon7
update public.salons set owner_id = null where id = pg_temp.uid('salon8');           -- owner left
-- salon9's owner is not among its members
delete from public.salon_members where salon_id = pg_temp.uid('salon9') and role = 'owner';

-- ~24 members a salon, with the roles the app wrote over time
insert into public.salon_members (salon_id, user_id, role, joined_at)
select s.id, pg_temp.uid('user' || (11 + (pg_temp.h(s.id::text || j) % (g.users - 11)))),
       (array['member', 'member', 'member', 'member', 'admin', 'Moderator', 'moderateur', null, 'owner'])
       [1 + pg_temp.h(s.id::text || j || 'r') % 9],
       s.created_at + j * interval '3 hours'
  from public.salons s, g_param g, generate_series(1, 24) j
on conflict do nothing;

-- messages: most in salons; the first ones predate salons (salon_id null)
insert into public.chat_messages (content, user_id, salon_id, created_at)
select 'Message ' || i || ' : bonjour à toutes !', pg_temp.uid('user' || (11 + i % (g.users - 11))),
       null, timestamptz '2024-08-29 08:00+02' + i * interval '17 minutes'
  from g_param g, generate_series(1, 40) i;
insert into public.chat_messages (content, user_id, salon_id, created_at)
select 'Message ' || i || ' du salon', m.user_id, m.salon_id,
       timestamptz '2024-09-02 08:00+02' + i * interval '13 minutes'
  from g_param g, generate_series(1, 2900 * :scale) i
  cross join lateral (select salon_id, user_id from public.salon_members
                       order by pg_temp.h(salon_id::text || user_id::text || i) limit 1) m;
-- replies inside their salon (~13 %)
update public.chat_messages c set reply_to_id = (
         select p.id from public.chat_messages p where p.salon_id = c.salon_id and p.id < c.id
          order by p.id desc limit 1)
 where c.salon_id is not null and pg_temp.h(c.id::text || 'reply') % 8 = 0;
-- replies that cross salons, or answer a pre-salon message (3 + 2)
update public.chat_messages set reply_to_id = 50 where id in (2000, 2100, 2200);
update public.chat_messages set reply_to_id = 5 where id in (2300, 2400);
update public.chat_messages set is_deleted = true where id % 150 = 0;                -- deleted_at never set
update public.chat_messages set deleted_at = created_at + interval '1 hour' where id % 600 = 1;  -- no flag
update public.chat_messages set is_deleted = null where id % 300 = 7;
update public.chat_messages set content = '   ' where id in (100, 1100, 2101);       -- blank
update public.chat_messages set content = repeat('très long ', 500) where id in (1200, 1300);  -- 5,000 characters
update public.chat_messages set created_at = null where id in (1400, 1401);

-- reactions on every seventh message; ' 👍' (padded) and a word are what old clients sent
insert into public.message_reactions (message_id, user_id, emoji, created_at)
select c.id, pg_temp.uid('user' || (11 + pg_temp.h(c.id::text || k) % (g.users - 11))),
       (array['❤️', '👍', '😂', '🌸', '❤️', '👍', ' 👍', 'bravo_les_filles_super'])[1 + pg_temp.h(c.id::text || k || 'e') % 8],
       c.created_at + interval '5 minutes'
  from g_param g, public.chat_messages c, generate_series(1, 3) k
 where c.id % 7 = 0
on conflict do nothing;
update public.message_reactions set user_id = null where id in (3, 4, 5);
insert into public.message_reactions (message_id, user_id, emoji)   -- on a blank message
values (100, pg_temp.uid('user30'), '👍');

-- courses and lessons
insert into public.courses (id, title, slug, description, pillar_number, order_index, duration_weeks, is_published)
select pg_temp.uid('course' || i), 'Pilier ' || i,
       (array['confiance-en-soi', 'bien_etre', 'Nutrition-Sante', null, 'bien-etre', 'reseau', 'mouvement'])[i],
       'Un parcours en plusieurs leçons', case when i = 6 then 0 else i end, i,
       case when i = 7 then -1 else 4 end, i <> 7
  from generate_series(1, 7) i;
insert into public.lessons (id, title, content, video_url, course_id, lesson_number, duration_minutes,
                            release_day_offset, is_free)
select pg_temp.uid('lesson' || c || '-' || l), 'Leçon ' || l, 'Contenu de la leçon',
       'https://videos.aurora50.fr/' || c || '/' || l, pg_temp.uid('course' || c), l, 10 + l,
       (l - 1) * 2, l = 1
  from generate_series(1, 7) c, generate_series(1, 7) l;
update public.lessons set lesson_number = null where id in (pg_temp.uid('lesson1-3'), pg_temp.uid('lesson2-5'), pg_temp.uid('lesson2-6'));
update public.lessons set lesson_number = 2 where id = pg_temp.uid('lesson3-4');      -- twice number 2
update public.lessons set duration_minutes = -5, release_day_offset = null where id = pg_temp.uid('lesson4-2');
insert into public.lessons (title, course_id, lesson_number) values ('Brouillon sans cours', null, 1);

-- enrolments and progress
insert into public.enrollments (id, user_id, course_id, enrolled_at)
select pg_temp.uid('enrolment' || u), pg_temp.uid('user' || u), pg_temp.uid('course' || (1 + pg_temp.h('enr' || u) % 6)),
       timestamptz '2024-09-15 10:00+02' + u * interval '1 hour'
  from g_param g, generate_series(11, g.users) u
 where u % 3 <> 0;
insert into public.enrollments (user_id, course_id) values (null, pg_temp.uid('course1')), (null, pg_temp.uid('course2'));
insert into public.user_lesson_progress (user_id, lesson_id, status, completion_percentage,
                                         last_video_position, watch_time_seconds, started_at, completed_at,
                                         created_at, updated_at)
select e.user_id, l.id,
       case when l.lesson_number <= 2 then 'completed' else 'in_progress' end,
       case when l.lesson_number <= 2 then 100 else 40 end, 120, 300,
       e.enrolled_at + interval '1 day',
       case when l.lesson_number <= 2 then e.enrolled_at + interval '2 days' end,
       e.enrolled_at + interval '1 day', e.enrolled_at + interval '2 days'
  from public.enrollments e join public.lessons l on l.course_id = e.course_id
 where e.user_id is not null and l.lesson_number <= 3 and pg_temp.h(e.user_id::text || l.id::text) % 2 = 0;
-- completed without a date, unknown statuses, impossible percentages
update public.user_lesson_progress set completed_at = null where id in (select id from public.user_lesson_progress where status = 'completed' order by id limit 10);
update public.user_lesson_progress set status = 'done' where id in (select id from public.user_lesson_progress where status = 'in_progress' order by id limit 3);
update public.user_lesson_progress set completion_percentage = 120 where id in (select id from public.user_lesson_progress order by id desc limit 2);
insert into public.user_lesson_progress (user_id, lesson_id, status) values
  (pg_temp.uid('user40'), null, 'in_progress'), (null, pg_temp.uid('lesson1-1'), 'completed');
-- what the old start route wrote
insert into public.user_courses (user_id, course_id, status, progress_percentage, started_at, last_accessed_at)
select e.user_id, e.course_id, 'in_progress', 10, e.enrolled_at, e.enrolled_at + interval '3 days'
  from public.enrollments e where e.user_id is not null and pg_temp.h(e.user_id::text || 'uc') % 2 = 0;
insert into public.user_courses (user_id, course_id) values (pg_temp.uid('user41'), pg_temp.uid('course7'));

-- badges and the activity feed
insert into public.user_achievements (user_id, badge_id, title, rarity, earned_at)
select pg_temp.uid('user' || u), b, 'Badge ' || b,
       (array['common', 'rare', 'epic', 'mythic'])[1 + pg_temp.h(u || b) % 4],
       timestamptz '2024-10-01 12:00+02' + u * interval '1 hour'
  from g_param g, generate_series(11, g.users) u, unnest(array['first_message', 'First-Course', 'week_streak']) b
 where pg_temp.h(u || b || 'x') % 2 = 0;
insert into public.user_achievements (user_id, badge_id, title, earned_at)   -- awarded twice
select user_id, badge_id, title, earned_at + interval '1 day' from public.user_achievements
 where badge_id = 'first_message' order by user_id limit 10;
insert into public.user_achievements (user_id, badge_id, title)            -- members long gone
select pg_temp.uid('gone' || i), 'first_message', 'Premier message' from generate_series(1, 5) i;
insert into public.user_activities (user_id, type, title, metadata, created_at)
select pg_temp.uid('user' || (11 + pg_temp.h('act' || i) % (g.users - 11))),
       (array['lesson_completed', 'salon_joined', 'Lesson Completed', null, 'badge_earned'])[1 + i % 5],
       'Activité ' || i, case when i % 3 = 0 then null else jsonb_build_object('n', i) end,
       timestamptz '2024-10-01 12:00+02' + i * interval '30 minutes'
  from g_param g, generate_series(1, 1000 * :scale) i;
insert into public.user_activities (user_id, type, title)
select pg_temp.uid('gone' || i), 'salon_joined', 'Rejoint un salon' from generate_series(1, 5) i;

-- invitations
insert into public.salon_invitations (salon_id, invited_by, email, token, expires_at, used_at, used_by, created_at)
select pg_temp.uid('salon' || (1 + i % 20)), pg_temp.uid('user' || (11 + i)),
       case when i % 10 = 0 then 'pas-un-email' else 'amie' || i || '@exemple.fr' end,
       md5('invite' || i), timestamptz '2025-03-01 10:00+01' + i * interval '1 day',
       case when i % 4 = 0 then timestamptz '2025-02-25 10:00+01' + i * interval '1 day' end,
       case when i % 4 = 0 then pg_temp.uid('user' || (100 + i)) end,
       timestamptz '2025-02-22 10:00+01' + i * interval '1 day'
  from generate_series(1, 50) i;
update public.salon_invitations set expires_at = created_at - interval '1 day' where token = md5('invite7');

-- the counters as the old triggers left them (drifted)
update public.salons set member_count = member_count + 2 where id = pg_temp.uid('salon10');
select setval('public.chat_messages_id_seq', (select max(id) from public.chat_messages) + 50);
