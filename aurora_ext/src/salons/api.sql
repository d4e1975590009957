-- salons: the RPCs supabase-js calls (cores in salons/api.rs) -----------------------------

-- What the RPCs answer, as types the client's generated types name (docs/api.md).
-- A salon as its member sees it: the directory's fields, its share code, her role.
create type salon_answer as (
    id uuid, name text, description text, avatar_url text, category text, city text,
    color_theme text, owner_id uuid, is_active boolean, member_count integer,
    message_count integer, created_at timestamptz, updated_at timestamptz, owner_name text,
    owner_avatar text, actual_member_count integer, messages_today bigint, share_code text,
    role salon_role, joined_at timestamptz
);
create type salon_invitation_answer as (
    id uuid, salon_id uuid, token text, expires_at timestamptz, invitee_id uuid, invitee_email text
);
create type salon_departure as (salon_id uuid, "left" boolean, new_owner uuid, archived boolean);
create type salon_role_answer as (salon_id uuid, user_id uuid, role salon_role);

create function create_salon_with_code(name text, description text default null,
                                       category text default null, city text default null,
                                       color_theme text default null)
returns salon_answer language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_create_salon_with_code';

-- null when no active salon has this code (the attempt counts toward the rate limit)
-- (native: platform/native.rs)
create function join_salon_via_code(code text)
returns salon_answer language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_join_salon_via_code';

create function create_salon_invitation(salon_id uuid, invitee_email text default null,
                                        invitee_id uuid default null, expires_in_days integer default null)
returns salon_invitation_answer language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_create_salon_invitation';

create function accept_salon_invitation(token text)
returns salon_answer language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_accept_salon_invitation';

-- native (platform/native.rs): the C function answers the type and raises its errors itself
create function leave_salon(salon_id uuid)
returns salon_departure language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_leave_salon';

create function set_member_role(salon_id uuid, user_id uuid, role text)
returns salon_role_answer language c volatile security definer set search_path = pg_catalog, pg_temp
as 'MODULE_PATHNAME', 'aurora_set_member_role';
