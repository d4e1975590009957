-- The equal-work baseline: the benchmarked paths (send, toggle, join + leave, progress) as a
-- good Supabase developer would write them in PL/pgSQL to get everything aurora does on them:
-- the same tables with the same columns, checks, indexes, foreign keys, policies and
-- defaults (copies in schema `eq`, data included), and, per call, the same rows written per
-- table, the same answers (the same composite types) and the same SQLSTATEs, messages and
-- hints. Quota, day history, badges and their points and activity, sharded counters, the
-- wrong-code rate limit, forward-only progress, watch time credited against the wall clock,
-- course completion with its email: all of it, each in the statements a PL/pgSQL developer
-- would write (the same single-statement CTEs where aurora uses one).
--
-- Kept in step with aurora by tests/equal_work.sh, which runs both on the same inputs and
-- compares the answers, the errors and the rows written per table (pg_stat_xact_user_tables).
-- Where a rule is hard to say in SQL it is said the way such a developer would: the emoji
-- check is a regular expression over the same code points (aurora segments graphemes).
--
-- Loaded on a database with aurora and its data (bench/data.sql); idempotent.
\set ON_ERROR_STOP on

drop schema if exists eq cascade;
create schema eq;

-- tables: copies with data, then the foreign keys between the copies (to auth.users as is)
do $$
declare
    tables text[] := array['profiles', 'member_accounts', 'aurora_settings', 'salons', 'salon_share_codes',
                           'salon_members', 'salon_counter_shards', 'salon_join_attempts', 'chat_messages',
                           'message_reactions', 'user_stats', 'user_progress_history', 'user_achievements',
                           'user_activities', 'courses', 'lessons', 'enrollments', 'user_lesson_progress',
                           'user_courses', 'email_outbox'];
    t text;
    x text;
    c record;
    def text;
begin
    perform set_config('search_path', 'pg_catalog', true);  -- constraint texts name their schema
    foreach t in array tables loop
        execute format('create table eq.%I (like public.%I including all)', t, t);
        execute format('insert into eq.%I select * from public.%I', t, t);
    end loop;
    foreach t in array tables loop
        for c in select conname, pg_get_constraintdef(oid) as def from pg_constraint
                  where conrelid = format('public.%I', t)::regclass and contype = 'f' order by conname loop
            def := c.def;
            foreach x in array tables loop
                def := replace(def, 'REFERENCES public.' || x || '(', 'REFERENCES eq.' || x || '(');
            end loop;
            execute format('alter table eq.%I add constraint %I %s', t, c.conname, def);
        end loop;
    end loop;
end
$$;

-- the badge catalogue (aurora keeps it in its library)
create table eq.badges (id text primary key, title text not null, description text not null, icon text not null,
                        rarity public.badge_rarity not null, points integer not null);
insert into eq.badges values
    ('first_message', 'Première parole', 'Premier message dans un salon', '💬', 'common', 10),
    ('salon_founder', 'Fondatrice', 'A créé un salon', '🏛️', 'uncommon', 20),
    ('first_lesson', 'Premier pas', 'Première leçon terminée', '🎓', 'common', 10),
    ('first_course', 'Parcours accompli', 'Premier cours terminé', '🏆', 'rare', 50),
    ('streak_3', 'Belle régularité', '3 jours d''affilée', '🔥', 'common', 5),
    ('streak_7', 'Une semaine entière', '7 jours d''affilée', '🌟', 'uncommon', 15),
    ('streak_30', 'Un mois de constance', '30 jours d''affilée', '💎', 'epic', 50),
    ('streak_100', 'Cent jours', '100 jours d''affilée', '👑', 'legendary', 150);

-- rules as SQL functions (inlined) -------------------------------------------------------
create function eq.paris_day_changed(last_reset timestamptz) returns boolean
language sql stable parallel safe as $$
    select coalesce((last_reset at time zone 'Europe/Paris')::date < (now() at time zone 'Europe/Paris')::date, true)
$$;

create function eq.entitlement(subscription_type public.subscription_type, trial_ends_at timestamptz)
returns public.subscription_type language sql stable parallel safe as $$
    select case when subscription_type = 'premium' then 'premium'
                when subscription_type = 'trial' and trial_ends_at > now() then 'trial'
                else 'freemium' end::public.subscription_type
$$;

create function eq.level_for(points integer) returns integer
language sql immutable strict parallel safe as $$ select 1 + greatest(points, 0) / 100 $$;

