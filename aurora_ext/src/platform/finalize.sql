-- Grants, dump registration, realtime and storage. Last, in one place.

-- Grants ------------------------------------------------------------------------------
-- Supabase's default privileges hand every new object in public to anon, authenticated
-- and service_role, and PostgreSQL gives EXECUTE on new functions to PUBLIC. Start every
-- table, view, sequence and function of the extension from nothing (setval by anon on a
-- sequence would break every later insert, and no rollback undoes it), then grant exactly
-- what each role needs, by name, below: a new object is closed to clients until then.
-- service_role is the back office (and the edge): it bypasses RLS and may do anything.
do $$
declare object text;
declare relation boolean;
begin
    for object, relation in
        select case when d.classid = 'pg_proc'::regclass then 'function ' || d.objid::regprocedure
                    when c.relkind = 'S' then 'sequence ' || d.objid::regclass
                    else 'table ' || d.objid::regclass end,
               d.classid = 'pg_class'::regclass
          from pg_depend d
          join pg_extension e on e.oid = d.refobjid and e.extname = 'aurora'
          left join pg_class c on d.classid = 'pg_class'::regclass and c.oid = d.objid
         where d.deptype = 'e' and (d.classid = 'pg_proc'::regclass or c.relkind in ('r', 'p', 'v', 'm', 'S'))
    loop
        execute format('revoke all on %s from public, anon, authenticated', object);
        if relation then
            execute format('grant all on %s to service_role', object);
        end if;
    end loop;
end
$$;
revoke all on schema aurora_private from public, anon;

grant usage on schema aurora_private to service_role;
grant execute on all functions in schema aurora_private to service_role;
grant execute on function
    generate_share_code(), fold_salon_counters(), user_is_salon_member(uuid, uuid),
    my_salon_ids(), salon_share_code(uuid), my_profile(), get_lesson_content(uuid),
    get_table_columns(text), check_inactive_users(), rpc_check_inactive_users(),
    create_salon_with_code(text, text, text, text, text), join_salon_via_code(text),
    create_salon_invitation(uuid, text, uuid, integer), accept_salon_invitation(text),
    leave_salon(uuid), set_member_role(uuid, uuid, text), delete_message(bigint),
    get_reply_message_info(bigint), toggle_message_reaction(bigint, text),
    handle_message_reaction(bigint, text, text), get_message_reactions_summary(bigint),
    get_all_message_reactions_batch(bigint[]), get_salon_page(uuid, bigint, integer), start_course(uuid), get_course_lessons(uuid),
    update_lesson_progress(uuid, integer, integer, integer), record_profile_view(uuid),
    get_leaderboard(integer), export_my_data()
    to service_role;

