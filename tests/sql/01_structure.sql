-- The security boundary as a whole: every table under RLS, every policy addressed to a
-- role and computing auth.uid() once, views as invoker, definer functions pinned and
-- closed to PUBLIC/anon, every table dumped, realtime and storage wired.
begin;
select no_plan();

create temp view aurora_tables as
select c.oid, c.relname::text as name, c.relrowsecurity
  from pg_class c
  join pg_depend d on d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e'
  join pg_extension e on e.oid = d.refobjid and e.extname = 'aurora'
 where c.relkind = 'r';

select set_has(
    'select name from aurora_tables',
    $$ values ('profiles'), ('salons'), ('salon_members'), ('chat_messages'), ('message_reactions'),
              ('courses'), ('lessons'), ('user_lesson_progress'), ('enrollments'), ('user_stats'),
              ('user_achievements'), ('user_activities'), ('user_courses'),
              ('user_progress_history'), ('salon_invitations') $$,
    'the 15 tables of the seed exist, owned by the extension');

select is_empty('select name from aurora_tables where not relrowsecurity',
                'RLS is enabled on every aurora table');

select is_empty(
    $$ select tablename || '.' || policyname from pg_policies
        where schemaname = 'public' and roles && array['public'::name] $$,
    'every policy names its roles (never PUBLIC)');

select is_empty(
    $$ select tablename || '.' || policyname from pg_policies
        where schemaname in ('public', 'storage')
          and replace(replace(coalesce(qual, '') || coalesce(with_check, ''),
                              '( SELECT auth.uid() AS uid)', ''), 'SELECT auth.uid() AS uid', '')
              ~ 'auth\.uid\(\)' $$,
    'policies compute auth.uid() once per query: (select auth.uid())');

select is(
    (select count(*)::int from pg_class
      where relname in ('chat_messages_with_profiles', 'my_salons', 'salons_with_details')
        and relkind = 'v' and 'security_invoker=true' = any(reloptions)),
    3, 'the three views run with security_invoker');

select is_empty(
    $$ select p.oid::regprocedure::text from pg_proc p
         join pg_depend d on d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e'
         join pg_extension e on e.oid = d.refobjid and e.extname = 'aurora'
        where p.prosecdef
          and not exists (select 1 from unnest(p.proconfig) c where c like 'search_path=%') $$,
    'every SECURITY DEFINER function pins its search_path');

select is_empty(
    $$ select p.oid::regprocedure::text from pg_proc p
         join pg_depend d on d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e'
         join pg_extension e on e.oid = d.refobjid and e.extname = 'aurora'
        where p.prosecdef and (has_function_privilege('anon', p.oid, 'execute')
                               or exists (select 1 from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                                           where a.grantee = 0)) $$,
    'no SECURITY DEFINER function is executable by PUBLIC or anon');

select is_empty(
    $$ select name from aurora_tables
        where has_table_privilege('anon', oid, 'select') and name not in ('courses', 'lessons') $$,
    'anon reads nothing but the published catalogue (Supabase default grants revoked)');

select is_empty(
    $$ select name from aurora_tables t
        where has_table_privilege('authenticated', t.oid, 'insert')
           or has_table_privilege('authenticated', t.oid, 'update')
           or has_table_privilege('authenticated', t.oid, 'truncate') $$,
    'authenticated has no table-wide write privilege anywhere (column grants only)');

select is_empty(
    $$ select name from aurora_tables t
        where not exists (select 1 from pg_extension e where e.extname = 'aurora' and t.oid = any(e.extconfig)) $$,
    'every aurora table is registered with pg_extension_config_dump');

-- Realtime does not apply RLS to DELETE events: only tables whose delete events (their
-- primary key) reveal nothing worth hiding are published (platform/finalize.sql).
select set_eq(
    $$ select tablename::text from pg_publication_tables
        where pubname = 'supabase_realtime' and schemaname = 'public' $$,
    $$ values ('chat_messages'), ('message_reactions'), ('profiles') $$,
    'realtime publishes chat messages, reactions and profiles; not salon_members (a delete says who left which salon)');
select is_empty(
    $$ select c.relname from pg_publication_tables t join pg_class c on c.oid = (t.schemaname || '.' || t.tablename)::regclass
        where t.pubname = 'supabase_realtime' and t.schemaname = 'public' and c.relreplident <> 'd' $$,
    'published tables keep the default replica identity: a delete event carries the primary key, never the row');

select results_eq(
    $$ select id, public, file_size_limit from storage.buckets order by id $$,
    $$ values ('avatars', true, 2097152::bigint), ('covers', true, 5242880::bigint),
              ('salon-avatars', true, 2097152::bigint) $$,
    'storage buckets with their size limits');