create function eq.valid_emoji(e text) returns boolean
language sql immutable parallel safe as $$
    select coalesce(octet_length(e) between 1 and 32, false)
       and (e ~ '^[\U0001F000-\U0001FAFF\u2600-\u27BF\u2300-\u23FF\u2B00-\u2BFF\u2190-\u21FF\u2934\u2935\u3030\u303D\u3297\u3299\u00A9\u00AE\u203C\u2049\u2122\u2139\u24C2\u25AA-\u25FE][\uFE0F\uFE0E\U0001F3FB-\U0001F3FF\U000E0020-\U000E007F]*(\u200D[\U0001F000-\U0001FAFF\u2600-\u27BF\u2300-\u23FF\u2B00-\u2BFF\u2190-\u21FF\u2640\u2642\u2695][\uFE0F\uFE0E\U0001F3FB-\U0001F3FF]*)*$'
            or e ~ '^[0-9#*]\uFE0F?\u20E3$')
$$;

-- who calls: a member (role authenticated or a direct session with a subject), never anon
-- or service_role, and not a member whose erasure has started
create function eq.require_user() returns uuid
language plpgsql stable security definer set search_path = pg_catalog, pg_temp as $$
declare
    me uuid := auth.uid();
begin
    if me is null or current_setting('role') in ('anon', 'service_role') then
        raise exception 'sign in first' using errcode = '42501', hint = 'Connectez-vous pour continuer.';
    end if;
    if exists (select from aurora_private.erasures e where e.user_id = me) then
        raise exception 'this account is being erased' using errcode = '42501', hint = 'Ce compte est en cours de suppression.';
    end if;
    return me;
end
$$;

create function eq.my_salon_ids() returns setof uuid
language plpgsql stable security definer set search_path = pg_catalog, pg_temp rows 20 as $$
begin
    return query select m.salon_id from eq.salon_members m where m.user_id = (select auth.uid());
end
$$;

-- triggers ---------------------------------------------------------------------------------
create function eq.set_updated_at() returns trigger language plpgsql as $$
begin
    new.updated_at := now();
    return new;
end
$$;
create trigger member_accounts_updated_at before update of email, bio, city, interests, cover_url,
    current_salon_id, onboarding_completed, onboarding_answers, subscription_type, subscription_started_at,
    trial_ends_at, stripe_customer_id on eq.member_accounts for each row execute function eq.set_updated_at();
create trigger salons_updated_at before update of name, description, avatar_url, category, city, color_theme,
    owner_id, is_active on eq.salons for each row execute function eq.set_updated_at();
create trigger user_stats_updated_at before update on eq.user_stats for each row execute function eq.set_updated_at();
create trigger user_lesson_progress_updated_at before update on eq.user_lesson_progress
    for each row execute function eq.set_updated_at();
create trigger user_courses_updated_at before update on eq.user_courses for each row execute function eq.set_updated_at();

create function eq.email_outbox_notify() returns trigger language plpgsql set search_path = pg_catalog, pg_temp as $$
begin
    perform pg_notify('aurora_email_outbox', '');
    return null;
end
$$;
create trigger email_outbox_notify after insert on eq.email_outbox for each statement execute function eq.email_outbox_notify();

-- gamification: points with today's history, an activity, a badge once with its points
create function eq.add_points(p_user uuid, p_points integer) returns void
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
begin
    if p_points <= 0 then
        return;
    end if;
    with s as (
        update eq.user_stats set points = points + p_points, level = eq.level_for(points + p_points)
         where user_id = p_user
    )
    insert into eq.user_progress_history as h (user_id, activity_date, points_earned)
    values (p_user, (now() at time zone 'Europe/Paris')::date, p_points)
    on conflict (user_id, activity_date) do update set points_earned = h.points_earned + excluded.points_earned;
end
$$;

create function eq.record_activity(p_user uuid, p_type text, p_title text, p_icon text, p_metadata jsonb) returns void
language sql security definer set search_path = pg_catalog, pg_temp as $$
    insert into eq.user_activities (user_id, type, title, icon, metadata) values (p_user, p_type, p_title, p_icon, p_metadata)
$$;

create function eq.badge_awarded(p_user uuid, p_badge text) returns void
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
    b eq.badges;
begin
    select * into b from eq.badges where id = p_badge;
    perform eq.add_points(p_user, b.points);
    perform eq.record_activity(p_user, 'achievement_earned', 'Badge obtenu : ' || b.title, b.icon,
                               jsonb_build_object('badge_id', b.id, 'rarity', b.rarity));
