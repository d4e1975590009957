-- Adoption of a live Aurora50 database by aurora. Run by scripts/adopt.sh (which decides
-- whether there is anything to adopt); read docs/moving-in.md for the whole move.
--
-- In ONE transaction:
--   1. the app's own objects in `public` (tables with their rows, indexes, policies and
--      triggers; views; functions; types; sequences) move, intact, to schema aurora_legacy,
--      closed to every client role; the app's triggers on auth.users are disabled, its
--      policies on storage.objects dropped (their DDL kept) and its tables leave the realtime
--      publication;
--   2. `create extension aurora`;
--   3. every legacy row is carried into aurora's tables by the rules written next to each
--      table below, with aurora's triggers off: nothing is sent or awarded (no welcome email,
--      no contact sync, no points, no activity rows);
--   4. what aurora derives is recomputed from the rows: salon counters, members' salon
--      counts, stats, levels, user_courses, sequences;
--   5. the report: for every legacy table, source = carried + reported, each reported row
--      with its reason (aurora_legacy.adoption_summary / adoption_rejects), each rule that
--      changed rows with how many (aurora_legacy.adoption_changes), every object moved,
--      disabled or dropped (aurora_legacy.adoption_objects).
-- With dry_run=true the transaction is rolled back after the report: nothing changes.
\set ON_ERROR_STOP 1
\if :{?dry_run} \else \set dry_run false \endif
set client_min_messages = warning;
-- the statements' own results are bookkeeping: only the report is printed
\o /dev/null
begin;
-- One adoption at a time, and the app's writers wait (the moves take their locks anyway).
-- Adopted means: aurora installed and the report of its adoption here. A database adopted
-- before, or by a run this one waited for, is left as it is and its report shown again.
select pg_advisory_xact_lock(hashtext('aurora adoption'));
select exists (select from pg_extension where extname = 'aurora')
       and to_regclass('aurora_legacy.adoption_summary') is not null as already_adopted \gset
\if :already_adopted
\o
select 'adopted on ' || min(at)::text || ': nothing to do' as "already adopted" from aurora_legacy.adoption_objects;
select table_name as "table", source_rows as source, carried, reported
  from aurora_legacy.adoption_summary order by 1;
rollback;
\quit
\endif

do $$
begin
    if to_regclass('auth.users') is null then
        raise exception 'no auth.users here: this is not a Supabase database'
            using errcode = 'undefined_table',
                  hint = 'Restore the project''s auth, public and storage schemas first (docs/moving-in.md).';
    end if;
    if exists (select from pg_extension where extname = 'aurora') then
        raise exception 'aurora is already installed in this database'
            using errcode = 'object_not_in_prerequisite_state',
                  hint = 'scripts/adopt.sh adopts a database that still holds Aurora50''s own schema.';
    end if;
    if to_regclass('public.profiles') is null or to_regclass('public.salons') is null
       or to_regclass('public.chat_messages') is null then
        raise exception 'public.profiles, public.salons and public.chat_messages are not all here: no Aurora50 schema to adopt'
            using errcode = 'undefined_table';
    end if;
    if to_regnamespace('aurora_legacy') is not null then
        raise exception 'schema aurora_legacy already exists'
            using errcode = 'duplicate_schema',
                  hint = 'Rename or drop it first: adoption moves the old objects there.';
    end if;
end
$$;

-- 1. Move aside --------------------------------------------------------------------------
create schema aurora_legacy;
comment on schema aurora_legacy is
    'Aurora50''s own objects as they were before aurora adopted this database (scripts/adopt.sh). Kept intact; no client role may use it.';
revoke all on schema aurora_legacy from public;

create table aurora_legacy.adoption_objects (
    kind text not null, object text not null, action text not null, ddl text,
    at timestamptz not null default now());

