-- How an API core's answer reaches the client. The public RPCs are native (platform/
-- native.rs): the C function forms the core's answer as its declared composite type and
-- raises the core's error with its SQLSTATE, the one PostgREST turns into the HTTP status
-- (42501 → 401/403, 22023 → 400, PT402 → 402, PT404 → 404, PT409 → 409, PT410 → 410,
-- PT429 → 429). What is still SQL around a core uses the two functions below: unwrap()
-- raises a `{"error": …}` answer (the chat insert guard), answer_as() gives an object the
-- declared type (erase_member, whose core is PL/pgSQL). SECURITY DEFINER callers only: no
-- client has any right in aurora_private.
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

-- An object as the declared type `shape` (`null::<type>`); anything else is SQL null.
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
