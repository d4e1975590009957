-- aurora needs Supabase's auth schema, roles and helpers. On Supabase they exist; on bare
-- PostgreSQL 15 run sql/supabase_env.sql first. The pgrx test harness (which creates the
-- extension itself, in a database it just made) sets aurora.test_supabase_env_file so that
-- the same file is loaded here; nothing else should set it.
do $$
declare
    env_file text := nullif(current_setting('aurora.test_supabase_env_file', true), '');
begin
    if to_regclass('auth.users') is null then
        if env_file is null then
            raise exception 'aurora needs the Supabase auth schema (auth.users) and roles'
                using errcode = 'undefined_table',
                      hint = 'On bare PostgreSQL, run sql/supabase_env.sql before CREATE EXTENSION aurora.';
        end if;
        execute pg_read_file(env_file);
    end if;
    if to_regprocedure('auth.uid()') is null then
        raise exception 'aurora needs auth.uid()' using errcode = 'undefined_function';
    end if;
end
$$;