end
$$;

create function eq.award_badge(p_user uuid, p_badge text) returns boolean
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
begin
    insert into eq.user_achievements (user_id, badge_id, title, description, icon, rarity)
    select p_user, b.id, b.title, b.description, b.icon, b.rarity from eq.badges b where b.id = p_badge
    on conflict (user_id, badge_id) do nothing;
    if found then
        perform eq.badge_awarded(p_user, p_badge);
    end if;
    return found;
end
$$;

-- send: the insert guard counts the message against her day (Paris), with its history, the
-- first-message badge and the salon's counter shard, in one statement
create function eq.chat_messages_guard() returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
    counted integer;
    new_badge integer;
    lim integer;
begin
    new.content := btrim(new.content);
    if current_setting('role') is not distinct from 'authenticated' then
        with lim as (select freemium_daily_messages as n from eq.aurora_settings),
        q as (
            update eq.member_accounts p
               set daily_chat_count = case when eq.paris_day_changed(p.last_activity_reset) then 1 else p.daily_chat_count + 1 end,
                   daily_profile_views = case when eq.paris_day_changed(p.last_activity_reset) then 0 else p.daily_profile_views end,
                   last_activity_reset = case when eq.paris_day_changed(p.last_activity_reset) then now() else p.last_activity_reset end,
                   conversion_triggers = case
                       when eq.entitlement(p.subscription_type, p.trial_ends_at) = 'freemium'
                            and (case when eq.paris_day_changed(p.last_activity_reset) then 1 else p.daily_chat_count + 1 end) = (select n from lim)
                       then p.conversion_triggers || jsonb_build_array(jsonb_build_object(
                                'type', 'daily_message_limit', 'limit', (select n from lim), 'at', now()))
                       else p.conversion_triggers end
             where p.id = new.user_id
               and (eq.entitlement(p.subscription_type, p.trial_ends_at) <> 'freemium'
                    or eq.paris_day_changed(p.last_activity_reset) or p.daily_chat_count < (select n from lim))
            returning p.id, p.daily_chat_count = 1 as first_of_day
        ), h as (
            insert into eq.user_progress_history as h (user_id, activity_date, messages_sent)
            select id, (now() at time zone 'Europe/Paris')::date, 1 from q
            on conflict (user_id, activity_date) do update set messages_sent = h.messages_sent + 1
        ), b as (
            insert into eq.user_achievements (user_id, badge_id, title, description, icon, rarity)
            select q.id, bd.id, bd.title, bd.description, bd.icon, bd.rarity
              from q, eq.badges bd where q.first_of_day and bd.id = 'first_message'
            on conflict (user_id, badge_id) do nothing
            returning 1
        ), c as (
            insert into eq.salon_counter_shards as s (salon_id, shard, message_delta)
            select new.salon_id, pg_backend_pid() % 16, 1 from q where not new.is_deleted
            on conflict (salon_id, shard) do update set message_delta = s.message_delta + 1
        )
        select (select count(*) from q), (select count(*) from b), (select n from lim) into counted, new_badge, lim;
        if counted = 0 then
            if exists (select 1 from eq.profiles where id = new.user_id) then
                raise exception 'daily message limit reached' using errcode = 'PT402',
                    detail = format('freemium members can send %s messages a day; the count resets at midnight (Paris)', lim),
                    hint = 'Vous avez atteint la limite de messages du jour. Passez à Premium pour échanger sans limite.';
            end if;
            raise exception 'no profile for this user' using errcode = '42501', hint = 'Profil introuvable.';
        end if;
        if new_badge > 0 then
            perform eq.badge_awarded(new.user_id, 'first_message');
        end if;
    end if;
    return new;
end
$$;
create trigger chat_messages_guard before insert on eq.chat_messages for each row execute function eq.chat_messages_guard();

create function eq.chat_message_counters() returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
    delta integer;
    salon uuid;
begin
    if tg_op = 'INSERT' then
        delta := case when new.is_deleted then 0 else 1 end; salon := new.salon_id;
    elsif tg_op = 'DELETE' then
        delta := case when old.is_deleted then 0 else -1 end; salon := old.salon_id;
    else
        delta := (case when new.is_deleted then 0 else 1 end) - (case when old.is_deleted then 0 else 1 end); salon := new.salon_id;
    end if;
    if delta <> 0 then
        insert into eq.salon_counter_shards as s (salon_id, shard, message_delta)
        select salon, pg_backend_pid() % 16, delta where exists (select 1 from eq.salons where id = salon)
        on conflict (salon_id, shard) do update set message_delta = s.message_delta + excluded.message_delta;
    end if;
    return null;
