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

select set_eq(
    $$ select tablename::text from pg_publication_tables
        where pubname = 'supabase_realtime' and schemaname = 'public' $$,
    $$ values ('chat_messages'), ('message_reactions'), ('profiles'), ('salon_members') $$,
    'realtime publishes the tables the seed lists');

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

select * from finish();
rollback;