select is_empty(
    $$ select id from storage.buckets where not (allowed_mime_types <@ array['image/png', 'image/jpeg', 'image/webp', 'image/gif']) $$,
    'buckets accept images only');

select has_index('public', 'chat_messages', 'idx_chat_messages_salon_created', 'messages by salon and time');
select has_index('public', 'salon_members', 'idx_salon_members_user_id', 'memberships by user (policy path)');
select has_index('public', 'profiles', 'idx_profiles_presence_sweep', 'partial index for the presence sweep');

-- Every right a client role (anon, authenticated, PUBLIC) holds on aurora's objects, and
-- nothing else: no sequence but the two members insert with, nothing in aurora_private,
-- no column the design does not name. Supabase's default privileges hand every new object
-- in public to anon and authenticated; a right that comes back fails here.
create temp view client_privileges as
with ext as (
    select d.classid, d.objid from pg_depend d
      join pg_extension e on e.oid = d.refobjid and e.extname = 'aurora'
     where d.deptype = 'e'
), grantee(oid, name) as (
    values (0::oid, 'public'), (to_regrole('anon')::oid, 'anon'), (to_regrole('authenticated')::oid, 'authenticated')
)
select g.name as grantee, c.oid::regclass::text as object, a.privilege_type as privilege
  from ext join pg_class c on ext.classid = 'pg_class'::regclass and c.oid = ext.objid
  cross join lateral aclexplode(coalesce(c.relacl, acldefault((case c.relkind when 'S' then 's' else 'r' end)::"char", c.relowner))) a
  join grantee g on g.oid = a.grantee
union all
select g.name, c.oid::regclass::text || '(' || string_agg(att.attname, ', ' order by att.attnum) || ')', a.privilege_type
  from ext join pg_class c on ext.classid = 'pg_class'::regclass and c.oid = ext.objid
  join pg_attribute att on att.attrelid = c.oid and att.attacl is not null and not att.attisdropped
  cross join lateral aclexplode(att.attacl) a
  join grantee g on g.oid = a.grantee
 group by g.name, c.oid, a.privilege_type
union all
select g.name, p.oid::regprocedure::text, a.privilege_type
  from ext join pg_proc p on ext.classid = 'pg_proc'::regclass and p.oid = ext.objid
  cross join lateral aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
  join grantee g on g.oid = a.grantee
union all
select g.name, 'schema ' || n.nspname, a.privilege_type
  from pg_namespace n
  cross join lateral aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
  join grantee g on g.oid = a.grantee
 where n.nspname in ('aurora_private', 'public');