end
$$;
create trigger chat_messages_counters after delete or update of is_deleted on eq.chat_messages
    for each row execute function eq.chat_message_counters();
create trigger chat_messages_counters_insert after insert on eq.chat_messages
    for each row when (current_setting('role') is distinct from 'authenticated') execute function eq.chat_message_counters();

alter table eq.chat_messages alter column user_id set default auth.uid();
alter table eq.message_reactions alter column user_id set default auth.uid();
alter table eq.chat_messages enable row level security;
create policy chat_messages_select_members on eq.chat_messages for select to authenticated
    using (salon_id in (select eq.my_salon_ids()) and not is_deleted);
create policy chat_messages_insert_members on eq.chat_messages for insert to authenticated
    with check (user_id = (select auth.uid()) and salon_id in (select eq.my_salon_ids()));
create policy chat_messages_update_own on eq.chat_messages for update to authenticated
    using (user_id = (select auth.uid()) and not is_deleted)
    with check (user_id = (select auth.uid()) and salon_id in (select eq.my_salon_ids()));
alter table eq.message_reactions enable row level security;
create policy message_reactions_select_members on eq.message_reactions for select to authenticated
    using (salon_id in (select eq.my_salon_ids()));
create policy message_reactions_insert_own on eq.message_reactions for insert to authenticated
    with check (user_id = (select auth.uid()) and salon_id in (select eq.my_salon_ids()));
create policy message_reactions_delete_own on eq.message_reactions for delete to authenticated
    using (user_id = (select auth.uid()));
alter table eq.salon_members enable row level security;
create policy salon_members_select on eq.salon_members for select to authenticated
    using (salon_id in (select eq.my_salon_ids()));
alter table eq.member_accounts enable row level security;
create policy member_accounts_select_own on eq.member_accounts for select to authenticated
    using (id = (select auth.uid()));

-- toggle: the reaction row's salon comes from the message, as the caller sees it
create function eq.reaction_fill_salon() returns trigger
language plpgsql set search_path = pg_catalog, pg_temp as $$
declare
    found_salon uuid;
begin
    select salon_id into found_salon from eq.chat_messages where id = new.message_id and not is_deleted;
    if found_salon is null or (new.salon_id is not null and new.salon_id <> found_salon) then
        raise exception 'message not found' using errcode = '23503',
            detail = 'The message does not exist, was deleted, or is in a salon you are not a member of.',
            hint = 'Ce message n''existe plus.';
    end if;
    new.salon_id := found_salon;
    return new;
end
$$;
create trigger message_reactions_fill_salon before insert on eq.message_reactions
    for each row execute function eq.reaction_fill_salon();

create function eq.toggle_message_reaction(message_id bigint, emoji text) returns public.reaction_answer
language plpgsql volatile security definer set search_path = pg_catalog, pg_temp as $$
declare
    me uuid := eq.require_user();
    deleted boolean;
    removed boolean;
    n bigint;
    had boolean;
    act text;
begin
    if message_id is null then
        raise exception 'message_id is required' using errcode = '22023', hint = 'Message manquant.';
    end if;
    if not eq.valid_emoji(emoji) then
        raise exception 'emoji must be a single emoji' using errcode = '22023', hint = 'Réaction invalide.';
    end if;
    with msg as (
        select m.salon_id, m.is_deleted from eq.chat_messages m
         where m.id = toggle_message_reaction.message_id
           and exists (select 1 from eq.salon_members sm where sm.salon_id = m.salon_id and sm.user_id = me)
    ), d as (
        delete from eq.message_reactions r using msg
         where not msg.is_deleted and r.salon_id = msg.salon_id and r.message_id = toggle_message_reaction.message_id
           and r.user_id = me and r.emoji = toggle_message_reaction.emoji
        returning 1
    ), i as (
        insert into eq.message_reactions (salon_id, message_id, user_id, emoji)
        select msg.salon_id, toggle_message_reaction.message_id, me, toggle_message_reaction.emoji from msg
         where not msg.is_deleted and not exists (select 1 from d)
        on conflict do nothing
    )
    select msg.is_deleted, exists (select 1 from d), c.n, c.mine into deleted, removed, n, had
      from msg, lateral (select count(*) as n, coalesce(bool_or(r.user_id = me), false) as mine
                           from eq.message_reactions r
                          where r.salon_id = msg.salon_id and r.message_id = toggle_message_reaction.message_id
                            and r.emoji = toggle_message_reaction.emoji) c;
    if not found then
        raise exception 'message not found' using errcode = 'PT404', hint = 'Ce message n''existe pas.';
    end if;
    if deleted then
        raise exception 'message not found' using errcode = 'PT404', hint = 'Ce message a été supprimé.';
    end if;
    act := case when removed then 'removed' else 'added' end;
    return (message_id, emoji, act, act = 'added', (n - had::int + (act = 'added')::int)::integer)::public.reaction_answer;
