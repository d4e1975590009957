-- The two baselines the benchmarks compare aurora with, on copies of the same data.
--
-- `bare`: the physical limit of a message insert: chat_messages with its indexes and
-- constraints' indexes, no RLS, no triggers.
--
-- `seed`: the PL/pgSQL way, as a Supabase project writes the seed's functions and triggers:
-- the same tables and indexes, RLS with `(select auth.uid())` and the seed's
-- user_is_salon_member(), a counter trigger updating the salon row, the freemium quota as
-- a trigger, toggle/summary/sweep in PL/pgSQL and SQL. Written fairly: no deliberate
-- slowness, same indexes.
\set ON_ERROR_STOP on

drop schema if exists bare cascade;
drop schema if exists seed cascade;
create schema bare;
create schema seed;

create table bare.chat_messages (like public.chat_messages including defaults including indexes including constraints);
alter table bare.chat_messages alter column id set default nextval('public.chat_messages_id_seq');

-- the seed's profile indexes (its state document): email, status, last activity, and
-- the Stripe customer's unique constraint; not aurora's partial ones
-- (the seed keeps a member's account in her profile row: aurora's two tables, joined)
create table seed.profiles (like public.my_account);
insert into seed.profiles select * from public.my_account;
alter table seed.profiles drop column account_updated_at;
alter table seed.profiles add primary key (id), add unique (stripe_customer_id);
create index idx_profiles_email on seed.profiles (lower(email));
create index idx_profiles_status on seed.profiles (presence_status);
create index idx_profiles_last_activity on seed.profiles (last_activity);
create table seed.salons (like public.salons including defaults including indexes including constraints);
alter table seed.salons add column share_code text unique;  -- the seed keeps it in salons
insert into seed.salons select s.*, c.share_code from public.salons s left join public.salon_share_codes c on c.salon_id = s.id;
update seed.salons s set member_count = (select count(*) from public.salon_members m where m.salon_id = s.id),
                         message_count = (select count(*) from public.chat_messages c where c.salon_id = s.id);
create table seed.salon_members (like public.salon_members including defaults including indexes including constraints);
insert into seed.salon_members select * from public.salon_members;
create table seed.chat_messages (like public.chat_messages including defaults including indexes including constraints);
insert into seed.chat_messages select * from public.chat_messages;
alter table seed.chat_messages alter column id set default nextval('public.chat_messages_id_seq');
alter table seed.chat_messages alter column user_id set default auth.uid();
create table seed.message_reactions (like public.message_reactions including defaults including indexes including constraints);
insert into seed.message_reactions select * from public.message_reactions;
alter table seed.message_reactions alter column id set default nextval('public.message_reactions_id_seq');
create table seed.settings as select 1000000 as daily_messages;

create function seed.user_is_salon_member(p_salon uuid, p_user uuid) returns boolean
language sql stable security definer set search_path = seed, public as $$
    select exists (select 1 from seed.salon_members where salon_id = p_salon and user_id = p_user)
$$;

alter table seed.chat_messages enable row level security;
create policy view_salon_messages on seed.chat_messages for select to authenticated
    using (seed.user_is_salon_member(salon_id, (select auth.uid())) and not is_deleted);
create policy insert_own on seed.chat_messages for insert to authenticated
    with check (user_id = (select auth.uid()) and seed.user_is_salon_member(salon_id, (select auth.uid())));
alter table seed.message_reactions enable row level security;
create policy view_reactions on seed.message_reactions for select to authenticated
    using (seed.user_is_salon_member(salon_id, (select auth.uid())));
create policy manage_own on seed.message_reactions for all to authenticated
    using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
alter table seed.profiles enable row level security;
create policy view_public on seed.profiles for select to authenticated using (true);

-- the seed's triggers: the freemium quota and the salon counters
create function seed.check_message_quota() returns trigger
language plpgsql security definer set search_path = seed, public as $$
declare
    limit_per_day integer := (select daily_messages from seed.settings);
begin
    new.content := btrim(new.content);
    update seed.profiles p
       set daily_chat_count = case when coalesce((p.last_activity_reset at time zone 'Europe/Paris')::date
                                                 < (now() at time zone 'Europe/Paris')::date, true)
                                   then 1 else p.daily_chat_count + 1 end,
           last_activity_reset = now()
     where p.id = new.user_id
       and (p.subscription_type <> 'freemium' or p.daily_chat_count < limit_per_day);
    if not found then
        raise exception 'daily message limit reached' using errcode = 'PT402';
    end if;
    return new;
end $$;
create trigger check_message_quota before insert on seed.chat_messages
    for each row execute function seed.check_message_quota();

create function seed.update_message_count() returns trigger
language plpgsql security definer set search_path = seed, public as $$
begin
    update seed.salons set message_count = message_count + 1 where id = new.salon_id;
    return null;
end $$;
create trigger update_message_count after insert on seed.chat_messages
    for each row execute function seed.update_message_count();

create function seed.toggle_message_reaction(p_message_id bigint, p_emoji text) returns jsonb
language plpgsql security definer set search_path = seed, public as $$
declare
    v_salon uuid;
    v_removed boolean;
    v_count integer;
