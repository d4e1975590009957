//! Privacy: everything an account holds, as one JSON document; and erasure.
use crate::platform::api::require_user_or_raise;
use crate::platform::error::raise;
use pgrx::prelude::*;
use pgrx::JsonB;

/// One JSON document with everything the caller's account holds.
#[pg_extern(stable, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn export_my_data() -> JsonB {
    let me = require_user_or_raise();
    crate::platform::spi::get_one!(JsonB, 
        "select jsonb_build_object(
            'exported_at', now(),
            'account', (select jsonb_build_object('id', u.id, 'email', u.email, 'phone', u.phone,
                                                  'created_at', u.created_at, 'last_sign_in_at', u.last_sign_in_at,
                                                  'email_confirmed_at', u.email_confirmed_at,
                                                  'user_metadata', u.raw_user_meta_data)
                          from auth.users u where u.id = $1),
            'profile', (select to_jsonb(p) from public.profiles p where p.id = $1),
            'stats', (select to_jsonb(s) - 'user_id' from public.user_stats s where s.user_id = $1),
            'salons', coalesce((select jsonb_agg(jsonb_build_object('salon_id', m.salon_id, 'name', s.name,
                                    'role', m.role, 'joined_at', m.joined_at,
                                    'notifications_enabled', m.notifications_enabled) order by m.joined_at)
                                  from public.salon_members m join public.salons s on s.id = m.salon_id
                                 where m.user_id = $1), '[]'),
            'salons_owned', coalesce((select jsonb_agg(to_jsonb(s) order by s.created_at)
                                        from public.salons s where s.owner_id = $1), '[]'),
            'messages', coalesce((select jsonb_agg(jsonb_build_object('id', m.id, 'salon_id', m.salon_id,
                                     'content', m.content, 'reply_to_id', m.reply_to_id,
                                     'is_deleted', m.is_deleted, 'created_at', m.created_at) order by m.created_at, m.id)
                                    from public.chat_messages m where m.user_id = $1), '[]'),
            'reactions', coalesce((select jsonb_agg(jsonb_build_object('message_id', r.message_id,
                                      'emoji', r.emoji, 'created_at', r.created_at) order by r.created_at)
                                     from public.message_reactions r where r.user_id = $1), '[]'),
            'invitations_sent', coalesce((select jsonb_agg(to_jsonb(i) - 'token_hash' order by i.created_at)
                                            from public.salon_invitations i where i.invited_by = $1), '[]'),
            'enrollments', coalesce((select jsonb_agg(to_jsonb(e) - 'user_id' order by e.enrolled_at)
                                       from public.enrollments e where e.user_id = $1), '[]'),
            'courses', coalesce((select jsonb_agg(to_jsonb(c) - 'user_id' order by c.started_at)
                                   from public.user_courses c where c.user_id = $1), '[]'),
            'lesson_progress', coalesce((select jsonb_agg(to_jsonb(p) - 'user_id' order by p.created_at)
                                           from public.user_lesson_progress p where p.user_id = $1), '[]'),
            'achievements', coalesce((select jsonb_agg(to_jsonb(a) - 'user_id' order by a.earned_at)
                                        from public.user_achievements a where a.user_id = $1), '[]'),
            'activities', coalesce((select jsonb_agg(to_jsonb(a) - 'user_id' order by a.created_at)
                                      from public.user_activities a where a.user_id = $1), '[]'),
            'progress_history', coalesce((select jsonb_agg(to_jsonb(h) - 'user_id' order by h.activity_date)
                                            from public.user_progress_history h where h.user_id = $1), '[]'),
            'emails', coalesce((select jsonb_agg(jsonb_build_object('template', o.template, 'status', o.status,
                                   'created_at', o.created_at, 'sent_at', o.sent_at) order by o.created_at)
                                  from public.email_outbox o where o.user_id = $1), '[]'))",
        &[me.into()],
    )
    .unwrap_or_else(|e| error!("aurora: export_my_data: {e}"))
    .unwrap_or_else(|| error!("aurora: export_my_data returned nothing"))
}

/// Erases the caller's account. Her messages and reactions are deleted, not anonymised:
/// what she wrote is her personal data (replies to her messages stay, without their
/// reference). Salons she owns pass to their senior moderator or member, or are archived
/// when she was alone. Then the auth.users row goes, and every row keyed to it with it.
#[pg_extern(volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn delete_my_account() -> JsonB {
    let me = require_user_or_raise();
    let salons = crate::platform::spi::get_one!(JsonB, 
        "with owned as (
             select s.id,
                    (select m.user_id from public.salon_members m
                      where m.salon_id = s.id and m.user_id <> $1
                      order by (m.role = 'moderator') desc, m.joined_at, m.user_id limit 1) as heir
               from public.salons s where s.owner_id = $1
         ), handed as (
             update public.salon_members m set role = 'owner'
               from owned where m.salon_id = owned.id and m.user_id = owned.heir
         ), moved as (
             update public.salons s
                set owner_id = owned.heir, is_active = s.is_active and owned.heir is not null
               from owned where s.id = owned.id
         )
         select coalesce(jsonb_agg(jsonb_build_object('salon_id', id, 'new_owner', heir)), '[]') from owned",
        &[me.into()],
    )
    .unwrap_or_else(|e| error!("aurora: delete_my_account: {e}"))
    .unwrap_or(JsonB(serde_json::json!([])));
    let removed_files = crate::platform::spi::get_one!(i64, 
        "with d as (
             delete from storage.objects
              where bucket_id in ('avatars', 'covers') and name like $1::text || '/%'
             returning 1
         ) select count(*) from d",
        &[me.into()],
    )
    .ok()
    .flatten()
    .unwrap_or(0);
    let auth_deleted = crate::platform::spi::get_one!(i64, 
        "with d as (delete from auth.users where id = $1 returning 1) select count(*) from d",
        &[me.into()],
    )
    .unwrap_or_else(|e| {
        raise(
            PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
            "aurora cannot delete auth.users here",
            Some(e.to_string()),
            Some("La suppression du compte doit passer par l'administration."),
        )
    });
    JsonB(serde_json::json!({
        "deleted": auth_deleted == Some(1),
        "salons_handed_over": salons.0,
        "files_removed": removed_files,
    }))
}