end
$$;

-- join and leave --------------------------------------------------------------------------
create function eq.salon_member_counters() returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
    salon uuid := coalesce(new.salon_id, old.salon_id);
    member uuid := coalesce(new.user_id, old.user_id);
    members integer := 0;
    joined integer := 0;
begin
    if tg_op = 'INSERT' then
        members := 1; joined := case when new.role <> 'owner' then 1 else 0 end;
    elsif tg_op = 'DELETE' then
        members := -1; joined := case when old.role <> 'owner' then -1 else 0 end;
    else
        joined := (case when new.role <> 'owner' then 1 else 0 end) - (case when old.role <> 'owner' then 1 else 0 end);
        if joined = 0 then
            return null;
        end if;
    end if;
    with c as (
        insert into eq.salon_counter_shards as s (salon_id, shard, member_delta)
        select salon, pg_backend_pid() % 16, members where members <> 0 and exists (select 1 from eq.salons where id = salon)
        on conflict (salon_id, shard) do update set member_delta = s.member_delta + excluded.member_delta
    )
    update eq.member_accounts set salons_joined = greatest(salons_joined + joined, 0) where id = member and joined <> 0;
    return null;
end
$$;
create trigger salon_members_counters after insert or delete or update of role on eq.salon_members
    for each row execute function eq.salon_member_counters();

create function eq.join_salon_via_code(code text) returns public.salon_answer
language plpgsql volatile security definer set search_path = pg_catalog, pg_temp as $$
declare
    me uuid := eq.require_user();
    normalized text := upper(regexp_replace(coalesce(code, ''), '[\s-]', '', 'g'));
    acct record;
    j record;
    answer public.salon_answer;
begin
    if normalized = '' or char_length(normalized) > 32 then
        raise exception 'code must be 1 to 32 characters' using errcode = '22023', hint = 'Code invalide.';
    end if;
    -- her lock first: her wrong codes and joins are counted one request at a time
    select eq.entitlement(a.subscription_type, a.trial_ends_at) as e, a.salons_joined into acct
      from eq.member_accounts a where a.id = me for update;
    if not found then
        raise exception 'profile not found' using errcode = 'PT404', hint = 'Votre profil est introuvable.';
    end if;
    select (select count(*) from eq.salon_join_attempts a
             where a.user_id = me and a.attempted_at > now() - make_interval(secs => st.join_attempt_window_seconds)) as recent,
           st.join_attempts_per_window as per_window, st.join_attempt_window_seconds as window_seconds,
           st.freemium_salons_joined as join_limit, s.id as salon, m.role
      into j
      from eq.aurora_settings st
      left join (eq.salon_share_codes c join eq.salons s on s.id = c.salon_id and s.is_active) on c.share_code = normalized
      left join eq.salon_members m on m.salon_id = s.id and m.user_id = me;
    if j.recent >= j.per_window then
        raise exception 'too many wrong codes; try again in % minutes', (j.window_seconds + 59) / 60
            using errcode = 'PT429', hint = 'Trop de codes erronés. Réessayez un peu plus tard.';
    end if;
    if j.salon is null then
        -- not an error: an error would roll back the attempt that must be counted
        delete from eq.salon_join_attempts
         where user_id = me and attempted_at < now() - make_interval(secs => j.window_seconds::double precision);
        insert into eq.salon_join_attempts (user_id) values (me);
        return null;
    end if;
    if j.role is null then
        if acct.e = 'freemium' and acct.salons_joined >= j.join_limit then
            raise exception 'freemium members can join a limited number of salons' using errcode = 'PT402',
                detail = format('limit: %s salons', j.join_limit), hint = 'Passez à Premium pour rejoindre plus de salons.';
        end if;
        with m as (insert into eq.salon_members (salon_id, user_id) values (j.salon, me)
                   on conflict (salon_id, user_id) do nothing returning 1)
        insert into eq.user_activities (user_id, type, title, icon, metadata)
        select me, 'salon_joined', 'Nouveau salon rejoint', '🤝', jsonb_build_object('salon_id', j.salon::text) from m;
    end if;
    select s.id, s.name, s.description, s.avatar_url, s.category, s.city, s.color_theme, s.owner_id, s.is_active,
           s.member_count + coalesce(x.member_delta, 0), s.message_count + coalesce(x.message_delta, 0),
           s.created_at, s.updated_at, p.full_name, p.avatar_url, s.member_count + coalesce(x.member_delta, 0),
           (select count(*) from eq.chat_messages cm
             where cm.salon_id = s.id and not cm.is_deleted
               and cm.created_at >= (date_trunc('day', now() at time zone 'Europe/Paris') at time zone 'Europe/Paris')),
           c.share_code, m.role, m.joined_at
      into answer
      from eq.salons s
      left join lateral (select sum(sh.member_delta)::int as member_delta, sum(sh.message_delta)::int as message_delta
                           from eq.salon_counter_shards sh where sh.salon_id = s.id) x on true
      left join eq.profiles p on p.id = s.owner_id
      left join eq.salon_share_codes c on c.salon_id = s.id
      left join eq.salon_members m on m.salon_id = s.id and m.user_id = me
     where s.id = j.salon;
    return answer;
