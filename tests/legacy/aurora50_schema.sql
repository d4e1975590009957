-- The schema of the running Aurora50 project on Supabase Cloud, as its migrations left it
-- in 2024-25 (shared/seed/aurora50-backend-state.md): lenient tables, the app's functions,
-- triggers, views and policies, its storage policies and realtime. Run after
-- sql/supabase_env.sql on a database without aurora; tests/legacy/generate.sql fills it.
-- It is what scripts/adopt.sh meets in a real project, not what aurora builds.

create table public.profiles (
  id uuid primary key references auth.users(id),
  full_name text,
  avatar_url text,
  bio text,
  city text,
  email text,
  interests text[],
  status text default 'offline',
  presence_status text default 'offline',
  is_manual_status boolean default false,
  auto_offline_after integer default 300,
  last_activity timestamptz,
  last_activity_reset timestamptz,
  status_updated_at timestamptz,
  current_salon_id uuid,
  onboarding_completed boolean default false,
  onboarding_answers jsonb,
  subscription_type text default 'freemium',
  subscription_started_at timestamptz,
  trial_ends_at timestamptz,
  stripe_customer_id text,
  stripe_session_id text,
  conversion_triggers jsonb,
  daily_chat_count integer default 0,
  daily_profile_views integer default 0,
  salons_created integer default 0,
  salons_joined integer default 0,
  cover_url text,
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);
create index idx_profiles_email on public.profiles (email);
create index idx_profiles_status on public.profiles (status);
create index idx_profiles_last_activity on public.profiles (last_activity);

create table public.salons (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  description text,
  avatar_url text,
  category text,
  city text,
  color_theme text default '#8B5CF6',
  owner_id uuid references auth.users(id),
  share_code text unique not null,
  is_active boolean default true,
  member_count integer default 0,
  message_count integer default 0,
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);
create index idx_salons_share_code on public.salons (share_code);
create index idx_salons_owner_id on public.salons (owner_id);
create index idx_salons_category on public.salons (category);
alter table public.profiles add constraint profiles_current_salon_id_fkey
  foreign key (current_salon_id) references public.salons(id);

create table public.salon_members (
  salon_id uuid references public.salons(id) on delete cascade,
  user_id uuid references auth.users(id) on delete cascade,
  role text default 'member',
  joined_at timestamptz default now(),
  last_seen_at timestamptz,
  notifications_enabled boolean default true,
  primary key (salon_id, user_id)
);
create index idx_salon_members_user_id on public.salon_members (user_id);
create index idx_salon_members_salon_id on public.salon_members (salon_id);

-- 20240828_initial_schema: the chat came before salons, so salon_id is nullable
create table public.chat_messages (
  id bigserial primary key,
  content text not null,
  user_id uuid references auth.users(id) not null,
  salon_id uuid references public.salons(id),
  reply_to_id bigint references public.chat_messages(id),
  is_deleted boolean default false,
  deleted_at timestamptz,
  created_at timestamptz default now()
);
create index idx_chat_messages_salon_id on public.chat_messages (salon_id);
create index idx_chat_messages_user_id on public.chat_messages (user_id);
create index idx_chat_messages_created_at on public.chat_messages (created_at);

create table public.message_reactions (
  id bigserial primary key,
  message_id bigint references public.chat_messages(id) on delete cascade,
  user_id uuid references auth.users(id) on delete cascade,
  emoji text not null,
  created_at timestamptz default now(),
  unique (message_id, user_id, emoji)
);
create index idx_message_reactions_message_id on public.message_reactions (message_id);
create index idx_message_reactions_user_id on public.message_reactions (user_id);

create table public.courses (
  id uuid primary key default gen_random_uuid(),
  title text not null,
  slug text unique,
  description text,
  short_description text,
  emoji text,
  color_gradient text,
  pillar_number integer,
  order_index integer,
  duration_weeks integer,
  is_published boolean default false,
  created_at timestamptz default now()
);
create index idx_courses_slug on public.courses (slug);
create index idx_courses_pillar_number on public.courses (pillar_number);
create index idx_courses_order_index on public.courses (order_index);

create table public.lessons (
  id uuid primary key default gen_random_uuid(),
  title text not null,
  content text,
  video_url text,
  course_id uuid references public.courses(id) on delete cascade,
  lesson_number integer,
  duration_minutes integer,
  release_day_offset integer default 0,
  is_free boolean default false,
  created_at timestamptz default now()
);
create index idx_lessons_course_id on public.lessons (course_id);
create index idx_lessons_lesson_number on public.lessons (lesson_number);

