-- salons: the RPCs supabase-js calls (cores in salons/api.rs) -----------------------------

create function create_salon_with_code(name text, description text default null,
                                       category text default null, city text default null,
                                       color_theme text default null)
returns jsonb language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap(aurora_private.create_salon_with_code(name, description, category, city, color_theme)); end $$;

-- null when no active salon has this code (the attempt counts toward the rate limit)
create function join_salon_via_code(code text)
returns jsonb language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap(aurora_private.join_salon_via_code(code)); end $$;

create function create_salon_invitation(salon_id uuid, invitee_email text default null,
                                        invitee_id uuid default null, expires_in_days integer default null)
returns jsonb language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap(aurora_private.create_salon_invitation(salon_id, invitee_email, invitee_id, expires_in_days)); end $$;

create function accept_salon_invitation(token text)
returns jsonb language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap(aurora_private.accept_salon_invitation(token)); end $$;

create function leave_salon(salon_id uuid)
returns jsonb language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap(aurora_private.leave_salon(salon_id)); end $$;

create function set_member_role(salon_id uuid, user_id uuid, role text)
returns jsonb language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $$ begin return aurora_private.unwrap(aurora_private.set_member_role(salon_id, user_id, role)); end $$;
