//! Freemium: what a member's entitlement allows, and every limit on free members. Each rule
//! is written once, here or in freemium/api.sql:
//!
//! | rule | where |
//! |---|---|
//! | entitlement now (premium / a running trial / freemium) | `aurora_private.entitlement()` (SQL, inlined) |
//! | the day the daily limits count (Paris midnight) | `aurora_private.paris_day_changed()` (SQL, inlined) |
//! | the free trial, once | `start_trial` below |
//! | a trial ends by itself | `aurora_private.end_expired_trials()` (run by the sweep worker) |
//! | daily messages | the quota claim in `chat::api::claim_message_quota` (one statement: quota, history, badge, counters) |
//! | daily profile views, and the profile page they limit | `record_profile_view` below |
//! | salons created, salons joined, wrong share codes | `lock_member` then `may_create_salon`, `may_join_salon`, `may_try_a_code` |
//!
//! Every limit holds under concurrency: the daily claims are one conditional UPDATE each;
//! the others take the member's profile row lock (`lock_member`) before they count, so N
//! parallel requests of one member are decided one after the other, each seeing what the
//! previous ones committed.
use crate::platform::api::{require_user, respond, settings, ApiError, ApiResult};
use crate::platform::spi::{run_kept, text_plan_slot};
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::Value;

/// What a member may do now (`aurora_private.entitlement()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entitlement {
    Premium,
    Trial,
    Freemium,
}

/// A member, locked for the rest of the transaction, with what her limits depend on.
/// Only `lock_member` makes one (private fields), so a limit check cannot run unlocked.
pub struct Member {
    entitlement: Entitlement,
    salons_created: i32,
    salons_joined: i32,
    /// the limits as aurora_settings holds them, read with her row
    salons_created_limit: i32,
    salons_joined_limit: i32,
}

fn profile_not_found() -> ApiError {
    ApiError::NotFound("profile not found", "Votre profil est introuvable.")
}

/// Locks her account row until the transaction ends (every limit check of hers queues
/// here), then reads her entitlement, her counters and the limits in the same statement: a
/// row lock waits for the previous holder and returns the row as it committed. Typed
/// columns, no JSON in between (a hot path: every join and salon creation).
pub fn lock_member(me: pgrx::Uuid) -> Result<Member, ApiError> {
    Spi::connect_mut(|client| {
        let args: [DatumWithOid; 1] = [me.into()];
        let t = run_kept(
            client,
            text_plan_slot!(),
            "select aurora_private.entitlement(a.subscription_type, a.trial_ends_at)::text, a.salons_created,
                    a.salons_joined, s.freemium_salons_created, s.freemium_salons_joined
               from public.member_accounts a, public.aurora_settings s
              where a.id = $1 for update of a",
            &args,
        )
        .unwrap_or_else(|e| error!("aurora: lock_member: {e}"));
        if t.is_empty() {
            return Err(profile_not_found());
        }
        let r = t.first();
        let int = |i: usize| r.get::<i32>(i).ok().flatten().unwrap_or(0);
        Ok(Member {
            entitlement: match r.get::<String>(1).ok().flatten().as_deref() {
                Some("premium") => Entitlement::Premium,
                Some("trial") => Entitlement::Trial,
                _ => Entitlement::Freemium,
            },
            salons_created: int(2),
            salons_joined: int(3),
            salons_created_limit: int(4),
            salons_joined_limit: int(5),
        })
    })
}

/// A free member creates a limited number of salons.
pub fn may_create_salon(m: &Member) -> Result<(), ApiError> {
    let limit = m.salons_created_limit;
    if m.entitlement == Entitlement::Freemium && m.salons_created >= limit {
        return Err(ApiError::PaymentRequired(
            "freemium members can create a limited number of salons".into(),
            format!("limit: {limit} salons"),
            "Passez à Premium pour créer d'autres salons.",
        ));
    }
    Ok(())
}

/// A free member belongs to a limited number of salons she does not own (joined by code
/// or by invitation).
pub fn may_join_salon(m: &Member) -> Result<(), ApiError> {
    let limit = m.salons_joined_limit;
    if m.entitlement == Entitlement::Freemium && m.salons_joined >= limit {
        return Err(ApiError::PaymentRequired(
            "freemium members can join a limited number of salons".into(),
            format!("limit: {limit} salons"),
            "Passez à Premium pour rejoindre plus de salons.",
        ));
    }
    Ok(())
}

/// Every member gets a limited number of wrong share codes per window (guessing codes
/// would open private salons). `recent`: her wrong codes in the window, counted after
/// `lock_member`.
pub fn may_try_a_code(recent: i64, per_window: i32, window_seconds: i32) -> Result<(), ApiError> {
    if recent >= i64::from(per_window) {
        return Err(ApiError::RateLimited(
            format!("too many wrong codes; try again in {} minutes", (window_seconds + 59) / 60),
            "Trop de codes erronés. Réessayez un peu plus tard.",
        ));
    }
    Ok(())
}