select set_eq(
    'select grantee, object, privilege from client_privileges',
    $$ values
    ('anon', 'courses', 'SELECT'),
    ('anon', 'lessons', 'SELECT'),
    ('anon', 'schema public', 'USAGE'),
    ('authenticated', 'accept_salon_invitation(text)', 'EXECUTE'),
    ('authenticated', 'aurora_settings', 'SELECT'),
    ('authenticated', 'chat_messages', 'SELECT'),
    ('authenticated', 'chat_messages(content)', 'UPDATE'),
    ('authenticated', 'chat_messages(content, user_id, salon_id, reply_to_id)', 'INSERT'),
    ('authenticated', 'chat_messages_id_seq', 'USAGE'),
    ('authenticated', 'chat_messages_with_profiles', 'SELECT'),
    ('authenticated', 'check_inactive_users()', 'EXECUTE'),
    ('authenticated', 'courses', 'SELECT'),
    ('authenticated', 'create_salon_invitation(uuid,text,uuid,integer)', 'EXECUTE'),
    ('authenticated', 'create_salon_with_code(text,text,text,text,text)', 'EXECUTE'),
    ('authenticated', 'delete_message(bigint)', 'EXECUTE'),
    ('authenticated', 'delete_my_account()', 'EXECUTE'),
    ('authenticated', 'enrollments', 'SELECT'),
    ('authenticated', 'enrollments(user_id, course_id)', 'INSERT'),
    ('authenticated', 'ensure_profile()', 'EXECUTE'),
    ('authenticated', 'export_my_data()', 'EXECUTE'),
    ('authenticated', 'get_all_message_reactions_batch(bigint[])', 'EXECUTE'),
    ('authenticated', 'get_course_lessons(uuid)', 'EXECUTE'),
    ('authenticated', 'get_leaderboard(integer)', 'EXECUTE'),
    ('authenticated', 'get_lesson_content(uuid)', 'EXECUTE'),
    ('authenticated', 'get_message_reactions_summary(bigint)', 'EXECUTE'),
    ('authenticated', 'get_reply_message_info(bigint)', 'EXECUTE'),
    ('authenticated', 'get_salon_page(uuid,bigint,integer)', 'EXECUTE'),
    ('authenticated', 'handle_message_reaction(bigint,text,text)', 'EXECUTE'),
    ('authenticated', 'handle_user_signin()', 'EXECUTE'),
    ('authenticated', 'handle_user_signout()', 'EXECUTE'),
    ('authenticated', 'join_salon_via_code(text)', 'EXECUTE'),
    ('authenticated', 'leave_salon(uuid)', 'EXECUTE'),
    ('authenticated', 'lessons', 'SELECT'),
    ('authenticated', 'message_reactions', 'DELETE'),
    ('authenticated', 'message_reactions', 'SELECT'),
    ('authenticated', 'message_reactions(salon_id, message_id, user_id, emoji)', 'INSERT'),
    ('authenticated', 'message_reactions_id_seq', 'USAGE'),
    ('authenticated', 'my_profile()', 'EXECUTE'),
    ('authenticated', 'my_salon_ids()', 'EXECUTE'),
    ('authenticated', 'my_salons', 'SELECT'),
    ('authenticated', 'profiles', 'SELECT'),
    ('authenticated', 'profiles(full_name, avatar_url, auto_offline_after)', 'UPDATE'),
    ('authenticated', 'member_accounts', 'SELECT'),
    ('authenticated', 'member_accounts(bio, city, interests, cover_url, current_salon_id, onboarding_completed, onboarding_answers)', 'UPDATE'),
    ('authenticated', 'my_account', 'SELECT'),
    ('authenticated', 'record_profile_view(uuid)', 'EXECUTE'),
    ('authenticated', 'start_trial()', 'EXECUTE'),
    ('authenticated', 'rpc_check_inactive_users()', 'EXECUTE'),
    ('authenticated', 'rpc_set_manual_status(text)', 'EXECUTE'),
    ('authenticated', 'rpc_update_activity()', 'EXECUTE'),
    ('authenticated', 'salon_counter_shards', 'SELECT'),
    ('authenticated', 'salon_invitations', 'SELECT'),
    ('authenticated', 'salon_members', 'DELETE'),
    ('authenticated', 'salon_members', 'SELECT'),
    ('authenticated', 'salon_members(notifications_enabled)', 'UPDATE'),
    ('authenticated', 'salon_share_code(uuid)', 'EXECUTE'),
    ('authenticated', 'salons', 'DELETE'),
    ('authenticated', 'salons', 'SELECT'),
    ('authenticated', 'salon_share_codes', 'SELECT'),
    ('authenticated', 'salons(name, description, avatar_url, category, city, color_theme)', 'UPDATE'),
    ('authenticated', 'salons_with_details', 'SELECT'),
    ('authenticated', 'schema public', 'USAGE'),
    ('authenticated', 'set_member_role(uuid,uuid,text)', 'EXECUTE'),
    ('authenticated', 'start_course(uuid)', 'EXECUTE'),
    ('authenticated', 'storage_path_is_normal(text)', 'EXECUTE'),
    ('authenticated', 'subscriptions', 'SELECT'),
    ('authenticated', 'toggle_message_reaction(bigint,text)', 'EXECUTE'),
    ('authenticated', 'update_lesson_progress(uuid,integer,integer,integer)', 'EXECUTE'),
    ('authenticated', 'update_user_activity()', 'EXECUTE'),
    ('authenticated', 'user_achievements', 'SELECT'),
    ('authenticated', 'user_activities', 'SELECT'),
    ('authenticated', 'user_courses', 'SELECT'),
    ('authenticated', 'user_is_salon_member(uuid,uuid)', 'EXECUTE'),
    ('authenticated', 'user_lesson_progress', 'SELECT'),
    ('authenticated', 'user_progress_history', 'SELECT'),
    ('authenticated', 'user_stats', 'SELECT'),
    ('public', 'schema public', 'USAGE')
    $$,
    'client roles hold exactly the privileges the design names');
select throws_ok($$ set local role anon; select setval('email_outbox_id_seq', 1000000) $$, '42501', null,
                 'anon cannot move a sequence (every later sign-up would fail)');
reset role;
select throws_ok($$ set local role authenticated; select setval('chat_messages_id_seq', 1000000) $$, '42501', null,
                 'nor a member, even on a sequence she inserts with');
reset role;
select throws_ok($$ set local role authenticated; select aurora_private.unwrap('{"error": {"code": "PT402", "message": "x"}}') $$,
                 '42501', null, 'a member cannot call aurora_private.unwrap() to raise errors of her choosing');
reset role;
select throws_ok($$ set local role authenticated; select aurora_private.join_salon_via_code('X') $$,
                 '42501', null, 'nor a core around its public wrapper');
reset role;

select * from finish();
rollback;