create table public.user_lesson_progress (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references auth.users(id),
  lesson_id uuid references public.lessons(id),
  status text default 'not_started',
  completion_percentage integer default 0,
  last_video_position integer default 0,
  watch_time_seconds integer default 0,
  started_at timestamptz,
  completed_at timestamptz,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  unique (user_id, lesson_id)
);
create index idx_user_lesson_progress_user_id on public.user_lesson_progress (user_id);
create index idx_user_lesson_progress_lesson_id on public.user_lesson_progress (lesson_id);

create table public.enrollments (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references auth.users(id),
  course_id uuid references public.courses(id),
  enrolled_at timestamptz default now(),
  unique (user_id, course_id)
);
create index idx_enrollments_user_id on public.enrollments (user_id);
create index idx_enrollments_course_id on public.enrollments (course_id);

-- 20240920_add_user_stats: these three were created without foreign keys
create table public.user_stats (
  user_id uuid primary key,
  points integer default 0,
  level integer default 1,
  streak_days integer default 0,
  total_lessons_completed integer default 0,
  total_study_time_minutes integer default 0,
  rank integer,
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);
create table public.user_achievements (
  id uuid primary key default gen_random_uuid(),
  user_id uuid,
  badge_id text not null,
  title text not null,
  description text,
  icon text,
  rarity text default 'common',
  earned_at timestamptz default now()
);
create table public.user_activities (
  id uuid primary key default gen_random_uuid(),
  user_id uuid,
  type text,
  title text not null,
  description text,
  icon text,
  metadata jsonb,
  created_at timestamptz default now()
);

create table public.user_courses (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references auth.users(id),
  course_id uuid references public.courses(id),
  status text default 'in_progress',
  progress_percentage integer default 0,
  started_at timestamptz default now(),
  last_accessed_at timestamptz default now(),
  completed_at timestamptz,
  unique (user_id, course_id)
);

create table public.salon_invitations (
  id uuid primary key default gen_random_uuid(),
  salon_id uuid references public.salons(id) on delete cascade,
  invited_by uuid references auth.users(id),
  email text,
  token text unique not null default replace(gen_random_uuid()::text, '-', ''),
  expires_at timestamptz default now() + interval '7 days',
  used_at timestamptz,
  used_by uuid,
  created_at timestamptz default now()
);

-- functions, triggers, views --------------------------------------------------------------

create or replace function public.handle_new_user() returns trigger
language plpgsql security definer set search_path = public as $$
begin
  insert into public.profiles (id, email, full_name)
  values (new.id, new.email, new.raw_user_meta_data ->> 'full_name')
  on conflict (id) do nothing;
  insert into public.user_stats (user_id) values (new.id) on conflict do nothing;
  return new;
end $$;
create trigger on_auth_user_created after insert on auth.users
  for each row execute function public.handle_new_user();

create or replace function public.update_updated_at() returns trigger
language plpgsql as $$ begin new.updated_at = now(); return new; end $$;
create trigger update_profiles_updated_at before update on public.profiles
  for each row execute function public.update_updated_at();
create trigger update_salons_updated_at before update on public.salons
  for each row execute function public.update_updated_at();

create or replace function public.user_is_salon_member(p_salon_id uuid, p_user_id uuid) returns boolean
language sql security definer set search_path = public stable as $$
  select exists (select 1 from salon_members where salon_id = p_salon_id and user_id = p_user_id)
$$;

create or replace function public.update_member_count() returns trigger
language plpgsql security definer set search_path = public as $$
begin
  if tg_op = 'INSERT' then
    update salons set member_count = member_count + 1 where id = new.salon_id;
  elsif tg_op = 'DELETE' then
    update salons set member_count = member_count - 1 where id = old.salon_id;
  end if;
  return null;
end $$;
create trigger update_member_count after insert or delete on public.salon_members
  for each row execute function public.update_member_count();

create or replace function public.update_message_count() returns trigger
language plpgsql security definer set search_path = public as $$
begin
  if new.salon_id is not null then
    update salons set message_count = message_count + 1 where id = new.salon_id;
  end if;
  return null;
end $$;
create trigger update_message_count after insert on public.chat_messages
  for each row execute function public.update_message_count();

create or replace function public.create_salon_with_code(p_name text, p_description text default null,
                                                         p_category text default null, p_city text default null)
returns json language plpgsql security definer set search_path = public as $$
declare v_id uuid; v_code text;
begin
  v_code := upper(substr(md5(random()::text), 1, 6));
  insert into salons (name, description, category, city, owner_id, share_code)
  values (p_name, p_description, p_category, p_city, auth.uid(), v_code) returning id into v_id;
  insert into salon_members (salon_id, user_id, role) values (v_id, auth.uid(), 'owner');
  return json_build_object('id', v_id, 'share_code', v_code);
end $$;

