-- select('*') — the first call most supabase-js code makes (PostgREST: `select=*`, every
-- column) — works on every table and view a client role may read, as anon and as a member:
-- what a role may not read lives in tables of its own, closed to it, never in columns of a
-- table it reads (a column it may not read makes `*` fail with 42501 / HTTP 403).
begin;
select no_plan();
select tests.create_user('ines', 'premium');
select tests.create_user('claire');
select tests.create_salon('lectrices', 'ines');
select tests.add_member('lectrices', 'claire');
insert into chat_messages (salon_id, user_id, content) values (tests.fx('lectrices'), tests.fx('ines'), 'Bonjour');
insert into courses (id, title, slug, is_published) values (gen_random_uuid(), 'Catalogue', 'select-star-catalogue', true);
insert into lessons (course_id, lesson_number, title, is_free)
select id, 1, 'Bienvenue', true from courses where slug = 'select-star-catalogue';

-- every relation of public a client role may read some column of
create temp table readable as
select c.oid::regclass::text as rel, r.role
  from pg_class c cross join (values ('anon'), ('authenticated')) r(role)
 where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f')
   and has_any_column_privilege(r.role, c.oid, 'select');
grant select on readable to public;
select cmp_ok((select count(*)::int from readable where role = 'authenticated'), '>=', 15,
              'members read at least 15 tables and views (the list below is not empty by accident)');
select cmp_ok((select count(*)::int from readable where role = 'anon'), '>=', 2, 'anon reads the catalogue');

select tests.act_as_anon();
select is(array(select rel || ' ' || tests.sqlstate_of(format('select * from %s limit 5', rel))
                  from readable where role = 'anon'
                   and tests.sqlstate_of(format('select * from %s limit 5', rel)) is not null order by rel),
          '{}'::text[], 'anon: select * works on every table and view anon may read');
select is((select count(*)::int from (select * from lessons) l
            where course_id = (select id from courses where slug = 'select-star-catalogue')), 1, '… and finds the catalogue');

select tests.act_as('claire');
select is(array(select rel || ' ' || tests.sqlstate_of(format('select * from %s limit 5', rel))
                  from readable where role = 'authenticated'
                   and tests.sqlstate_of(format('select * from %s limit 5', rel)) is not null order by rel),
          '{}'::text[], 'a member: select * works on every table and view she may read');
select is((select count(*)::int from (select * from salons) s where id = tests.fx('lectrices')), 1, '… and finds the directory');
select is((select count(*)::int from (select * from salon_share_codes) s where salon_id = tests.fx('lectrices')), 1,
          '… and her salon''s code');
select is((select count(*)::int from (select * from chat_messages_with_profiles) m where salon_id = tests.fx('lectrices')), 1,
          '… and her salon''s messages');

select is((select count(*)::int from (select * from profiles) p where id in (tests.fx('ines'), tests.fx('claire'))), 2,
          '… and the member directory');
select is((select array_agg(email) from (select * from my_account) m), array['claire@example.fr'],
          '… and her own account, whole, and nobody else''s');
select is((select array_agg(id) from (select * from member_accounts) m), array[tests.fx('claire')],
          '… in member_accounts too');

select tests.act_as_admin();
select * from finish();
rollback;