do $$
declare r record;
begin
    -- Relations. A table takes its indexes, constraints, policies, triggers and the
    -- sequences it owns along; those (dependency types a/i) are not moved on their own.
    for r in
        select c.relname, c.relkind
          from pg_class c
         where c.relnamespace = 'public'::regnamespace
           and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
           and not exists (select from pg_depend d
                            where d.classid = 'pg_class'::regclass and d.objid = c.oid
                              and d.deptype in ('e', 'a', 'i'))
         order by c.relkind, c.relname
    loop
        execute format('alter %s public.%I set schema aurora_legacy',
                       case r.relkind when 'v' then 'view' when 'm' then 'materialized view'
                                      when 'S' then 'sequence' when 'f' then 'foreign table'
                                      else 'table' end, r.relname);
        insert into aurora_legacy.adoption_objects (kind, object, action)
        values (case r.relkind when 'v' then 'view' when 'm' then 'materialized view'
                               when 'S' then 'sequence' when 'f' then 'foreign table' else 'table' end,
                'public.' || r.relname, 'moved to aurora_legacy');
    end loop;

    for r in
        select p.oid::regprocedure::text as sig, p.prokind
          from pg_proc p
         where p.pronamespace = 'public'::regnamespace
           and not exists (select from pg_depend d
                            where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
         order by 1
    loop
        execute format('alter %s %s set schema aurora_legacy',
                       case r.prokind when 'a' then 'aggregate' else 'routine' end, r.sig);
        insert into aurora_legacy.adoption_objects (kind, object, action)
        values ('function', r.sig, 'moved to aurora_legacy');
    end loop;

    -- enums, domains, ranges and stand-alone composite types (a table's row type moved with it)
    for r in
        select t.typname, t.typtype
          from pg_type t
          left join pg_class c on c.oid = t.typrelid
         where t.typnamespace = 'public'::regnamespace
           and t.typtype in ('e', 'd', 'r', 'c') and (t.typtype <> 'c' or c.relkind = 'c')
           and not exists (select from pg_depend d
                            where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e')
    loop
        execute format('alter %s public.%I set schema aurora_legacy',
                       case r.typtype when 'd' then 'domain' else 'type' end, r.typname);
        insert into aurora_legacy.adoption_objects (kind, object, action)
        values ('type', 'public.' || r.typname, 'moved to aurora_legacy');
    end loop;

    -- The app's triggers on tables it does not own (auth.users: "make the profile") would
    -- now write the legacy tables: disabled, not dropped.
    for r in
        select t.tgname, t.tgrelid::regclass::text as tbl
          from pg_trigger t
          join pg_proc p on p.oid = t.tgfoid
          join pg_class c on c.oid = t.tgrelid
         where p.pronamespace = 'aurora_legacy'::regnamespace
           and c.relnamespace <> 'aurora_legacy'::regnamespace
           and not t.tgisinternal
    loop
        execute format('alter table %s disable trigger %I', r.tbl, r.tgname);
        insert into aurora_legacy.adoption_objects (kind, object, action, ddl)
        values ('trigger', r.tbl || ': ' || r.tgname, 'disabled',
                format('alter table %s enable trigger %I', r.tbl, r.tgname));
    end loop;

    -- Policies are permissive: any of the app's policies on storage.objects would widen
    -- aurora's own (a member's folder, a salon's owner). Dropped, with the DDL to re-create.
    for r in
        select p.policyname, p.schemaname, p.tablename,
               format('create policy %I on %I.%I as %s for %s to %s%s%s', p.policyname, p.schemaname,
                      p.tablename, p.permissive, p.cmd,
                      (select string_agg(case when x = 'public' then 'public' else quote_ident(x) end, ', ')
                         from unnest(p.roles) x),
                      ' using (' || p.qual || ')', ' with check (' || p.with_check || ')') as ddl
          from pg_policies p
         where p.schemaname = 'storage' and p.tablename in ('objects', 'buckets')
           and p.policyname not like 'aurora\_%'
    loop
        execute format('drop policy %I on %I.%I', r.policyname, r.schemaname, r.tablename);
        insert into aurora_legacy.adoption_objects (kind, object, action, ddl)
        values ('policy', r.schemaname || '.' || r.tablename || ': ' || r.policyname, 'dropped', r.ddl);
    end loop;

    for r in
        select pr.prpubid::regclass, p.pubname, c.relname
          from pg_publication_rel pr
          join pg_publication p on p.oid = pr.prpubid
          join pg_class c on c.oid = pr.prrelid
         where c.relnamespace = 'aurora_legacy'::regnamespace
    loop
        execute format('alter publication %I drop table aurora_legacy.%I', r.pubname, r.relname);
        insert into aurora_legacy.adoption_objects (kind, object, action, ddl)
        values ('publication', r.pubname || ': ' || r.relname, 'removed from the publication',
                format('alter publication %I add table aurora_legacy.%I', r.pubname, r.relname));
    end loop;

    -- nothing of the old schema stays reachable by a client role
    execute 'revoke all on all tables in schema aurora_legacy from anon, authenticated';
    execute 'revoke all on all sequences in schema aurora_legacy from anon, authenticated';
    execute 'revoke all on all functions in schema aurora_legacy from public, anon, authenticated';
end
$$;

-- 2. The extension --------------------------------------------------------------------------
create extension aurora;

-- The legacy tables this script reads: all of Aurora50's (shared/seed).
create temp table legacy_tables on commit drop as
select unnest(array['profiles', 'salons', 'salon_members', 'chat_messages', 'message_reactions',
                    'courses', 'lessons', 'enrollments', 'user_lesson_progress', 'user_courses',
                    'user_stats', 'user_achievements', 'user_activities', 'salon_invitations']) as name;
do $$
declare t text;
begin
    for t in select name from legacy_tables loop
        if to_regclass('aurora_legacy.' || t) is null then
            raise exception 'aurora_legacy.% is missing', t
                using errcode = 'undefined_table',
                      hint = 'adoption expects the tables of Aurora50''s schema (shared/seed); see docs/moving-in.md.';
        end if;
    end loop;
end
$$;

-- 3. Carry the rows ------------------------------------------------------------------------
-- aurora's triggers would send welcome emails, queue contact syncs, pay points and write
-- activities for rows that are history: off for this transaction (foreign keys stay on).
create function pg_temp.aurora_triggers(action text) returns void language plpgsql as $$
declare t text;
begin
    foreach t in array array['profiles', 'member_accounts', 'salons', 'salon_members', 'chat_messages', 'message_reactions',
                             'courses', 'lessons', 'enrollments', 'user_lesson_progress', 'user_courses',
                             'user_stats', 'user_achievements', 'user_activities', 'salon_invitations',
                             'user_progress_history'] loop
        execute format('alter table public.%I %s trigger user', t, action);
    end loop;
end
$$;
select pg_temp.aurora_triggers('disable');

create temp table adoption_rejects (table_name text not null, legacy_key text, reason text not null) on commit drop;
create temp table adoption_changes (table_name text not null, rule text not null, rows bigint not null) on commit drop;
create temp table adoption_source (table_name text primary key, rows bigint not null) on commit drop;
insert into adoption_source
select name, (xpath('/row/n/text()', query_to_xml(format('select count(*) as n from aurora_legacy.%I', name), false, true, '')))[1]::text::bigint
  from legacy_tables;

-- a rule's count, when it changed anything
create function pg_temp.changed(tbl text, rule text, n bigint) returns void language sql as $$
    insert into adoption_changes select tbl, rule, n where n > 0
$$;

-- profiles ------------------------------------------------------------------------------
-- Rules: the email is auth.users' (aurora keeps them equal); texts are cut at aurora's
-- limits (names 120, bio 2,000, city 120 characters; 30 interests); a URL longer than
-- 2,048 characters is dropped (cut, it would be broken); presence is live state, so every
-- member starts offline and comes back with her next heartbeat; auto_offline_after outside
-- 30..86400 becomes 300; subscription_type: premium, or anything starting with "premium",
-- is premium, trial is trial (ending trial_days after sign-up when no end was recorded),
-- anything else freemium; a Stripe customer id held by two profiles stays with the most
-- recently updated one; missing counters are 0; a member of auth.users without a profile
-- gets one, as aurora's sign-up trigger would have made it.
create temp table m_profiles on commit drop as
select l.id,
       left(nullif(btrim(l.full_name), ''), 120) as full_name,
       case when char_length(l.avatar_url) <= 2048 then l.avatar_url end as avatar_url,
       left(l.bio, 2000) as bio,
       left(l.city, 120) as city,
       u.email,
       (select array_agg(x order by o) from unnest(l.interests) with ordinality a(x, o)
         where x is not null and o <= 30) as interests,
       case when l.auto_offline_after between 30 and 86400 then l.auto_offline_after else 300 end as auto_offline_after,
       l.last_activity, l.last_activity_reset, l.status_updated_at, l.current_salon_id,
       coalesce(l.onboarding_completed, false) as onboarding_completed,
       case when pg_column_size(l.onboarding_answers) <= 65536 then l.onboarding_answers end as onboarding_answers,
       case when lower(btrim(l.subscription_type)) like 'premium%' then 'premium'
            when lower(btrim(l.subscription_type)) = 'trial' then 'trial'
            else 'freemium' end as subscription_type,
       l.subscription_started_at,
       case when lower(btrim(l.subscription_type)) = 'trial'
            then coalesce(l.trial_ends_at, coalesce(l.created_at, u.created_at)
                          + make_interval(days => (select trial_days from public.aurora_settings)))
            else l.trial_ends_at end as trial_ends_at,
       nullif(btrim(l.stripe_customer_id), '') as stripe_customer_id,
       l.stripe_session_id,
       case when l.conversion_triggers is null then '[]'::jsonb
            when jsonb_typeof(l.conversion_triggers) = 'array' then l.conversion_triggers
            else jsonb_build_array(l.conversion_triggers) end as conversion_triggers,
       greatest(coalesce(l.daily_chat_count, 0), 0) as daily_chat_count,
       greatest(coalesce(l.daily_profile_views, 0), 0) as daily_profile_views,
       case when char_length(l.cover_url) <= 2048 then l.cover_url end as cover_url,
       coalesce(l.created_at, u.created_at, now()) as created_at,
       coalesce(l.updated_at, l.created_at, u.created_at, now()) as updated_at,
       l.status, l.presence_status, l.auto_offline_after as old_auto_offline_after,
       l.subscription_type as old_subscription_type, l.full_name as old_full_name, l.interests as old_interests,
       l.avatar_url as old_avatar_url, l.cover_url as old_cover_url, l.bio as old_bio, l.city as old_city,
       l.email as old_email, l.created_at as old_created_at, l.trial_ends_at as old_trial_ends_at,
       (u.id is not null) as has_user
  from aurora_legacy.profiles l
  left join auth.users u on u.id = l.id;

insert into adoption_rejects select 'profiles', id::text, 'no auth.users row for this id' from m_profiles where not has_user;
delete from m_profiles where not has_user;

with dup as (
    select id, row_number() over (partition by stripe_customer_id order by updated_at desc, id) as n
      from m_profiles where stripe_customer_id is not null
), cleared as (
    update m_profiles m set stripe_customer_id = null from dup where dup.id = m.id and dup.n > 1 returning 1
)
select pg_temp.changed('profiles', 'Stripe customer id held by another, more recently updated profile: cleared', count(*)) from cleared;

select pg_temp.changed('profiles', 'email taken from auth.users', count(*) filter (where old_email is distinct from email)),
       pg_temp.changed('profiles', 'full name cut to 120 characters or blank → null', count(*) filter (where old_full_name is distinct from full_name)),
       pg_temp.changed('profiles', 'bio or city cut to aurora''s limits', count(*) filter (where old_bio is distinct from bio or old_city is distinct from city)),
       pg_temp.changed('profiles', 'interests: nulls removed, first 30 kept', count(*) filter (where old_interests is distinct from interests)),
       pg_temp.changed('profiles', 'avatar or cover URL over 2,048 characters dropped', count(*) filter (where old_avatar_url is distinct from avatar_url or old_cover_url is distinct from cover_url)),
       pg_temp.changed('profiles', 'presence reset to offline (live state; back with the next heartbeat)', count(*) filter (where status is distinct from 'offline' or presence_status is distinct from 'offline')),
       pg_temp.changed('profiles', 'auto_offline_after outside 30..86400 → 300', count(*) filter (where old_auto_offline_after is distinct from auto_offline_after)),
       pg_temp.changed('profiles', 'subscription_type mapped (premium*, trial, else freemium)', count(*) filter (where old_subscription_type is distinct from subscription_type)),
       pg_temp.changed('profiles', 'trial without an end: ends trial_days after sign-up', count(*) filter (where old_trial_ends_at is distinct from trial_ends_at)),
       pg_temp.changed('profiles', 'created_at missing: sign-up time from auth.users', count(*) filter (where old_created_at is null))
  from m_profiles;

-- (aurora keeps what members share in profiles, the rest in member_accounts)
insert into public.profiles (id, full_name, avatar_url, status, presence_status, is_manual_status,
                             auto_offline_after, last_activity, status_updated_at, presence_expires_at,
                             created_at, updated_at)
select id, full_name, avatar_url, 'offline', 'offline', false,
       auto_offline_after, last_activity, status_updated_at, null,
       created_at, updated_at
  from m_profiles;
insert into public.member_accounts (id, email, bio, city, interests, cover_url, current_salon_id,
                                    onboarding_completed, onboarding_answers, subscription_type,
                                    subscription_started_at, trial_ends_at, stripe_customer_id, stripe_session_id,
                                    conversion_triggers, daily_chat_count, daily_profile_views, last_activity_reset,
                                    salons_created, salons_joined, updated_at)
select id, email, bio, city, interests, cover_url, null,
       onboarding_completed, onboarding_answers, subscription_type,
       subscription_started_at, trial_ends_at, stripe_customer_id, stripe_session_id,
       conversion_triggers, daily_chat_count, daily_profile_views, last_activity_reset,
       0, 0, updated_at
  from m_profiles;

-- members without a profile: the row aurora's sign-up trigger makes (name and avatar from
-- the sign-up metadata)
with made as (
    insert into public.profiles (id, full_name, avatar_url, created_at, updated_at)
    select u.id,
           left(nullif(btrim(coalesce(u.raw_user_meta_data ->> 'full_name', u.raw_user_meta_data ->> 'name')), ''), 120),
           left(nullif(btrim(u.raw_user_meta_data ->> 'avatar_url'), ''), 2048),
           coalesce(u.created_at, now()), coalesce(u.created_at, now())
      from auth.users u
     where not exists (select from public.profiles p where p.id = u.id)
    returning id
), accounts as (
    insert into public.member_accounts (id, email, updated_at)
    select u.id, u.email, coalesce(u.created_at, now()) from made join auth.users u on u.id = made.id
)
select pg_temp.changed('profiles', 'member of auth.users without a profile: profile made (not counted as a legacy row)', count(*)) from made;

-- salons --------------------------------------------------------------------------------
-- Rules: a blank name becomes "Salon sans nom", names are cut at 80 characters; a colour
-- that is not #RRGGBB becomes the default; an owner who is not in auth.users is dropped
-- (owner_id null, as when an owner's account is deleted); share codes are upper-cased with
-- spaces and dashes removed (what joining by code does to what a member types, so old codes
-- keep working); a code that is then shorter than 6 or longer than 32 characters, or taken
-- by another salon (one whose code was already exactly that first, else an older one), gets
-- a new one from generate_share_code(); is_active null is active.
create temp table m_salons on commit drop as
select l.id,
       left(coalesce(nullif(btrim(l.name), ''), 'Salon sans nom'), 80) as name,
       left(l.description, 1000) as description,
       case when char_length(l.avatar_url) <= 2048 then l.avatar_url end as avatar_url,
       left(l.category, 50) as category, left(l.city, 120) as city,
       case when l.color_theme ~ '^#[0-9A-Fa-f]{6}$' then l.color_theme else '#8B5CF6' end as color_theme,
       case when exists (select from auth.users u where u.id = l.owner_id) then l.owner_id end as owner_id,
       upper(regexp_replace(coalesce(l.share_code, ''), '[\s-]', '', 'g')) as share_code,
       coalesce(l.is_active, true) as is_active,
       coalesce(l.created_at, now()) as created_at,
       coalesce(l.updated_at, l.created_at, now()) as updated_at,
       l.name as old_name, l.color_theme as old_color, l.owner_id as old_owner, l.share_code as old_code,
       l.is_active as old_active
  from aurora_legacy.salons l;

with ranked as (
    select id, row_number() over (partition by share_code order by share_code = old_code desc, created_at, id) as n
      from m_salons
), fixed as (
    update m_salons m set share_code = public.generate_share_code()
      from ranked r
     where r.id = m.id and (r.n > 1 or char_length(m.share_code) not between 6 and 32)
    returning 1
)
select pg_temp.changed('salons', 'share code too short, too long or taken by another salon: new code', count(*)) from fixed;

select pg_temp.changed('salons', 'name blank → "Salon sans nom", or cut to 80 characters', count(*) filter (where old_name is distinct from name)),
       pg_temp.changed('salons', 'colour not #RRGGBB → #8B5CF6', count(*) filter (where old_color is distinct from color_theme)),
       pg_temp.changed('salons', 'owner not in auth.users → no owner', count(*) filter (where old_owner is distinct from owner_id)),
       pg_temp.changed('salons', 'share code upper-cased, spaces and dashes removed', count(*) filter (where old_code is distinct from share_code and upper(regexp_replace(old_code, '[\s-]', '', 'g')) = share_code)),
       pg_temp.changed('salons', 'is_active null → active', count(*) filter (where old_active is null))
  from m_salons;

insert into public.salons (id, name, description, avatar_url, category, city, color_theme, owner_id,
                           is_active, member_count, message_count, created_at, updated_at)
select id, name, description, avatar_url, category, city, color_theme, owner_id,
       is_active, 0, 0, created_at, updated_at
  from m_salons;
insert into public.salon_share_codes (salon_id, share_code) select id, share_code from m_salons;

-- Messages from before salons existed (salon_id null) get a home: one archived salon,
-- "Archives Aurora50", without owner, whose members are their authors.
create temp table archive_salon on commit drop as
select gen_random_uuid() as id
 where exists (select from aurora_legacy.chat_messages where salon_id is null);
insert into public.salons (id, name, description, owner_id, is_active, created_at, updated_at)
select a.id, 'Archives Aurora50', 'Les messages d''avant les salons',
       null, false,
       coalesce((select min(created_at) from aurora_legacy.chat_messages where salon_id is null), now()), now()
  from archive_salon a;
insert into public.salon_share_codes (salon_id, share_code) select id, public.generate_share_code() from archive_salon;
select pg_temp.changed('salons', 'salon "Archives Aurora50" made for the messages from before salons (not a legacy row)', count(*))
  from archive_salon;

-- salon_members -------------------------------------------------------------------------
-- Rules: the salon's owner is its 'owner'; admin, moderator (any case) and an 'owner' who
-- is not the salon's owner are 'moderator'; anything else is 'member'; joined_at missing →
-- the salon's creation; notifications on unless turned off. A salon's owner who is not
-- among its members becomes one.
create temp table m_members on commit drop as
select l.salon_id, l.user_id,
       case when l.user_id = s.owner_id then 'owner'
            when lower(btrim(l.role)) in ('admin', 'administrator', 'administratrice', 'moderator', 'owner') then 'moderator'
            else 'member' end as role,
       coalesce(l.joined_at, s.created_at) as joined_at, l.last_seen_at,
       coalesce(l.notifications_enabled, true) as notifications_enabled,
       l.role as old_role,
       case when s.id is null then 'salon not carried'
            when not exists (select from public.profiles p where p.id = l.user_id) then 'member has no account' end as reason
  from aurora_legacy.salon_members l
  left join public.salons s on s.id = l.salon_id;
insert into adoption_rejects select 'salon_members', salon_id || '/' || user_id, reason from m_members where reason is not null;
delete from m_members where reason is not null;
select pg_temp.changed('salon_members', 'role mapped (owner of the salon → owner; admin, moderator, other owners → moderator; else member)',
                       count(*) filter (where old_role is distinct from role))
  from m_members;
insert into public.salon_members (salon_id, user_id, role, joined_at, last_seen_at, notifications_enabled)
select salon_id, user_id, role, joined_at, last_seen_at, notifications_enabled from m_members;
with made as (
    insert into public.salon_members (salon_id, user_id, role, joined_at)
    select s.id, s.owner_id, 'owner', s.created_at
      from public.salons s
     where s.owner_id is not null
       and exists (select from public.profiles p where p.id = s.owner_id)
       and not exists (select from public.salon_members m where m.salon_id = s.id and m.user_id = s.owner_id)
    returning 1
)
select pg_temp.changed('salon_members', 'salon owner who was not a member: membership made (not a legacy row)', count(*)) from made;

-- chat_messages -------------------------------------------------------------------------
-- Rules: ids are kept (replies and reactions point at them); a message without a salon goes
-- to the archive salon; content is trimmed; a message that is then empty or longer than
-- 4,000 characters is not carried; deleted means is_deleted or a deleted_at, and a deleted
-- message without deleted_at is stamped with its creation time; a missing created_at is the
-- one of the message before it; a reply whose parent is not carried, or is in another salon,
-- is kept as a plain message.
create temp table m_messages on commit drop as
select l.id, btrim(l.content) as content, l.user_id,
       coalesce(l.salon_id, (select id from archive_salon)) as salon_id,
       l.reply_to_id,
       coalesce(l.is_deleted, false) or l.deleted_at is not null as is_deleted,
       l.deleted_at,
       coalesce(l.created_at,
                max(l.created_at) over (order by l.id rows between unbounded preceding and current row),
                now()) as created_at,
       l.salon_id is null as pre_salon, l.is_deleted as old_is_deleted, l.created_at as old_created_at,
       case when not exists (select from public.profiles p where p.id = l.user_id) then 'author has no account'
            when l.salon_id is not null and not exists (select from public.salons s where s.id = l.salon_id) then 'salon not carried'
            when char_length(btrim(l.content)) = 0 then 'empty message'
            when char_length(btrim(l.content)) > 4000 then 'longer than 4,000 characters' end as reason
  from aurora_legacy.chat_messages l;
update m_messages set deleted_at = case when is_deleted then coalesce(deleted_at, created_at) end;
insert into adoption_rejects select 'chat_messages', id::text, reason from m_messages where reason is not null;
delete from m_messages where reason is not null;
with broken as (
    update m_messages m set reply_to_id = null
     where m.reply_to_id is not null
       and not exists (select from m_messages p where p.id = m.reply_to_id and p.salon_id = m.salon_id)
    returning 1
)
select pg_temp.changed('chat_messages', 'reply to a message not carried or in another salon: kept as a plain message', count(*)) from broken;
select pg_temp.changed('chat_messages', 'no salon (before salons existed) → salon "Archives Aurora50"', count(*) filter (where pre_salon)),
       pg_temp.changed('chat_messages', 'is_deleted missing or contradicting deleted_at: deleted when either says so', count(*) filter (where old_is_deleted is distinct from is_deleted)),
       pg_temp.changed('chat_messages', 'created_at missing: the previous message''s', count(*) filter (where old_created_at is null))
  from m_messages;
with made as (
    insert into public.salon_members (salon_id, user_id, role, joined_at)
    select m.salon_id, m.user_id, 'member', min(m.created_at)
      from m_messages m where m.pre_salon
     group by m.salon_id, m.user_id
    returning 1
)
select pg_temp.changed('salon_members', 'author of messages from before salons: member of "Archives Aurora50" (not a legacy row)', count(*)) from made;
insert into public.chat_messages (id, content, user_id, salon_id, reply_to_id, is_deleted, deleted_at, created_at)
select id, content, user_id, salon_id, reply_to_id, is_deleted, deleted_at, created_at from m_messages;

-- message_reactions ---------------------------------------------------------------------
-- Rules: the emoji is trimmed; one that is then empty, longer than 16 characters or holds a
-- space is not carried (a word, not an emoji); a reaction of a member without account, or
-- on a message not carried, is not carried; the same member's same emoji on the same
-- message twice (after trimming) is one reaction, the earliest.
create temp table m_reactions on commit drop as
select l.id, m.salon_id, l.message_id, l.user_id, btrim(l.emoji) as emoji,
       coalesce(l.created_at, m.created_at) as created_at, l.emoji as old_emoji,
       case when m.id is null then 'message not carried'
            when not exists (select from public.profiles p where p.id = l.user_id) then 'member has no account'
            when char_length(btrim(l.emoji)) not between 1 and 16 or btrim(l.emoji) ~ '\s' then 'not an emoji (empty, spaced or over 16 characters)' end as reason
  from aurora_legacy.message_reactions l
  left join m_messages m on m.id = l.message_id;
with d as (
    select id, row_number() over (partition by message_id, user_id, emoji order by created_at, id) as n
      from m_reactions where reason is null
)
update m_reactions r set reason = 'same member, message and emoji as an earlier reaction once trimmed: merged into it'
  from d where d.id = r.id and d.n > 1;
insert into adoption_rejects select 'message_reactions', id::text, reason from m_reactions where reason is not null;
delete from m_reactions where reason is not null;
select pg_temp.changed('message_reactions', 'emoji trimmed', count(*) filter (where old_emoji <> emoji)) from m_reactions;
insert into public.message_reactions (id, salon_id, message_id, user_id, emoji, created_at)
select id, salon_id, message_id, user_id, emoji, created_at from m_reactions;

-- courses ------------------------------------------------------------------------------
-- Rules: slugs are lower-cased, every run of other characters than a-z and 0-9 becomes one
-- dash; a slug taken by an earlier course gets -2, -3…; a blank title becomes "Cours sans
-- titre"; a pillar number or duration that is not positive is dropped; unpublished unless
-- published.
create temp table m_courses on commit drop as
select l.id, left(coalesce(nullif(btrim(l.title), ''), 'Cours sans titre'), 200) as title,
       nullif(btrim(regexp_replace(lower(coalesce(l.slug, '')), '[^a-z0-9]+', '-', 'g'), '-'), '') as slug,
       l.description, l.short_description, l.emoji, l.color_gradient,
       case when l.pillar_number > 0 then l.pillar_number end as pillar_number, l.order_index,
       case when l.duration_weeks > 0 then l.duration_weeks end as duration_weeks,
       coalesce(l.is_published, false) as is_published, coalesce(l.created_at, now()) as created_at,
       l.slug as old_slug, l.title as old_title, l.pillar_number as old_pillar, l.duration_weeks as old_weeks
  from aurora_legacy.courses l;
with d as (
    select id, row_number() over (partition by slug order by order_index nulls last, created_at, id) as n
      from m_courses where slug is not null
)
update m_courses c set slug = c.slug || '-' || d.n from d where d.id = c.id and d.n > 1;
select pg_temp.changed('courses', 'slug normalised (lower case, a-z 0-9 and dashes; -2, -3… when taken)', count(*) filter (where old_slug is distinct from slug)),
       pg_temp.changed('courses', 'title blank → "Cours sans titre", or cut to 200 characters', count(*) filter (where old_title is distinct from title)),
       pg_temp.changed('courses', 'pillar number or duration not positive → none', count(*) filter (where old_pillar is distinct from pillar_number or old_weeks is distinct from duration_weeks))
  from m_courses;
insert into public.courses (id, title, slug, description, short_description, emoji, color_gradient,
                            pillar_number, order_index, duration_weeks, is_published, created_at)
select id, title, slug, description, short_description, emoji, color_gradient,
       pillar_number, order_index, duration_weeks, is_published, created_at from m_courses;

-- lessons --------------------------------------------------------------------------------
-- Rules: a lesson without a course is not carried; in each course a positive lesson number
-- stays with its first holder (by creation), and lessons without a number or holding one
-- twice are numbered after the course's last, in creation order; a negative duration is
-- dropped, a missing or negative release offset is 0.
create temp table m_lessons on commit drop as
select l.id, left(coalesce(nullif(btrim(l.title), ''), 'Leçon sans titre'), 200) as title, l.content, l.video_url,
       l.course_id, l.lesson_number,
       case when l.duration_minutes >= 0 then l.duration_minutes end as duration_minutes,
       greatest(coalesce(l.release_day_offset, 0), 0) as release_day_offset,
       coalesce(l.is_free, false) as is_free, coalesce(l.created_at, now()) as created_at,
       l.lesson_number as old_number, l.duration_minutes as old_duration, l.release_day_offset as old_offset,
       case when not exists (select from public.courses c where c.id = l.course_id) then 'no course' end as reason
  from aurora_legacy.lessons l;
insert into adoption_rejects select 'lessons', id::text, reason from m_lessons where reason is not null;
delete from m_lessons where reason is not null;
with holders as (
    select id, row_number() over (partition by course_id, lesson_number order by created_at, id) as n
      from m_lessons where lesson_number > 0
)
update m_lessons l set lesson_number = null from holders h where h.id = l.id and h.n > 1;
update m_lessons l set lesson_number = null where lesson_number <= 0;
with numbered as (
    select l.id, coalesce((select max(x.lesson_number) from m_lessons x where x.course_id = l.course_id), 0)
                 + row_number() over (partition by l.course_id order by l.created_at, l.id) as n
      from m_lessons l where l.lesson_number is null
)
update m_lessons l set lesson_number = n.n from numbered n where n.id = l.id;
select pg_temp.changed('lessons', 'lesson number missing or taken: numbered after the course''s last', count(*) filter (where old_number is distinct from lesson_number)),
       pg_temp.changed('lessons', 'negative duration dropped, release offset missing or negative → 0', count(*) filter (where old_duration is distinct from duration_minutes or old_offset is distinct from release_day_offset))
  from m_lessons;
insert into public.lessons (id, title, course_id, lesson_number, duration_minutes,
                            release_day_offset, is_free, created_at)
select id, title, course_id, lesson_number, duration_minutes,
       release_day_offset, is_free, created_at from m_lessons;
insert into public.lesson_bodies (lesson_id, content, video_url)
select id, content, video_url from m_lessons where content is not null or video_url is not null;

-- enrollments ----------------------------------------------------------------------------
create temp table m_enrollments on commit drop as
select l.id, l.user_id, l.course_id, coalesce(l.enrolled_at, now()) as enrolled_at,
       case when not exists (select from public.profiles p where p.id = l.user_id) then 'member has no account'
            when not exists (select from public.courses c where c.id = l.course_id) then 'course not carried' end as reason
  from aurora_legacy.enrollments l;
insert into adoption_rejects select 'enrollments', id::text, reason from m_enrollments where reason is not null;
delete from m_enrollments where reason is not null;
insert into public.enrollments (id, user_id, course_id, enrolled_at)
select id, user_id, course_id, enrolled_at from m_enrollments;

-- user_lesson_progress ------------------------------------------------------------------
-- Rules: known statuses are kept; an unknown one is 'completed' when the row has a
-- completion date or 100 %, 'in_progress' when it has any progress or a start, else
-- 'not_started'; a completed lesson without completed_at is stamped with its last update;
-- percentages are held to 0..100, positions and watch times to ≥ 0.
create temp table m_progress on commit drop as
select l.id, l.user_id, l.lesson_id,
       case when lower(btrim(l.status)) in ('not_started', 'in_progress', 'completed') then lower(btrim(l.status))
            when l.completed_at is not null or l.completion_percentage >= 100 then 'completed'
            when coalesce(l.completion_percentage, 0) > 0 or l.started_at is not null then 'in_progress'
            else 'not_started' end as status,
       least(greatest(coalesce(l.completion_percentage, 0), 0), 100) as completion_percentage,
       greatest(coalesce(l.last_video_position, 0), 0) as last_video_position,
       greatest(coalesce(l.watch_time_seconds, 0), 0) as watch_time_seconds,
       l.started_at, l.completed_at,
       coalesce(l.created_at, l.started_at, now()) as created_at,
       coalesce(l.updated_at, l.completed_at, l.created_at, now()) as updated_at,
       l.status as old_status, l.completed_at as old_completed_at, l.completion_percentage as old_pct,
       case when not exists (select from public.profiles p where p.id = l.user_id) then 'member has no account'
            when not exists (select from public.lessons x where x.id = l.lesson_id) then 'lesson not carried' end as reason
  from aurora_legacy.user_lesson_progress l;
update m_progress set completed_at = case when status = 'completed' then coalesce(completed_at, updated_at) end;
insert into adoption_rejects select 'user_lesson_progress', id::text, reason from m_progress where reason is not null;
delete from m_progress where reason is not null;
select pg_temp.changed('user_lesson_progress', 'unknown status derived from the row (completion date or 100 % → completed; progress → in_progress)', count(*) filter (where old_status is distinct from status)),
       pg_temp.changed('user_lesson_progress', 'completed without completed_at: stamped with its last update (or a stray completed_at cleared)', count(*) filter (where old_completed_at is distinct from completed_at)),
       pg_temp.changed('user_lesson_progress', 'percentage held to 0..100', count(*) filter (where old_pct is distinct from completion_percentage))
  from m_progress;
insert into public.user_lesson_progress (id, user_id, lesson_id, status, completion_percentage, last_video_position,
                                         watch_time_seconds, started_at, completed_at, created_at, updated_at)
select id, user_id, lesson_id, status, completion_percentage, last_video_position,
       watch_time_seconds, started_at, completed_at, created_at, updated_at from m_progress;

-- user_courses --------------------------------------------------------------------------
-- Rebuilt for every carried enrolment from the lessons and the progress, with the formula
-- aurora applies when a lesson is completed (courses/mod.rs, complete_course_if_done):
-- progress = 100 × completed / lessons, completed when every lesson is. The old row of the
-- same member and course, when there is one, gives its start and last access.
insert into public.user_courses (user_id, course_id, status, progress_percentage, lessons_completed,
                                 last_lesson_id, started_at, last_accessed_at, completed_at, updated_at)
select e.user_id, e.course_id,
       case when c.total > 0 and c.completed = c.total then 'completed' else 'in_progress' end,
       (100 * c.completed / greatest(c.total, 1))::int, c.completed,
       (select p.lesson_id from m_progress p join m_lessons l on l.id = p.lesson_id
         where p.user_id = e.user_id and l.course_id = e.course_id order by p.updated_at desc, p.id limit 1),
       coalesce(o.started_at, e.enrolled_at),
       greatest(coalesce(o.last_accessed_at, e.enrolled_at), c.last_progress, e.enrolled_at),
       case when c.total > 0 and c.completed = c.total then c.last_completed end,
       now()
  from m_enrollments e
  left join lateral (select min(x.started_at) as started_at, max(x.last_accessed_at) as last_accessed_at
                       from aurora_legacy.user_courses x
                      where x.user_id = e.user_id and x.course_id = e.course_id) o on true
  cross join lateral (
      select count(*) as total,
             count(*) filter (where p.status = 'completed') as completed,
             max(p.updated_at) as last_progress,
             max(p.completed_at) as last_completed
        from m_lessons l
        left join m_progress p on p.lesson_id = l.id and p.user_id = e.user_id
       where l.course_id = e.course_id) c;
insert into adoption_rejects
select 'user_courses', l.id::text, 'no carried enrolment for this member and course (user_courses is rebuilt from enrolments)'
  from aurora_legacy.user_courses l
 where not exists (select from m_enrollments e where e.user_id = l.user_id and e.course_id = l.course_id);

-- user_stats ----------------------------------------------------------------------------
-- Rules: points (≥ 0) and streaks are history and carried; the level follows the points by
-- aurora's rule (aurora_private.level_for); lessons completed are counted from the carried
-- progress; every member has a stats row (zeroes when she had none).
create temp table m_stats on commit drop as
select l.user_id, greatest(coalesce(l.points, 0), 0) as points,
       greatest(coalesce(l.streak_days, 0), 0) as streak_days,
       greatest(coalesce(l.total_study_time_minutes, 0), 0) as total_study_time_minutes,
       coalesce(l.created_at, now()) as created_at, l.level as old_level, l.points as old_points,
       case when not exists (select from public.profiles p where p.id = l.user_id) then 'member has no account' end as reason
  from aurora_legacy.user_stats l;
insert into adoption_rejects select 'user_stats', user_id::text, reason from m_stats where reason is not null;
delete from m_stats where reason is not null;
insert into public.user_stats (user_id, points, level, streak_days, longest_streak_days, total_lessons_completed,
                               total_study_time_minutes, created_at, updated_at)
select p.id, coalesce(s.points, 0), aurora_private.level_for(coalesce(s.points, 0)),
       coalesce(s.streak_days, 0), coalesce(s.streak_days, 0),
       (select count(*) from m_progress x where x.user_id = p.id and x.status = 'completed'),
       coalesce(s.total_study_time_minutes, 0), coalesce(s.created_at, p.created_at), now()
  from public.profiles p
  left join m_stats s on s.user_id = p.id;
select pg_temp.changed('user_stats', 'level recomputed from points', count(*) filter (where old_level is distinct from aurora_private.level_for(points))),
       pg_temp.changed('user_stats', 'points missing → 0', count(*) filter (where old_points is null))
  from m_stats;
select pg_temp.changed('user_stats', 'member without a stats row: zeroes (not a legacy row)',
                       (select count(*) from public.profiles p where not exists (select from m_stats s where s.user_id = p.id)));

-- user_achievements ---------------------------------------------------------------------
-- Rules: badge ids are lower-cased, other characters than a-z, 0-9 and _ become _; a badge
-- a member holds twice is one, the earliest; an unknown rarity is 'common'.
create temp table m_achievements on commit drop as
select l.id, l.user_id,
       btrim(regexp_replace(lower(btrim(l.badge_id)), '[^a-z0-9_]+', '_', 'g'), '_') as badge_id,
       l.title, l.description, l.icon,
       case when lower(btrim(l.rarity)) in ('common', 'uncommon', 'rare', 'epic', 'legendary') then lower(btrim(l.rarity)) else 'common' end as rarity,
       coalesce(l.earned_at, now()) as earned_at, l.badge_id as old_badge, l.rarity as old_rarity,
       case when not exists (select from public.profiles p where p.id = l.user_id) then 'member has no account'
            when btrim(regexp_replace(lower(btrim(l.badge_id)), '[^a-z0-9_]+', '_', 'g'), '_') = '' then 'no badge id' end as reason
  from aurora_legacy.user_achievements l;
with d as (
    select id, row_number() over (partition by user_id, badge_id order by earned_at, id) as n
      from m_achievements where reason is null
)
update m_achievements a set reason = 'same badge earned earlier by the same member: merged into the earliest'
  from d where d.id = a.id and d.n > 1;
insert into adoption_rejects select 'user_achievements', id::text, reason from m_achievements where reason is not null;
delete from m_achievements where reason is not null;
select pg_temp.changed('user_achievements', 'badge id normalised (a-z, 0-9, _)', count(*) filter (where old_badge is distinct from badge_id)),
       pg_temp.changed('user_achievements', 'unknown rarity → common', count(*) filter (where old_rarity is distinct from rarity))
  from m_achievements;
insert into public.user_achievements (id, user_id, badge_id, title, description, icon, rarity, earned_at)
select id, user_id, badge_id, title, description, icon, rarity, earned_at from m_achievements;

-- user_activities -----------------------------------------------------------------------
-- Rules: types are lower-cased, runs of other characters than a-z become _; no type at all
-- is 'activity'; missing metadata is {}.
create temp table m_activities on commit drop as
select l.id, l.user_id,
       coalesce(nullif(btrim(regexp_replace(lower(coalesce(l.type, '')), '[^a-z]+', '_', 'g'), '_'), ''), 'activity') as type,
       l.title, l.description, l.icon,
       case when l.metadata is null then '{}'::jsonb
            when jsonb_typeof(l.metadata) = 'object' then l.metadata
            else jsonb_build_object('value', l.metadata) end as metadata,
       coalesce(l.created_at, now()) as created_at, l.type as old_type, l.metadata as old_metadata,
       case when not exists (select from public.profiles p where p.id = l.user_id) then 'member has no account' end as reason
  from aurora_legacy.user_activities l;
insert into adoption_rejects select 'user_activities', id::text, reason from m_activities where reason is not null;
delete from m_activities where reason is not null;
select pg_temp.changed('user_activities', 'type normalised (a-z and _), none → activity', count(*) filter (where old_type is distinct from type)),
       pg_temp.changed('user_activities', 'metadata missing → {}', count(*) filter (where old_metadata is null))
  from m_activities;
insert into public.user_activities (id, user_id, type, title, description, icon, metadata, created_at)
select id, user_id, type, title, description, icon, metadata, created_at from m_activities;

-- salon_invitations ---------------------------------------------------------------------
-- Rules: only the token's SHA-256 is stored, as aurora does, so links already sent keep
-- working; an address that is not one is dropped; an invitation to an address of auth.users
-- is addressed to that member; an expiry not after the creation is the creation plus
-- invitation_days; used_at/used_by become accepted_at/accepted_by (a user who is gone is
-- dropped).
create temp table m_invitations on commit drop as
select l.id, l.salon_id,
       case when exists (select from auth.users u where u.id = l.invited_by) then l.invited_by end as invited_by,
       case when lower(btrim(l.email)) ~ '^[^@\s]+@[^@\s]+$' then lower(btrim(l.email)) end as invitee_email,
       sha256(convert_to(btrim(l.token), 'UTF8')) as token_hash,
       coalesce(l.created_at, now()) as created_at,
       l.expires_at, l.used_at,
       case when exists (select from auth.users u where u.id = l.used_by) then l.used_by end as accepted_by,
       l.email as old_email,
       case when not exists (select from public.salons s where s.id = l.salon_id) then 'salon not carried'
            when char_length(btrim(coalesce(l.token, ''))) not between 16 and 128 then 'token shorter than 16 or longer than 128 characters' end as reason
  from aurora_legacy.salon_invitations l;
insert into adoption_rejects select 'salon_invitations', id::text, reason from m_invitations where reason is not null;
delete from m_invitations where reason is not null;
select pg_temp.changed('salon_invitations', 'address that is not an email dropped', count(*) filter (where old_email is not null and invitee_email is null)),
       pg_temp.changed('salon_invitations', 'expiry not after creation → creation + invitation_days', count(*) filter (where expires_at is null or expires_at <= created_at))
  from m_invitations;
insert into public.salon_invitations (id, salon_id, invited_by, invitee_id, invitee_email, expires_at,
                                      accepted_at, accepted_by, created_at)
select i.id, i.salon_id, i.invited_by,
       (select u.id from auth.users u where lower(u.email) = i.invitee_email order by u.created_at limit 1),
       i.invitee_email,
       case when i.expires_at > i.created_at then i.expires_at
            else i.created_at + make_interval(days => (select invitation_days from public.aurora_settings)) end,
       case when i.accepted_by is not null then coalesce(i.used_at, i.created_at) end, i.accepted_by, i.created_at
  from m_invitations i;
insert into public.salon_invitation_tokens (invitation_id, token_hash) select id, token_hash from m_invitations;

-- the member's current salon, when it was carried
update public.member_accounts p set current_salon_id = l.current_salon_id
  from aurora_legacy.profiles l
 where l.id = p.id and l.current_salon_id is not null
   and exists (select from public.salons s where s.id = l.current_salon_id);

-- 4. What aurora derives ------------------------------------------------------------------
-- Salon counters: members, and messages not deleted (what the counter triggers count).
update public.salons s set
    member_count = (select count(*) from public.salon_members m where m.salon_id = s.id),
    message_count = (select count(*) from public.chat_messages c where c.salon_id = s.id and not c.is_deleted);
-- A member's salons: created (owned), joined (a member without owning).
update public.member_accounts p set
    salons_created = (select count(*) from public.salons s where s.owner_id = p.id),
    salons_joined = (select count(*) from public.salon_members m where m.user_id = p.id and m.role <> 'owner');
-- Sequences past the highest ids carried (and past where the old sequence stood).
select setval(pg_get_serial_sequence('public.chat_messages', 'id'),
              greatest((select max(id) from public.chat_messages),
                       (select last_value from aurora_legacy.chat_messages_id_seq), 1));
select setval(pg_get_serial_sequence('public.message_reactions', 'id'),
              greatest((select max(id) from public.message_reactions),
                       (select last_value from aurora_legacy.message_reactions_id_seq), 1));

select pg_temp.aurora_triggers('enable');
do $$
begin
    -- nothing was sent, queued or awarded
    if exists (select from public.email_outbox) or exists (select from public.brevo_contact_sync)
       or exists (select from public.user_progress_history) then
        raise exception 'adoption queued emails, contact syncs or history: a trigger was not off'
            using errcode = 'internal_error';
    end if;
end
$$;

-- 5. The report ------------------------------------------------------------------------------
create table aurora_legacy.adoption_rejects as
select table_name, legacy_key, reason from adoption_rejects;
create table aurora_legacy.adoption_changes as
select table_name, rule, rows from adoption_changes;
create table aurora_legacy.adoption_summary as
select s.table_name, s.rows as source_rows,
       s.rows - coalesce(r.n, 0) as carried,
       coalesce(r.n, 0) as reported
  from adoption_source s
  left join (select table_name, count(*) as n from adoption_rejects group by 1) r using (table_name);
revoke all on aurora_legacy.adoption_objects, aurora_legacy.adoption_rejects, aurora_legacy.adoption_changes,
              aurora_legacy.adoption_summary from anon, authenticated;
comment on table aurora_legacy.adoption_summary is 'scripts/adopt.sh: per legacy table, source rows = carried + reported';

-- carried rows are in aurora's tables: the count of each aurora table is at least what the
-- summary says was carried (derived rows — profiles made for members without one, owners'
-- memberships, the archive salon — come on top, and are listed in adoption_changes)
do $$
declare r record; n bigint; target text;
begin
    for r in select * from aurora_legacy.adoption_summary loop
        target := r.table_name;
        execute format('select count(*) from public.%I', target) into n;
        if n < r.carried then
            raise exception 'adoption lost rows of %: % carried, % in public.%', r.table_name, r.carried, n, target
                using errcode = 'internal_error';
        end if;
    end loop;
end
$$;

\o
\echo
\echo 'Adoption report: every legacy row is carried or reported'
select table_name as "table", source_rows as source, carried, reported from aurora_legacy.adoption_summary order by 1;
\echo 'Rows changed on the way, by rule'
select table_name as "table", rule, rows from aurora_legacy.adoption_changes order by 1, 2;
\echo 'Rows not carried (they stay in aurora_legacy), by reason'
select table_name as "table", reason, count(*) as rows, (array_agg(legacy_key order by legacy_key))[1:5] as "first keys"
  from aurora_legacy.adoption_rejects group by 1, 2 order by 1, 2;
\echo 'Objects of the old schema'
select kind, action, count(*) as objects from aurora_legacy.adoption_objects group by 1, 2 order by 1, 2;
select kind, object, ddl as "to restore" from aurora_legacy.adoption_objects where kind in ('trigger', 'policy', 'publication') order by 1, 2;

\if :dry_run
rollback;
\echo 'dry run: rolled back, nothing changed'
\else
commit;
\echo 'adopted'
\endif