end
$$;

create function eq.leave_salon(salon_id uuid) returns public.salon_departure
language plpgsql volatile security definer set search_path = pg_catalog, pg_temp as $$
declare
    me uuid := eq.require_user();
    salon uuid := leave_salon.salon_id;
    my_role public.salon_role;
    heir uuid;
begin
    if salon is null then
        raise exception 'salon_id is required' using errcode = '22023', hint = 'Salon manquant.';
    end if;
    -- a member who is not the owner just goes
    delete from eq.salon_members m where m.salon_id = salon and m.user_id = me and m.role <> 'owner';
    if found then
        return (salon, true, null, false)::public.salon_departure;
    end if;
    select m.role into my_role from eq.salon_members m where m.salon_id = salon and m.user_id = me;
    if not found then
        raise exception 'you are not a member of this salon' using errcode = 'PT404', hint = 'Vous n''êtes pas membre de ce salon.';
    end if;
    if my_role = 'owner' then
        select m.user_id into heir from eq.salon_members m
         where m.salon_id = salon and m.user_id <> me
         order by (m.role = 'moderator') desc, m.joined_at, m.user_id limit 1 for update;
        if heir is not null then
            update eq.salon_members m set role = 'owner' where m.salon_id = salon and m.user_id = heir;
            update eq.salons set owner_id = heir where id = salon;
        else
            update eq.salons set is_active = false where id = salon;
        end if;
    end if;
    delete from eq.salon_members m where m.salon_id = salon and m.user_id = me;
    return (salon, true, heir, heir is null and my_role = 'owner')::public.salon_departure;
end
$$;

-- progress --------------------------------------------------------------------------------
create function eq.queue_email(p_template text, p_member uuid, p_params jsonb, p_key text) returns boolean
language sql volatile security definer set search_path = pg_catalog, pg_temp as $$
    with queued as (
        insert into eq.email_outbox (template, user_id, recipient_email, params, idempotency_key)
        select p_template, a.id, a.email,
               case when p_params ? 'prenom'
                    then p_params || jsonb_build_object('prenom', public.email_first_name(p_params ->> 'prenom'))
                    else coalesce(p_params, '{}') end,
               p_key
          from eq.member_accounts a
         where a.id = p_member and a.email is not null
        on conflict (idempotency_key) do nothing
        returning 1
    )
    select exists (select from queued)
$$;

create function eq.complete_course_if_done(me uuid, course uuid) returns boolean
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
    before_status public.progress_status;
    just_completed boolean;
    course_title text;
    her_name text;
