-- The public face of a Rust core: pass its `ok` on, or raise its error with the SQLSTATE
-- PostgREST turns into the HTTP status (42501 → 401/403, 22023 → 400, PT402 → 402,
-- PT404 → 404, PT410 → 410, PT429 → 429). The public wrappers around the cores are
-- PL/pgSQL, `begin return aurora_private.unwrap(...); end`: a SQL function with a SET
-- clause is never inlined and is parsed and planned again on every call, PL/pgSQL keeps
-- its plan for the session (measured: the same RPC 15 % faster end to end). They are
-- SECURITY DEFINER, so that no client needs (or has) any right in aurora_private: a member
-- cannot call a core, or this function with an error of her choosing, directly.
create function aurora_private.unwrap(result jsonb) returns jsonb
language plpgsql immutable
set search_path = pg_catalog, pg_temp
as $$
declare
    code text := result #>> '{error,code}';
    message text := result #>> '{error,message}';
    detail text := result #>> '{error,detail}';
    hint text := result #>> '{error,hint}';
begin
    if result ? 'error' then
        -- an absent detail or hint stays absent (PostgREST answers null, not "")
        if detail is null and hint is null then
            raise exception using errcode = code, message = message;
        elsif detail is null then
            raise exception using errcode = code, message = message, hint = hint;
        elsif hint is null then
            raise exception using errcode = code, message = message, detail = detail;
        else
            raise exception using errcode = code, message = message, detail = detail, hint = hint;
        end if;
    end if;
    return nullif(result -> 'ok', 'null'::jsonb);
end
$$;

-- The typed face of a core's answer: its `ok` as the function's declared result type (a
-- composite the type generator and PostgREST both see; `shape` is `null::<type>`), or its
-- error raised as unwrap() raises it. An `ok` that is not an object (join_salon_via_code's
-- unknown code) is SQL null; PostgREST shows a null composite as an object of nulls.
create function aurora_private.unwrap_as(result jsonb, shape anyelement) returns anyelement
language plpgsql immutable
set search_path = pg_catalog, pg_temp
as $$
begin
    if result ? 'error' then
        perform aurora_private.unwrap(result);
    end if;
    if jsonb_typeof(result -> 'ok') is distinct from 'object' then
        return null;
    end if;
    return jsonb_populate_record(shape, result -> 'ok');
end
$$;

-- The same for a core that raises its errors itself and answers a plain object.
create function aurora_private.answer_as(answer jsonb, shape anyelement) returns anyelement
language plpgsql immutable
set search_path = pg_catalog, pg_temp
as $$
begin
    if jsonb_typeof(answer) is distinct from 'object' then
        return null;
    end if;
    return jsonb_populate_record(shape, answer);
end
$$;

-- settings are readable by members (clients show the limits), written by service_role
alter table aurora_settings enable row level security;
create policy aurora_settings_select on aurora_settings for select to authenticated using (true);
create trigger aurora_settings_updated_at before update on aurora_settings
    for each row execute function set_updated_at();

-- A Storage object name that is a normal path: segments joined by single slashes, none of
-- them empty, "." or "..", no slash at either end. Storage does not normalise names, and
-- the storage policies (platform/finalize.sql) judge an object by its first folder:
-- `<me>/../<victim>/a.png` must not pass as hers. SQL and without SET, so it is inlined.
create function storage_path_is_normal(name text) returns boolean
language sql immutable strict parallel safe
as $$ select $1 ~ '^[^/]+(/[^/]+)*$' and $1 !~ '(^|/)\.{1,2}(/|$)' $$;

-- The edge's database role: it applies verified Stripe events and (issue: email outbox)
-- delivers emails; for member routes it acts as `authenticated` the PostgREST way. A
-- deployment creates its login role inside it: create role edge login in role aurora_edge.
do $$
begin
    if not exists (select from pg_roles where rolname = 'aurora_edge') then
        create role aurora_edge nologin noinherit;
    end if;
exception when duplicate_object or unique_violation then
    null;  -- created meanwhile by another database's install: roles are cluster-wide
end
$$;
grant authenticated to aurora_edge;