-- profiles: the public face of a member to the community, what chat needs (name, avatar,
-- presence), readable whole. Presence is written by aurora's functions only.
grant select on profiles to authenticated;
grant update (full_name, avatar_url, auto_offline_after) on profiles to authenticated;
-- her account (her own row, RLS): her profile page (bio, city, interests, cover), which
-- others read through record_profile_view() (it counts a free member's daily views), and
-- what stays private: email, Stripe ids, subscription, onboarding, counters, her current
-- salon. She edits her page, onboarding and current salon; the rest is aurora's.
grant select on member_accounts, my_account to authenticated;
grant update (bio, city, interests, cover_url, onboarding_completed, onboarding_answers, current_salon_id)
    on member_accounts to authenticated;

-- salons: the directory; share codes are apart, for members (salon_share_codes, RLS; also
-- salon_share_code(), my_salons). Creating and joining go through functions (share code,
-- limits); owners edit and may delete.
grant select on salons to authenticated;
grant select on salon_share_codes to authenticated;
grant update (name, description, avatar_url, category, city, color_theme) on salons to authenticated;
grant delete on salons to authenticated;
grant select on salons_with_details, my_salons to authenticated;
grant select on salon_counter_shards to authenticated;
-- members see each other and can mute a salon or leave it; roles change through functions
grant select on salon_members to authenticated;
grant update (notifications_enabled) on salon_members to authenticated;
grant delete on salon_members to authenticated;
-- invitations are created and accepted through functions; their token hashes
-- (salon_invitation_tokens) never leave
grant select on salon_invitations to authenticated;

-- chat: posting is a plain insert (what supabase-js does), guarded by RLS and triggers;
-- authors may edit their text; deletion is soft, through a function.
grant select on chat_messages, chat_messages_with_profiles to authenticated;
grant insert (salon_id, user_id, content, reply_to_id) on chat_messages to authenticated;
grant update (content) on chat_messages to authenticated;
grant usage on sequence chat_messages_id_seq to authenticated;
grant select, delete on message_reactions to authenticated;
grant insert (salon_id, message_id, user_id, emoji) on message_reactions to authenticated;
grant usage on sequence message_reactions_id_seq to authenticated;

-- courses: the published catalogue is public; lesson bodies and videos are not
-- (get_lesson_content()). Enrolling is a plain insert into a published course.
grant select on courses to anon, authenticated;
grant select on lessons to anon, authenticated;
grant select on enrollments to authenticated;
grant insert (course_id, user_id) on enrollments to authenticated;
-- progress and everything it pays (points, badges, activity) is written by aurora
grant select on user_lesson_progress, user_courses, user_stats, user_achievements,
                user_activities, user_progress_history
    to authenticated;

-- functions called from policies, views and clients
-- The API: the public wrappers (SECURITY DEFINER) call the Rust cores in aurora_private,
-- which check the caller themselves (from the request's role and claims, which a definer
-- frame does not change). aurora_private is closed to clients: no member can call a core,
-- the error-raising unwrap() or any other helper directly. get_table_columns and
-- fold_salon_counters stay with service_role.
grant execute on function
    my_salon_ids(), salon_share_code(uuid), user_is_salon_member(uuid, uuid), my_profile(),
    create_salon_with_code(text, text, text, text, text), join_salon_via_code(text),
    create_salon_invitation(uuid, text, uuid, integer), accept_salon_invitation(text),
    leave_salon(uuid), set_member_role(uuid, uuid, text),
    delete_message(bigint), get_reply_message_info(bigint), toggle_message_reaction(bigint, text),
    handle_message_reaction(bigint, text, text), get_message_reactions_summary(bigint),
    get_all_message_reactions_batch(bigint[]), get_salon_page(uuid, bigint, integer),
    handle_user_signin(), handle_user_signout(), update_user_activity(), rpc_update_activity(),
    rpc_set_manual_status(text), check_inactive_users(), rpc_check_inactive_users(),
    get_lesson_content(uuid), start_course(uuid), get_course_lessons(uuid),
    update_lesson_progress(uuid, integer, integer, integer),
    get_leaderboard(integer), record_profile_view(uuid), start_trial(),
    export_my_data(), delete_my_account(), ensure_profile(), storage_path_is_normal(text)
    to authenticated;
-- limits are no secret: clients show them
grant select on aurora_settings to authenticated;
-- a member reads her own subscriptions (RLS)
grant select on subscriptions to authenticated;

-- The edge's functions: it applies verified Stripe events and works the email and contact
-- queues (not member API: closed to members like every aurora_private function).
grant execute on function
    aurora_private.apply_stripe_event(jsonb), aurora_private.reject_stripe_event(jsonb, text),
    aurora_private.claim_emails(integer, integer),
    aurora_private.complete_email(bigint, uuid, text, text, text, integer, integer),
    aurora_private.email_outbox_stats(), aurora_private.queue_member_email(uuid, text, jsonb, text),
    aurora_private.claim_contact_syncs(integer, integer),
    aurora_private.complete_contact_sync(bigint, uuid, text, text, integer, integer),
    aurora_private.renew_lease(text, bigint, uuid, integer),
    aurora_private.claim_erasure_step(integer),
    aurora_private.complete_erasure_step(uuid, text, uuid, text, jsonb, text, integer),
    aurora_private.erasure_stats()
    to aurora_edge;
-- erasure: a member starts hers (delete_my_account()); service_role anyone's
grant execute on function erase_member(uuid) to service_role;
grant usage on schema aurora_private to aurora_edge;
grant execute on function queue_subscription_reminders(integer) to service_role;

-- pg_dump ------------------------------------------------------------------------------
-- Extension tables are not dumped unless registered: register every one, so a dump and
-- restore loses nothing. Restore with session_replication_role = replica (see README),
-- as Supabase's own restore guide does, so triggers do not replay what the data holds.
-- (one call per statement: each call rewrites the pg_extension row)
select pg_catalog.pg_extension_config_dump('profiles', '');
select pg_catalog.pg_extension_config_dump('member_accounts', '');
select pg_catalog.pg_extension_config_dump('salons', '');
select pg_catalog.pg_extension_config_dump('salon_share_codes', '');
select pg_catalog.pg_extension_config_dump('salon_members', '');
select pg_catalog.pg_extension_config_dump('salon_counter_shards', '');
select pg_catalog.pg_extension_config_dump('salon_invitations', '');
select pg_catalog.pg_extension_config_dump('salon_invitation_tokens', '');
select pg_catalog.pg_extension_config_dump('chat_messages', '');
select pg_catalog.pg_extension_config_dump('message_reactions', '');
select pg_catalog.pg_extension_config_dump('courses', '');
select pg_catalog.pg_extension_config_dump('lessons', '');
select pg_catalog.pg_extension_config_dump('lesson_bodies', '');
select pg_catalog.pg_extension_config_dump('enrollments', '');
select pg_catalog.pg_extension_config_dump('user_lesson_progress', '');
select pg_catalog.pg_extension_config_dump('user_courses', '');
select pg_catalog.pg_extension_config_dump('user_stats', '');
select pg_catalog.pg_extension_config_dump('user_achievements', '');
select pg_catalog.pg_extension_config_dump('user_activities', '');
select pg_catalog.pg_extension_config_dump('user_progress_history', '');
select pg_catalog.pg_extension_config_dump('chat_messages_id_seq', '');
select pg_catalog.pg_extension_config_dump('message_reactions_id_seq', '');
select pg_catalog.pg_extension_config_dump('aurora_settings', '');
select pg_catalog.pg_extension_config_dump('email_outbox', '');
select pg_catalog.pg_extension_config_dump('email_outbox_id_seq', '');
select pg_catalog.pg_extension_config_dump('salon_join_attempts', '');
select pg_catalog.pg_extension_config_dump('stripe_events', '');
select pg_catalog.pg_extension_config_dump('subscriptions', '');
select pg_catalog.pg_extension_config_dump('brevo_contact_sync', '');
select pg_catalog.pg_extension_config_dump('brevo_contact_sync_id_seq', '');
select pg_catalog.pg_extension_config_dump('aurora_private.erasures', '');
select pg_catalog.pg_extension_config_dump('aurora_private.erasure_steps', '');

-- Realtime -----------------------------------------------------------------------------
-- Supabase Realtime applies RLS to inserts and updates, not to deletes: a DELETE event goes
-- to every subscriber of the table, carrying the old row's replica identity. So only tables
-- whose deletes reveal nothing worth hiding are published, each with the default identity
-- (its primary key, never FULL): chat_messages (a hard delete is a cascade; it carries
-- (salon_id, id)), message_reactions ((salon_id, id)), profiles (a member id). Not
-- salon_members: its key says who left which salon; clients refresh member lists from the
-- join/leave answers and chat events. tests/sql/01_structure.sql holds this list.
do $$
begin
    if exists (select from pg_publication where pubname = 'supabase_realtime' and not puballtables) then
        alter publication supabase_realtime add table chat_messages, message_reactions, profiles;
    end if;
end
$$;

-- Storage ------------------------------------------------------------------------------
-- Buckets and their policies, when Supabase Storage is there: a member writes only under
-- her own folder (<user id>/...), a salon's avatar only by the salon's owner
-- (<salon id>/...). Object names must be normal paths (storage_path_is_normal()): the
-- folder a policy checks is then the folder the object is in. The buckets are public:
-- files are served by URL, which needs no policy; listing is only for a member's own
-- folder and the avatars of salons she can see (folder names are member and salon ids).
-- Column references are qualified (objects.name): inside a subquery on salons, a bare
-- `name` is salons.name.
do $$
begin
    if to_regclass('storage.buckets') is null or to_regclass('storage.objects') is null then
        return;
    end if;

    insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
    values
        ('avatars', 'avatars', true, 2 * 1024 * 1024,
         array['image/png', 'image/jpeg', 'image/webp', 'image/gif']),
        ('salon-avatars', 'salon-avatars', true, 2 * 1024 * 1024,
         array['image/png', 'image/jpeg', 'image/webp', 'image/gif']),
        ('covers', 'covers', true, 5 * 1024 * 1024,
         array['image/png', 'image/jpeg', 'image/webp'])
    on conflict (id) do update
        set public = excluded.public,
            file_size_limit = excluded.file_size_limit,
            allowed_mime_types = excluded.allowed_mime_types;

    drop policy if exists aurora_images_read on storage.objects;
    drop policy if exists aurora_own_folder_select on storage.objects;
    drop policy if exists aurora_own_folder_insert on storage.objects;
    drop policy if exists aurora_own_folder_update on storage.objects;
    drop policy if exists aurora_own_folder_delete on storage.objects;
    drop policy if exists aurora_salon_avatar_select on storage.objects;
    drop policy if exists aurora_salon_avatar_insert on storage.objects;
    drop policy if exists aurora_salon_avatar_update on storage.objects;
    drop policy if exists aurora_salon_avatar_delete on storage.objects;

    create policy aurora_own_folder_select on storage.objects for select to authenticated
        using (bucket_id in ('avatars', 'covers') and public.storage_path_is_normal(objects.name)
               and (storage.foldername(objects.name))[1] = (select auth.uid())::text);
    -- writing needs her profile: an account being erased has none, and uploads nothing more
    create policy aurora_own_folder_insert on storage.objects for insert to authenticated
        with check (bucket_id in ('avatars', 'covers') and public.storage_path_is_normal(objects.name)
                    and (storage.foldername(objects.name))[1] = (select auth.uid())::text
                    and exists (select from public.profiles p where p.id = (select auth.uid())));
    create policy aurora_own_folder_update on storage.objects for update to authenticated
        using (bucket_id in ('avatars', 'covers') and public.storage_path_is_normal(objects.name)
               and (storage.foldername(objects.name))[1] = (select auth.uid())::text)
        with check (bucket_id in ('avatars', 'covers') and public.storage_path_is_normal(objects.name)
                    and (storage.foldername(objects.name))[1] = (select auth.uid())::text
                    and exists (select from public.profiles p where p.id = (select auth.uid())));
    create policy aurora_own_folder_delete on storage.objects for delete to authenticated
        using (bucket_id in ('avatars', 'covers') and public.storage_path_is_normal(objects.name)
               and (storage.foldername(objects.name))[1] = (select auth.uid())::text);

    -- a salon's avatar: listed where the salon is visible, written by its owner
    create policy aurora_salon_avatar_select on storage.objects for select to authenticated
        using (bucket_id = 'salon-avatars' and public.storage_path_is_normal(objects.name)
               and (storage.foldername(objects.name))[1] in (select s.id::text from public.salons s));
    create policy aurora_salon_avatar_insert on storage.objects for insert to authenticated
        with check (bucket_id = 'salon-avatars' and public.storage_path_is_normal(objects.name)
                    and (storage.foldername(objects.name))[1] in
                        (select s.id::text from public.salons s where s.owner_id = (select auth.uid())));
    create policy aurora_salon_avatar_update on storage.objects for update to authenticated
        using (bucket_id = 'salon-avatars' and public.storage_path_is_normal(objects.name)
               and (storage.foldername(objects.name))[1] in
                   (select s.id::text from public.salons s where s.owner_id = (select auth.uid())))
        with check (bucket_id = 'salon-avatars' and public.storage_path_is_normal(objects.name)
                    and (storage.foldername(objects.name))[1] in
                        (select s.id::text from public.salons s where s.owner_id = (select auth.uid())));
    create policy aurora_salon_avatar_delete on storage.objects for delete to authenticated
        using (bucket_id = 'salon-avatars' and public.storage_path_is_normal(objects.name)
               and (storage.foldername(objects.name))[1] in
                   (select s.id::text from public.salons s where s.owner_id = (select auth.uid())));
end
$$;
