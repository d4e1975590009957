-- salons: defaults and triggers that need the Rust functions, views, policies ------------

-- every salon has its share code from the start, however it is created (a fresh one on
-- the rare collision)
create function salon_share_code_assign() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    for attempt in 1..5 loop
        insert into public.salon_share_codes (salon_id, share_code)
        values (new.id, public.generate_share_code())
        on conflict (share_code) do nothing;
        if found then
            return null;
        end if;
    end loop;
    raise exception 'no free share code after 5 attempts';
end
$$;
create trigger salons_share_code after insert on salons
    for each row execute function salon_share_code_assign();

alter function salon_created() security definer set search_path = pg_catalog, pg_temp;
alter function salon_member_counters() security definer set search_path = pg_catalog, pg_temp;

create trigger salons_created after insert on salons
    for each row execute function salon_created();
-- counter folds and archival bookkeeping are not edits: only these columns stamp updated_at
create trigger salons_updated_at
    before update of name, description, avatar_url, category, city, color_theme, owner_id, is_active
    on salons for each row execute function set_updated_at();
create trigger salon_members_counters after insert or delete or update of role on salon_members
    for each row execute function salon_member_counters();

-- The caller's salons. Policies use `salon_id in (select my_salon_ids())`: evaluated once
-- per query as a hashed subplan, and SECURITY DEFINER so that salon_members' own policy
-- does not recurse into itself. PL/pgSQL, not SQL: a SQL function that cannot be inlined
-- (SECURITY DEFINER, SET) is parsed and planned again in every query that calls it, while
-- PL/pgSQL keeps its plan for the session (measured: +30 % read pages/s).
create function my_salon_ids() returns setof uuid
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
rows 20
as $$
begin
    return query select m.salon_id from public.salon_members m where m.user_id = (select auth.uid());
end
$$;

-- A salon's share code, for its members only.
create function salon_share_code(salon_id uuid) returns text
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select c.share_code from public.salon_share_codes c
     where c.salon_id = $1
       and exists (select 1 from public.salon_members m
                    where m.salon_id = $1 and m.user_id = (select auth.uid()))
$$;

-- Salons with exact counters (folded part + unfolded shard deltas) and their owner.
-- messages_today counts since midnight Europe/Paris, and only what the caller may read.
create view salons_with_details with (security_invoker = true) as
select s.id, s.name, s.description, s.avatar_url, s.category, s.city, s.color_theme,
       s.owner_id, s.is_active,
       s.member_count + coalesce(c.member_delta, 0) as member_count,
       s.message_count + coalesce(c.message_delta, 0) as message_count,
       s.created_at, s.updated_at,
       p.full_name as owner_name,
       p.avatar_url as owner_avatar,
       s.member_count + coalesce(c.member_delta, 0) as actual_member_count,
       (select count(*) from chat_messages m
         where m.salon_id = s.id and not m.is_deleted
           and m.created_at >= (date_trunc('day', now() at time zone 'Europe/Paris')
                                at time zone 'Europe/Paris')) as messages_today
  from salons s
  left join lateral (select sum(x.member_delta)::int as member_delta,
                            sum(x.message_delta)::int as message_delta
                       from salon_counter_shards x where x.salon_id = s.id) c on true
  left join profiles p on p.id = s.owner_id;

create view my_salons with (security_invoker = true) as
select d.*, salon_share_code(d.id) as share_code,
       sm.role, sm.joined_at, sm.last_seen_at, sm.notifications_enabled
  from salons_with_details d
  join salon_members sm on sm.salon_id = d.id
 where sm.user_id = (select auth.uid());

alter table salons enable row level security;
create policy salons_select on salons for select to authenticated
    using (is_active or id in (select my_salon_ids()));
create policy salons_update_owner on salons for update to authenticated
    using (owner_id = (select auth.uid()))
    with check (owner_id = (select auth.uid()));
create policy salons_delete_owner on salons for delete to authenticated
    using (owner_id = (select auth.uid()));

alter table salon_members enable row level security;
create policy salon_members_select on salon_members for select to authenticated
    using (salon_id in (select my_salon_ids()));
create policy salon_members_update_own on salon_members for update to authenticated
    using (user_id = (select auth.uid()))
    with check (user_id = (select auth.uid()));
-- leaving; an owner hands the salon over first (RPC)
create policy salon_members_leave on salon_members for delete to authenticated
    using (user_id = (select auth.uid()) and role <> 'owner');

-- a salon's share code: for its members
alter table salon_share_codes enable row level security;
create policy salon_share_codes_select_members on salon_share_codes for select to authenticated
    using (salon_id in (select my_salon_ids()));

alter table salon_counter_shards enable row level security;
-- a salon's counters are visible exactly where the salon is (salons' own policy applies
-- inside the subquery): not for archived or hidden salons she is not a member of
create policy salon_counter_shards_select on salon_counter_shards for select to authenticated
    using (salon_id in (select s.id from salons s));

alter table salon_invitations enable row level security;
alter table salon_invitation_tokens enable row level security;
create policy salon_invitations_select on salon_invitations for select to authenticated
    using (invitee_id = (select auth.uid())
           or invited_by = (select auth.uid())
           or salon_id in (select m.salon_id from salon_members m
                            where m.user_id = (select auth.uid())
                              and m.role in ('owner', 'moderator')));

-- wrong share codes are aurora's bookkeeping (freemium::may_try_a_code): no client policy at all
alter table salon_join_attempts enable row level security;