begin
    select salon_id into v_salon from seed.chat_messages where id = p_message_id and not is_deleted;
    if v_salon is null or not seed.user_is_salon_member(v_salon, auth.uid()) then
        raise exception 'message not found' using errcode = 'PT404';
    end if;
    delete from seed.message_reactions
     where salon_id = v_salon and message_id = p_message_id and user_id = auth.uid() and emoji = p_emoji;
    v_removed := found;
    if not v_removed then
        insert into seed.message_reactions (salon_id, message_id, user_id, emoji)
        values (v_salon, p_message_id, auth.uid(), p_emoji) on conflict do nothing;
    end if;
    select count(*) into v_count from seed.message_reactions
     where salon_id = v_salon and message_id = p_message_id and emoji = p_emoji;
    return jsonb_build_object('action', case when v_removed then 'removed' else 'added' end, 'count', v_count);
end $$;

create function seed.get_all_message_reactions_batch(p_message_ids bigint[])
returns table (message_id bigint, emoji text, count integer, reacted_by_me boolean, reactors jsonb)
language sql stable set search_path = seed, public as $$
    select r.message_id, r.emoji, count(*)::int, bool_or(r.user_id = auth.uid()),
           jsonb_path_query_array(jsonb_agg(jsonb_build_object('user_id', r.user_id, 'full_name', p.full_name)
                                            order by r.created_at, r.id), '$[0 to 2]')
      from seed.message_reactions r
      join seed.chat_messages m on m.salon_id = r.salon_id and m.id = r.message_id
      left join seed.profiles p on p.id = r.user_id
     where r.message_id = any(p_message_ids)
     group by r.message_id, r.emoji
$$;

create function seed.check_inactive_users() returns integer
language plpgsql security definer set search_path = seed, public as $$
declare
    n integer;
begin
    update seed.profiles
       set presence_status = 'offline', status = 'offline', status_updated_at = now()
     where presence_status <> 'offline' and not is_manual_status
       and last_activity < now() - make_interval(secs => auto_offline_after);
    get diagnostics n = row_count;
    return n;
end $$;

-- joins by code update the salon's member_count in place, as the seed's trigger does
create function seed.update_member_count() returns trigger
language plpgsql security definer set search_path = seed, public as $$
begin
    if tg_op = 'INSERT' then
        update seed.salons set member_count = member_count + 1 where id = new.salon_id;
    else
        update seed.salons set member_count = member_count - 1 where id = old.salon_id;
    end if;
    return null;
end $$;
create trigger update_member_count after insert or delete on seed.salon_members
    for each row execute function seed.update_member_count();

create function seed.join_salon_via_code(p_code text) returns jsonb
language plpgsql security definer set search_path = seed, public as $$
declare
    v_salon seed.salons;
begin
    if auth.uid() is null then
        raise exception 'sign in first' using errcode = '42501';
    end if;
    select * into v_salon from seed.salons where share_code = upper(btrim(p_code)) and is_active;
    if v_salon.id is null then
        return null;
    end if;
    insert into seed.salon_members (salon_id, user_id) values (v_salon.id, auth.uid())
    on conflict do nothing;
    return to_jsonb(v_salon);
end $$;

create function seed.leave_salon(p_salon uuid) returns jsonb
language plpgsql security definer set search_path = seed, public as $$
begin
    delete from seed.salon_members where salon_id = p_salon and user_id = auth.uid() and role <> 'owner';
    return jsonb_build_object('left', found);
end $$;

create function seed.update_user_activity() returns jsonb
language plpgsql security definer set search_path = seed, public as $$
begin
    update seed.profiles
       set last_activity = now(),
           presence_status = case when is_manual_status then presence_status else 'online' end,
           status_updated_at = now()
     where id = auth.uid();
    return jsonb_build_object('presence_status', 'online');
end $$;

create table seed.user_lesson_progress (like public.user_lesson_progress including defaults including indexes including constraints);
insert into seed.user_lesson_progress select * from public.user_lesson_progress;
create table seed.user_stats (like public.user_stats including defaults including indexes including constraints);
insert into seed.user_stats select * from public.user_stats;

create function seed.update_lesson_progress(p_lesson uuid, p_position integer, p_watch integer, p_completion integer)
returns jsonb
language plpgsql security definer set search_path = seed, public as $$
declare
    v_before text;
    v_after text;
begin
    if auth.uid() is null then
        raise exception 'sign in first' using errcode = '42501';
    end if;
    select status into v_before from seed.user_lesson_progress
     where user_id = auth.uid() and lesson_id = p_lesson for update;
    insert into seed.user_lesson_progress as p (user_id, lesson_id, status, completion_percentage,
                                                last_video_position, watch_time_seconds, started_at, completed_at)
    values (auth.uid(), p_lesson, case when p_completion >= 90 then 'completed' else 'in_progress' end,
            p_completion, p_position, p_watch, now(), case when p_completion >= 90 then now() end)
    on conflict (user_id, lesson_id) do update
       set completion_percentage = greatest(p.completion_percentage, excluded.completion_percentage),
           last_video_position = excluded.last_video_position,
           watch_time_seconds = greatest(p.watch_time_seconds, excluded.watch_time_seconds),
           status = case when p.status = 'completed' or excluded.completion_percentage >= 90
                         then 'completed' else 'in_progress' end,
           completed_at = coalesce(p.completed_at, excluded.completed_at)
    returning status into v_after;
    if v_after = 'completed' and coalesce(v_before, '') <> 'completed' then
        update seed.user_stats set points = points + 10, level = 1 + (points + 10) / 100,
                                   total_lessons_completed = total_lessons_completed + 1
         where user_id = auth.uid();
    end if;
    return jsonb_build_object('status', v_after);
end $$;

grant usage on schema seed, bare to authenticated, service_role;
grant select, insert, update, delete on all tables in schema seed to authenticated, service_role;
grant all on all tables in schema bare to authenticated, service_role;
grant execute on all functions in schema seed to authenticated, service_role;
vacuum analyze;
