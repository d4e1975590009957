//! Leaderboard and the freemium profile-view quota.
use crate::platform::api::{require_user, require_user_or_raise, respond, settings, ApiError, ApiResult};
use crate::platform::error::raise;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::Value;

/// The top members by points: public fields only (name, avatar, points, level).
#[pg_extern(stable, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn get_leaderboard(
    limit: default!(i32, 10),
) -> TableIterator<
    'static,
    (
        name!(rank, i64),
        name!(user_id, pgrx::Uuid),
        name!(full_name, Option<String>),
        name!(avatar_url, Option<String>),
        name!(points, i32),
        name!(level, i32),
    ),
> {
    require_user_or_raise();
    if !(1..=100).contains(&limit) {
        raise(PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE, "limit must be between 1 and 100", None, Some("Limite invalide."));
    }
    let rows = Spi::connect(|client| {
        client
            .select(
                "select rank() over (order by s.points desc), s.user_id, p.full_name, p.avatar_url, s.points, s.level
                   from public.user_stats s join public.profiles p on p.id = s.user_id
                  order by s.points desc, s.user_id
                  limit $1",
                None,
                &[limit.into()],
            )
            .map(|t| {
                t.map(|r| {
                    (
                        r.get::<i64>(1).ok().flatten().unwrap_or_default(),
                        r.get::<pgrx::Uuid>(2).ok().flatten().unwrap_or_else(|| error!("user id")),
                        r.get::<String>(3).ok().flatten(),
                        r.get::<String>(4).ok().flatten(),
                        r.get::<i32>(5).ok().flatten().unwrap_or_default(),
                        r.get::<i32>(6).ok().flatten().unwrap_or(1),
                    )
                })
                .collect::<Vec<_>>()
            })
    })
    .unwrap_or_else(|e| error!("aurora: leaderboard: {e}"));
    TableIterator::new(rows)
}

/// Counts a view of another member's profile against the viewer's day (Paris). Freemium
/// members have a daily quota; the view that reaches it records the conversion trigger.
fn profile_view(profile: Option<pgrx::Uuid>) -> ApiResult {
    let me = require_user()?;
    let profile = profile.ok_or_else(|| ApiError::Invalid("profile_id is required".into(), "Profil manquant."))?;
    let exists = crate::platform::spi::get_one!(bool, "select exists (select 1 from public.profiles where id = $1)", &[profile.into()])
        .ok()
        .flatten()
        .unwrap_or(false);
    if !exists {
        return Err(ApiError::NotFound("profile not found", "Profil introuvable."));
    }
    let limit = settings().freemium_daily_profile_views;
    if profile == me {
        return Ok(serde_json::json!({ "counted": false, "limit": Value::Null }));
    }
    let nd = "coalesce((p.last_activity_reset at time zone 'Europe/Paris')::date < (now() at time zone 'Europe/Paris')::date, true)";
    let sql = format!(
        "update public.profiles p
            set daily_profile_views = case when {nd} then 1 else p.daily_profile_views + 1 end,
                daily_chat_count = case when {nd} then 0 else p.daily_chat_count end,
                last_activity_reset = case when {nd} then now() else p.last_activity_reset end,
                conversion_triggers = case
                    when p.subscription_type = 'freemium'
                         and (case when {nd} then 1 else p.daily_profile_views + 1 end) = $2
                    then p.conversion_triggers || jsonb_build_array(jsonb_build_object(
                             'type', 'daily_profile_view_limit', 'limit', $2, 'at', now()))
                    else p.conversion_triggers end
          where p.id = $1 and (p.subscription_type <> 'freemium' or {nd} or p.daily_profile_views < $2)
         returning jsonb_build_object('counted', true, 'views_today', p.daily_profile_views,
                                      'limit', case when p.subscription_type = 'freemium' then $2 end)"
    );
    match crate::platform::spi::json_one!(&sql, &[me.into(), limit.into()]) {
        Some(v) => Ok(v),
        None => Err(ApiError::PaymentRequired(
            "daily profile view limit reached".into(),
            format!("freemium members can view {limit} profiles a day; the count resets at midnight (Paris)"),
            "Vous avez consulté tous les profils du jour. Passez à Premium pour continuer.",
        )),
    }
}

#[pg_extern(schema = "aurora_private", name = "record_profile_view", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn record_profile_view_core(profile_id: Option<pgrx::Uuid>) -> JsonB {
    respond(profile_view(profile_id))
}