create or replace function public.join_salon_via_code(p_code text) returns json
language plpgsql security definer set search_path = public as $$
declare v_id uuid;
begin
  select id into v_id from salons where share_code = p_code;
  if v_id is null then return json_build_object('success', false); end if;
  insert into salon_members (salon_id, user_id) values (v_id, auth.uid()) on conflict do nothing;
  return json_build_object('success', true, 'salon_id', v_id);
end $$;

create or replace function public.get_table_columns(p_table text) returns table (column_name text, data_type text)
language sql security definer set search_path = public as $$
  select column_name::text, data_type::text from information_schema.columns where table_name = p_table
$$;

create view public.chat_messages_with_profiles as
select cm.id, cm.content, cm.created_at, cm.user_id, p.full_name, p.avatar_url
  from public.chat_messages cm left join public.profiles p on cm.user_id = p.id
 where cm.is_deleted = false;

create view public.my_salons as
select s.*, sm.role, sm.joined_at, sm.last_seen_at
  from public.salons s join public.salon_members sm on s.id = sm.salon_id
 where sm.user_id = auth.uid();

create view public.salons_with_details as
select s.*, p.full_name as owner_name, p.avatar_url as owner_avatar,
       (select count(*) from public.salon_members where salon_id = s.id) as actual_member_count,
       (select count(*) from public.chat_messages where salon_id = s.id and created_at > current_date) as messages_today
  from public.salons s left join public.profiles p on s.owner_id = p.id;

-- policies (the seed's, holes included) -----------------------------------------------------

alter table public.profiles enable row level security;
create policy view_public on public.profiles for select using (true);
create policy update_own on public.profiles for update using (auth.uid() = id);
create policy insert_own on public.profiles for insert with check (auth.uid() = id);
alter table public.salons enable row level security;
create policy view_public on public.salons for select using (true);
create policy insert_authenticated on public.salons for insert with check (auth.role() = 'authenticated');
create policy update_owner on public.salons for update using (auth.uid() = owner_id);
create policy delete_owner on public.salons for delete using (auth.uid() = owner_id);
alter table public.salon_members enable row level security;
create policy view_members on public.salon_members for select using (public.user_is_salon_member(salon_id, auth.uid()));
create policy insert_join on public.salon_members for insert with check (auth.uid() = user_id);
create policy delete_leave on public.salon_members for delete using (auth.uid() = user_id);
alter table public.chat_messages enable row level security;
create policy view_salon_messages on public.chat_messages for select using (public.user_is_salon_member(salon_id, auth.uid()));
create policy insert_own on public.chat_messages for insert with check (auth.uid() = user_id);
create policy update_own on public.chat_messages for update using (auth.uid() = user_id);
alter table public.message_reactions enable row level security;
create policy view_reactions on public.message_reactions for select using (true);
create policy manage_own on public.message_reactions for all using (auth.uid() = user_id);
alter table public.courses enable row level security;
create policy view_published on public.courses for select using (is_published = true);
alter table public.lessons enable row level security;
create policy view_course_lessons on public.lessons for select using (true);
alter table public.user_lesson_progress enable row level security;
create policy manage_own on public.user_lesson_progress for all using (auth.uid() = user_id);
alter table public.enrollments enable row level security;
create policy view_own on public.enrollments for select using (auth.uid() = user_id);
create policy insert_own on public.enrollments for insert with check (auth.uid() = user_id);
alter table public.user_stats enable row level security;
create policy manage_own on public.user_stats for all using (auth.uid() = user_id);
alter table public.user_achievements enable row level security;
create policy view_own on public.user_achievements for select using (auth.uid() = user_id);
alter table public.user_activities enable row level security;
create policy view_own on public.user_activities for select using (auth.uid() = user_id);

-- storage: the three public buckets and the app's policies on them
insert into storage.buckets (id, name, public) values
  ('avatars', 'avatars', true), ('salon-avatars', 'salon-avatars', true), ('covers', 'covers', true)
on conflict (id) do nothing;
create policy "Avatar images are publicly accessible" on storage.objects for select
  using (bucket_id in ('avatars', 'salon-avatars', 'covers'));
create policy "Authenticated users can upload" on storage.objects for insert
  with check (bucket_id in ('avatars', 'covers') and auth.role() = 'authenticated');
create policy "Salon owners upload salon avatars" on storage.objects for insert
  with check (bucket_id = 'salon-avatars'
              and exists (select 1 from public.salons s where s.owner_id = auth.uid()));
create policy "Owners update their files" on storage.objects for update using (auth.uid() = owner);
create policy "Owners delete their files" on storage.objects for delete using (auth.uid() = owner);

-- realtime
do $$ begin
  if exists (select from pg_publication where pubname = 'supabase_realtime' and not puballtables) then
    alter publication supabase_realtime add table public.chat_messages, public.message_reactions,
                                                  public.profiles, public.salon_members;
  end if;
end $$;