/// The free trial: once per member (a member who has had a trial, aurora's or Stripe's,
/// or a subscription, cannot start one), `trial_days` long. One conditional UPDATE, so
/// parallel starts give one trial.
fn start_trial() -> ApiResult {
    let me = require_user()?;
    let started = crate::platform::spi::json_one!(
        "update public.member_accounts p
            set subscription_type = 'trial', trial_ends_at = now() + make_interval(days => s.trial_days)
           from public.aurora_settings s
          where p.id = $1 and s.trial_days > 0
            and p.subscription_type = 'freemium' and p.trial_ends_at is null
            and not exists (select 1 from public.subscriptions x where x.user_id = $1)
         returning jsonb_build_object('subscription_type', p.subscription_type, 'trial_ends_at', p.trial_ends_at)",
        &[me.into()],
    );
    if let Some(v) = started {
        return Ok(v);
    }
    let why = crate::platform::spi::json_one!(
        "select jsonb_build_object('e', aurora_private.entitlement(p.subscription_type, p.trial_ends_at),
                                   'days', s.trial_days)
           from public.member_accounts p, public.aurora_settings s where p.id = $1",
        &[me.into()],
    )
    .ok_or_else(profile_not_found)?;
    Err(match (why["days"].as_i64(), why["e"].as_str()) {
        (Some(0), _) => ApiError::Forbidden("no free trial is offered".into(), "L'essai gratuit n'est pas proposé en ce moment."),
        (_, Some("premium")) => ApiError::Conflict("you are premium already", "Vous êtes déjà membre Premium."),
        (_, Some("trial")) => ApiError::Conflict("your free trial is running", "Votre essai gratuit est en cours."),
        _ => ApiError::Conflict("the free trial has been used", "Vous avez déjà profité de l'essai gratuit."),
    })
}

crate::native_rpc!(aurora_start_trial, pg_finfo_aurora_start_trial, | | start_trial());

#[pg_extern(schema = "aurora_private", name = "start_trial", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn start_trial_core() -> JsonB {
    respond(start_trial())
}

/// Opens another member's profile page: counts the view against the viewer's day (Paris)
/// and returns the page (bio, city, interests, cover: columns no member can select
/// directly). Free members have a daily quota; the view that reaches it records the
/// conversion trigger. Her own page is not counted.
fn profile_view(profile: Option<pgrx::Uuid>) -> ApiResult {
    let me = require_user()?;
    let profile = profile.ok_or_else(|| ApiError::Invalid("profile_id is required".into(), "Profil manquant."))?;
    const PAGE: &str = "select jsonb_build_object('id', p.id, 'full_name', p.full_name, 'avatar_url', p.avatar_url,
                                                  'bio', a.bio, 'city', a.city, 'interests', a.interests,
                                                  'cover_url', a.cover_url, 'presence_status', p.presence_status,
                                                  'created_at', p.created_at)
                          from public.profiles p join public.member_accounts a on a.id = p.id
                         where p.id = $1";
    let Some(page) = crate::platform::spi::json_one!(PAGE, &[profile.into()]) else {
        return Err(ApiError::NotFound("profile not found", "Profil introuvable."));
    };
    if profile == me {
        return Ok(serde_json::json!({ "counted": false, "views_today": Value::Null, "limit": Value::Null, "profile": page }));
    }
    let limit = settings().freemium_daily_profile_views;
    let counted = crate::platform::spi::json_one!(
        "update public.member_accounts p
            set daily_profile_views = case when aurora_private.paris_day_changed(p.last_activity_reset) then 1
                                           else p.daily_profile_views + 1 end,
                daily_chat_count = case when aurora_private.paris_day_changed(p.last_activity_reset) then 0
                                        else p.daily_chat_count end,
                last_activity_reset = case when aurora_private.paris_day_changed(p.last_activity_reset) then now()
                                           else p.last_activity_reset end,
                conversion_triggers = case
                    when aurora_private.entitlement(p.subscription_type, p.trial_ends_at) = 'freemium'
                         and (case when aurora_private.paris_day_changed(p.last_activity_reset) then 1
                                   else p.daily_profile_views + 1 end) = $2
                    then p.conversion_triggers || jsonb_build_array(jsonb_build_object(
                             'type', 'daily_profile_view_limit', 'limit', $2, 'at', now()))
                    else p.conversion_triggers end
          where p.id = $1
            and (aurora_private.entitlement(p.subscription_type, p.trial_ends_at) <> 'freemium'
                 or aurora_private.paris_day_changed(p.last_activity_reset) or p.daily_profile_views < $2)
         returning jsonb_build_object('counted', true, 'views_today', p.daily_profile_views,
                                      'limit', case when aurora_private.entitlement(p.subscription_type, p.trial_ends_at) = 'freemium'
                                                    then $2 end)",
        &[me.into(), limit.into()],
    );
    match counted {
        Some(mut v) => {
            v["profile"] = page;
            Ok(v)
        }
        None => Err(ApiError::PaymentRequired(
            "daily profile view limit reached".into(),
            format!("freemium members can view {limit} profiles a day; the count resets at midnight (Paris)"),
            "Vous avez consulté tous les profils du jour. Passez à Premium pour continuer.",
        )),
    }
}

crate::native_rpc!(aurora_record_profile_view, pg_finfo_aurora_record_profile_view, |profile_id: pgrx::Uuid| {
    profile_view(profile_id)
});

#[pg_extern(schema = "aurora_private", name = "record_profile_view", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn record_profile_view_core(profile_id: Option<pgrx::Uuid>) -> JsonB {
    respond(profile_view(profile_id))
}
