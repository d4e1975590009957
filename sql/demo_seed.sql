-- Demo data: five members, three salons, a conversation with replies and reactions, two
-- published courses with free, premium and drip-released lessons. Fixed ids, so the
-- README and manual tests can name them. Run as a superuser on a fresh database.
begin;

insert into auth.users (instance_id, id, aud, role, email, email_confirmed_at,
                        raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
values
  ('00000000-0000-0000-0000-000000000000', '11111111-1111-4111-8111-111111111111', 'authenticated', 'authenticated',
   'ines.martin@example.fr', now(), '{"provider":"email"}', '{"full_name":"Inès Martin"}', now() - interval '60 days', now()),
  ('00000000-0000-0000-0000-000000000000', '22222222-2222-4222-8222-222222222222', 'authenticated', 'authenticated',
   'claire.dubois@example.fr', now(), '{"provider":"email"}', '{"full_name":"Claire Dubois"}', now() - interval '45 days', now()),
  ('00000000-0000-0000-0000-000000000000', '33333333-3333-4333-8333-333333333333', 'authenticated', 'authenticated',
   'martine.leroy@example.fr', now(), '{"provider":"email"}', '{"full_name":"Martine Leroy"}', now() - interval '30 days', now()),
  ('00000000-0000-0000-0000-000000000000', '44444444-4444-4444-8444-444444444444', 'authenticated', 'authenticated',
   'sylvie.bernard@example.fr', now(), '{"provider":"email"}', '{"full_name":"Sylvie Bernard"}', now() - interval '20 days', now()),
  ('00000000-0000-0000-0000-000000000000', '55555555-5555-4555-8555-555555555555', 'authenticated', 'authenticated',
   'brigitte.moreau@example.fr', now(), '{"provider":"email"}', '{"full_name":"Brigitte Moreau"}', now() - interval '3 days', now());

-- profiles and stats were created by the auth.users trigger; fill in the rest
update member_accounts set city = 'Lyon', bio = 'Lectrice passionnée, randonneuse le dimanche.',
       interests = array['lecture', 'randonnée'], subscription_type = 'premium',
       subscription_started_at = now() - interval '50 days', stripe_customer_id = 'cus_demo_ines',
       onboarding_completed = true
 where id = '11111111-1111-4111-8111-111111111111';
update member_accounts set city = 'Bordeaux', interests = array['marche', 'yoga'], onboarding_completed = true
 where id = '22222222-2222-4222-8222-222222222222';
update member_accounts set city = 'Marseille', interests = array['cuisine'], subscription_type = 'trial',
       trial_ends_at = now() + interval '5 days', onboarding_completed = true
 where id = '33333333-3333-4333-8333-333333333333';
update member_accounts set city = 'Lyon', interests = array['lecture', 'peinture']
 where id = '44444444-4444-4444-8444-444444444444';
update member_accounts set city = 'Nantes'
 where id = '55555555-5555-4555-8555-555555555555';

-- salons: the owner becomes a member by trigger, a share code comes with each (made fixed
-- here, for the README's examples)
insert into salons (id, name, description, category, city, color_theme, owner_id) values
  ('aaaaaaaa-0001-4000-8000-000000000001', 'Les Lectrices de Lyon', 'Un livre par mois, un café par semaine.',
   'culture', 'Lyon', '#8B5CF6', '11111111-1111-4111-8111-111111111111'),
  ('aaaaaaaa-0002-4000-8000-000000000002', 'Marche & Bien-être', 'Marcher ensemble, à son rythme.',
   'bien-être', 'Bordeaux', '#10B981', '22222222-2222-4222-8222-222222222222'),
  ('aaaaaaaa-0003-4000-8000-000000000003', 'Cuisine du Sud', 'Recettes, marchés et tablées.',
   'cuisine', 'Marseille', '#F59E0B', '33333333-3333-4333-8333-333333333333');
update salon_share_codes c set share_code = v.code
  from (values ('aaaaaaaa-0001-4000-8000-000000000001'::uuid, 'LYQN7KP2TX'),
               ('aaaaaaaa-0002-4000-8000-000000000002'::uuid, 'MRCH4BWZ8E'),
               ('aaaaaaaa-0003-4000-8000-000000000003'::uuid, 'SUDC9XQ3HM')) v(salon_id, code)
 where c.salon_id = v.salon_id;

insert into salon_members (salon_id, user_id, role) values
  ('aaaaaaaa-0001-4000-8000-000000000001', '22222222-2222-4222-8222-222222222222', 'moderator'),
  ('aaaaaaaa-0001-4000-8000-000000000001', '44444444-4444-4444-8444-444444444444', 'member'),
  ('aaaaaaaa-0001-4000-8000-000000000001', '55555555-5555-4555-8555-555555555555', 'member'),
  ('aaaaaaaa-0002-4000-8000-000000000002', '11111111-1111-4111-8111-111111111111', 'member'),
  ('aaaaaaaa-0002-4000-8000-000000000002', '33333333-3333-4333-8333-333333333333', 'member'),
  ('aaaaaaaa-0003-4000-8000-000000000003', '44444444-4444-4444-8444-444444444444', 'member');

-- a conversation, with replies
with m as (
  insert into chat_messages (salon_id, user_id, content, created_at) values
    ('aaaaaaaa-0001-4000-8000-000000000001', '11111111-1111-4111-8111-111111111111',
     'Bienvenue à toutes ! Ce mois-ci : « La Femme gelée » d''Annie Ernaux.', now() - interval '2 days'),
    ('aaaaaaaa-0001-4000-8000-000000000001', '44444444-4444-4444-8444-444444444444',
     'Je l''ai commencé hier soir, quelle écriture !', now() - interval '1 day 20 hours'),
    ('aaaaaaaa-0001-4000-8000-000000000001', '55555555-5555-4555-8555-555555555555',
     'Nouvelle ici, ravie de vous rejoindre.', now() - interval '1 day'),
    ('aaaaaaaa-0002-4000-8000-000000000002', '22222222-2222-4222-8222-222222222222',
     'Rendez-vous samedi 9h au Jardin public ?', now() - interval '6 hours'),
    ('aaaaaaaa-0003-4000-8000-000000000003', '33333333-3333-4333-8333-333333333333',
     'Ma recette de panisse, promis je la partage demain.', now() - interval '3 hours')
  returning id, salon_id, user_id
)
select count(*) from m;

insert into chat_messages (salon_id, user_id, content, reply_to_id, created_at)
select 'aaaaaaaa-0001-4000-8000-000000000001', '22222222-2222-4222-8222-222222222222',
       'Bienvenue Brigitte ! On se retrouve jeudi au café.', id, now() - interval '20 hours'
  from chat_messages where content like 'Nouvelle ici%';
insert into chat_messages (salon_id, user_id, content, reply_to_id, created_at)
select 'aaaaaaaa-0002-4000-8000-000000000002', '11111111-1111-4111-8111-111111111111',
       'Oui, j''y serai avec mes bâtons !', id, now() - interval '5 hours'
  from chat_messages where content like 'Rendez-vous samedi%';

insert into message_reactions (message_id, user_id, emoji)
select m.id, u.user_id, u.emoji
  from chat_messages m
  join (values ('Bienvenue à toutes%', '44444444-4444-4444-8444-444444444444'::uuid, '❤️'),
               ('Bienvenue à toutes%', '55555555-5555-4555-8555-555555555555'::uuid, '❤️'),
               ('Bienvenue à toutes%', '22222222-2222-4222-8222-222222222222'::uuid, '👏'),
               ('Nouvelle ici%',      '11111111-1111-4111-8111-111111111111'::uuid, '🌸'),
               ('Rendez-vous samedi%','33333333-3333-4333-8333-333333333333'::uuid, '👍'))
       as u(pattern, user_id, emoji) on m.content like u.pattern;

-- courses
insert into courses (id, title, slug, description, short_description, emoji, color_gradient,
                     pillar_number, order_index, duration_weeks, is_published) values
  ('cccccccc-0001-4000-8000-000000000001', 'Renaissance à 50 ans', 'renaissance-a-50-ans',
   'Faire le point, retrouver l''élan, oser le prochain chapitre.', 'Retrouver l''élan',
   '🌅', 'from-purple-500 to-pink-500', 1, 1, 5, true),
  ('cccccccc-0002-4000-8000-000000000002', 'Nutrition et vitalité', 'nutrition-et-vitalite',
   'Bien manger pour garder l''énergie, sans régime.', 'L''énergie dans l''assiette',
   '🥗', 'from-green-400 to-emerald-600', 2, 2, 4, true),
  ('cccccccc-0003-4000-8000-000000000003', 'Finances sereines (brouillon)', 'finances-sereines',
   'En préparation.', 'Bientôt', '💶', 'from-amber-400 to-orange-500', 3, 3, 4, false);

-- the catalogue (lessons) and what each lesson teaches (lesson_bodies)
with l as (
    insert into lessons (course_id, lesson_number, title, duration_minutes, release_day_offset, is_free)
    select 'cccccccc-0001-4000-8000-000000000001', n,
           (array['Bienvenue dans votre renaissance', 'Faire le bilan', 'Vos valeurs, votre boussole',
                  'Oser le changement', 'Votre plan sur 90 jours'])[n],
           15 + n * 3, (array[0, 0, 7, 14, 21])[n], n <= 2
      from generate_series(1, 5) n
    returning id, lesson_number as n
)
insert into lesson_bodies (lesson_id, content, video_url)
select id, 'Contenu de la leçon ' || n || ' : exercices et réflexions.',
       'https://videos.example.fr/renaissance/' || n || '.mp4'
  from l;
with l as (
    insert into lessons (course_id, lesson_number, title, duration_minutes, release_day_offset, is_free)
    select 'cccccccc-0002-4000-8000-000000000002', n,
           (array['Les bases d''une assiette équilibrée', 'Protéines après 50 ans',
                  'Hydratation et énergie', 'Cuisiner simple et bon'])[n],
           12 + n * 2, (array[0, 3, 7, 10])[n], n = 1
      from generate_series(1, 4) n
    returning id, lesson_number as n
)
insert into lesson_bodies (lesson_id, content, video_url)
select id, 'Contenu nutrition ' || n || '.', 'https://videos.example.fr/nutrition/' || n || '.mp4' from l;
with l as (
    insert into lessons (course_id, lesson_number, title, is_free)
    values ('cccccccc-0003-4000-8000-000000000003', 1, 'Budget : le point de départ', false)
    returning id
)
insert into lesson_bodies (lesson_id, content) select id, 'Brouillon.' from l;

insert into enrollments (user_id, course_id, enrolled_at) values
  ('11111111-1111-4111-8111-111111111111', 'cccccccc-0001-4000-8000-000000000001', now() - interval '20 days'),
  ('22222222-2222-4222-8222-222222222222', 'cccccccc-0001-4000-8000-000000000001', now() - interval '2 days'),
  ('33333333-3333-4333-8333-333333333333', 'cccccccc-0002-4000-8000-000000000002', now() - interval '8 days');

insert into user_lesson_progress (user_id, lesson_id, status, completion_percentage,
                                  last_video_position, watch_time_seconds, started_at, completed_at)
select '11111111-1111-4111-8111-111111111111', l.id,
       case when l.lesson_number <= 2 then 'completed' else 'in_progress' end,
       case when l.lesson_number <= 2 then 100 else 40 end,
       case when l.lesson_number <= 2 then 0 else 380 end,
       case when l.lesson_number <= 2 then 1100 else 400 end,
       now() - interval '19 days',
       case when l.lesson_number <= 2 then now() - interval '18 days' end
  from lessons l
 where l.course_id = 'cccccccc-0001-4000-8000-000000000001' and l.lesson_number <= 3;

insert into user_courses (user_id, course_id, status, progress_percentage, lessons_completed, started_at)
values ('11111111-1111-4111-8111-111111111111', 'cccccccc-0001-4000-8000-000000000001', 'in_progress', 40, 2,
        now() - interval '20 days');

update user_stats set points = 120, level = 2, streak_days = 4, longest_streak_days = 9,
       last_streak_date = (now() at time zone 'Europe/Paris')::date, total_lessons_completed = 2,
       total_study_time_minutes = 25
 where user_id = '11111111-1111-4111-8111-111111111111';

insert into user_achievements (user_id, badge_id, title, description, icon, rarity) values
  ('11111111-1111-4111-8111-111111111111', 'first_lesson', 'Premier pas', 'Première leçon terminée', '🎓', 'common'),
  ('11111111-1111-4111-8111-111111111111', 'salon_founder', 'Fondatrice', 'A créé un salon', '🏛️', 'uncommon');

insert into user_activities (user_id, type, title, icon, metadata) values
  ('11111111-1111-4111-8111-111111111111', 'lesson_completed', 'Leçon terminée : Faire le bilan', '✅',
   '{"course":"renaissance-a-50-ans","lesson":2}'),
  ('11111111-1111-4111-8111-111111111111', 'salon_created', 'Salon créé : Les Lectrices de Lyon', '🏛️', '{}');

insert into user_progress_history (user_id, activity_date, lessons_completed, watch_time_seconds, points_earned, messages_sent)
values ('11111111-1111-4111-8111-111111111111', (now() at time zone 'Europe/Paris')::date - 18, 2, 1500, 100, 1);

with i as (
    insert into salon_invitations (salon_id, invited_by, invitee_email)
    values ('aaaaaaaa-0001-4000-8000-000000000001', '11111111-1111-4111-8111-111111111111', 'amie@example.fr')
    returning id
)
insert into salon_invitation_tokens (invitation_id, token_hash)
select id, sha256(convert_to('demo-invitation-token', 'UTF8')) from i;

commit;