begin
    select status into before_status from eq.user_courses where user_id = me and course_id = course for update;
    with counts as (
        select count(*) as total, count(*) filter (where p.status = 'completed') as completed
          from eq.lessons l left join eq.user_lesson_progress p on p.lesson_id = l.id and p.user_id = me
         where l.course_id = course
    ), u as (
        insert into eq.user_courses as uc (user_id, course_id, status, progress_percentage, lessons_completed,
                                           last_accessed_at, completed_at)
        select me, course, case when completed = total then 'completed' else 'in_progress' end::public.progress_status,
               (100 * completed / greatest(total, 1))::int, completed, now(), case when completed = total then now() end
          from counts
        on conflict (user_id, course_id) do update
           set progress_percentage = excluded.progress_percentage, lessons_completed = excluded.lessons_completed,
               last_accessed_at = now(),
               status = case when uc.status = 'completed' then 'completed' else excluded.status end,
               completed_at = coalesce(uc.completed_at, excluded.completed_at)
        returning uc.status = 'completed' as done
    )
    select coalesce((select done from u), false), (select title from eq.courses where id = course),
           (select full_name from eq.profiles where id = me)
      into just_completed, course_title, her_name;
    if before_status is not distinct from 'completed' or not just_completed then
        return false;
    end if;
    perform eq.add_points(me, 50);
    perform eq.award_badge(me, 'first_course');
    perform eq.record_activity(me, 'course_completed', 'Cours terminé : ' || course_title, '🏆',
                               jsonb_build_object('course_id', course::text));
    perform eq.queue_email('course-completion', me, jsonb_build_object('prenom', her_name, 'cours', course_title),
                           'course-completion:' || me || ':' || course);
    return true;
end
$$;

create function eq.update_lesson_progress(lesson_id uuid, position_seconds integer default 0,
                                          watch_time_seconds integer default 0, completion_percentage integer default 0)
returns public.lesson_progress_answer
language plpgsql volatile security definer set search_path = pg_catalog, pg_temp as $$
declare
    me uuid := eq.require_user();
    lesson uuid := update_lesson_progress.lesson_id;
    pos integer := coalesce(position_seconds, 0);
    claimed integer := coalesce(watch_time_seconds, 0);
    pct integer := coalesce(completion_percentage, 0);
    a record;
    threshold integer;
    duration integer;
    prev record;
    credited bigint;
    watch_before integer;
    was_completed boolean;
    r public.user_lesson_progress;
    newly boolean;
    delta integer;
    course_done boolean := false;
begin
    if lesson is null then
        raise exception 'lesson_id is required' using errcode = '22023', hint = 'Leçon manquante.';
    end if;
    if pos < 0 or claimed < 0 or pct not between 0 and 100 or pos > 86400 or claimed > 864000 then
        raise exception 'position and watch time must be positive seconds, completion between 0 and 100'
            using errcode = '22023', hint = 'Progression invalide.';
    end if;
    -- may she open it: published, free or entitled, released (drip from her enrolment)
    select l.course_id, c.is_published, l.is_free,
           coalesce(eq.entitlement(p.subscription_type, p.trial_ends_at) <> 'freemium', false) as entitled,
           l.release_day_offset = 0 or coalesce(e.enrolled_at + make_interval(days => l.release_day_offset) <= now(), false) as released,
           to_jsonb(e.enrolled_at + make_interval(days => l.release_day_offset)) #>> '{}' as release_at
      into a
      from eq.lessons l join eq.courses c on c.id = l.course_id
      left join eq.member_accounts p on p.id = me
      left join eq.enrollments e on e.course_id = l.course_id and e.user_id = me
     where l.id = lesson;
    if not found or not a.is_published then
        raise exception 'lesson not found' using errcode = 'PT404', hint = 'Leçon introuvable.';
    end if;
    if not a.is_free and not a.entitled then
        raise exception 'this lesson is for premium members' using errcode = 'PT402',
            detail = 'premium or an active trial opens it', hint = 'Cette leçon est réservée aux membres Premium.';
    end if;
    if not a.released then
        raise exception '%', case when a.release_at is not null
                                  then format('this lesson is not released yet (available from %s)', a.release_at)
                                  else 'this lesson is not released yet (start the course to unlock it)' end
            using errcode = '42501', hint = 'Cette leçon n''est pas encore disponible.';
    end if;
    -- her reports on this lesson take turns: the row lock, or before her first report a
    -- transaction lock on (member, lesson)
    select p.status, p.watch_time_seconds, extract(epoch from now() - p.updated_at)::int as since into prev
      from eq.user_lesson_progress p where p.user_id = me and p.lesson_id = lesson for update;
    if not found then
        perform pg_advisory_xact_lock(hashtext(me::text), hashtext(lesson::text));
        select p.status, p.watch_time_seconds, extract(epoch from now() - p.updated_at)::int as since into prev
          from eq.user_lesson_progress p where p.user_id = me and p.lesson_id = lesson for update;
    end if;
    select st.lesson_completion_threshold, (select l.duration_minutes from eq.lessons l where l.id = lesson)
      into threshold, duration from eq.aurora_settings st;
    was_completed := prev.status is not distinct from 'completed';
    watch_before := coalesce(prev.watch_time_seconds, 0);
    -- credited: never more than the lesson lasts, nor than the wall clock since her last report
    credited := claimed;
    if duration is not null then
        credited := least(credited, duration * 60);
    end if;
    if prev.status is not null then
        credited := least(credited, prev.watch_time_seconds + greatest(prev.since, 0) + 5);
    elsif duration is null then
        credited := least(credited, 3600);
    end if;
    credited := greatest(least(credited, greatest(claimed, 0)), 0);
    insert into eq.user_lesson_progress as p (user_id, lesson_id, status, completion_percentage, last_video_position,
                                              watch_time_seconds, started_at, completed_at)
    values (me, lesson, case when pct >= threshold then 'completed' else 'in_progress' end::public.progress_status,
            pct, pos, credited, now(), case when pct >= threshold then now() end)
    on conflict on constraint user_lesson_progress_user_id_lesson_id_key do update
       set completion_percentage = greatest(p.completion_percentage, excluded.completion_percentage),
           last_video_position = excluded.last_video_position,
           watch_time_seconds = greatest(p.watch_time_seconds, excluded.watch_time_seconds),
           status = case when p.status = 'completed' or excluded.completion_percentage >= threshold
                         then 'completed' else 'in_progress' end::public.progress_status,
           completed_at = coalesce(p.completed_at, case when excluded.completion_percentage >= threshold then now() end)
    returning p.* into r;
    newly := not was_completed and r.status = 'completed';
    delta := r.watch_time_seconds - watch_before;
    -- study time and lessons completed: today's history and the totals
    with h as (
        insert into eq.user_progress_history as h (user_id, activity_date, watch_time_seconds, lessons_completed)
        values (me, (now() at time zone 'Europe/Paris')::date, delta, newly::int)
        on conflict (user_id, activity_date) do update
           set watch_time_seconds = h.watch_time_seconds + excluded.watch_time_seconds,
               lessons_completed = h.lessons_completed + excluded.lessons_completed
    )
    update eq.user_stats
       set total_study_time_minutes = total_study_time_minutes + ((watch_before + delta) / 60 - watch_before / 60),
           total_lessons_completed = total_lessons_completed + newly::int
     where user_id = me;
    if newly then
        perform eq.add_points(me, 10);
        perform eq.award_badge(me, 'first_lesson');
        perform eq.record_activity(me, 'lesson_completed', 'Leçon terminée', '✅', jsonb_build_object('lesson_id', lesson::text));
        course_done := eq.complete_course_if_done(me, a.course_id);
    end if;
    return (r.lesson_id, r.status, r.completion_percentage, newly, course_done, r.watch_time_seconds,
            r.last_video_position, r.completed_at)::public.lesson_progress_answer;
end
$$;

-- PostgREST's roles: what a member's request may use
grant usage on schema eq to authenticated, anon, service_role;
grant select, insert on eq.chat_messages to authenticated;
grant select on eq.message_reactions, eq.salon_members, eq.member_accounts to authenticated;
revoke all on function eq.chat_messages_guard(), eq.chat_message_counters(), eq.reaction_fill_salon(),
    eq.salon_member_counters(), eq.add_points(uuid, integer), eq.badge_awarded(uuid, text), eq.award_badge(uuid, text),
    eq.record_activity(uuid, text, text, text, jsonb), eq.queue_email(text, uuid, jsonb, text),
    eq.complete_course_if_done(uuid, uuid) from public;
revoke all on function eq.toggle_message_reaction(bigint, text), eq.join_salon_via_code(text), eq.leave_salon(uuid),
    eq.update_lesson_progress(uuid, integer, integer, integer), eq.my_salon_ids(), eq.require_user() from public, anon;
grant execute on function eq.toggle_message_reaction(bigint, text), eq.join_salon_via_code(text), eq.leave_salon(uuid),
    eq.update_lesson_progress(uuid, integer, integer, integer), eq.my_salon_ids(), eq.require_user() to authenticated;
analyze eq.chat_messages, eq.message_reactions, eq.salon_members, eq.member_accounts, eq.profiles, eq.salons,
    eq.user_lesson_progress, eq.lessons;
