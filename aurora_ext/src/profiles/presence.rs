//! Presence: sign-in and sign-out, the heartbeat, manual status, and the sweep that turns
//! idle members offline. Automatic presence expires at `presence_expires_at`
//! (last activity + `auto_offline_after`); a manual status never expires.
use crate::gamification::record_signin_streak;
use crate::platform::api::require_user_or_raise;
use crate::platform::error::raise;
use crate::platform::spi::{run_kept, text_plan_slot};
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::JsonB;

const STATUSES: [&str; 4] = ["online", "away", "busy", "offline"];

/// What presence RPCs answer, as a SQL expression over a profile's presence columns.
macro_rules! presence_object {
    () => {
        "jsonb_build_object('presence_status', presence_status, 'is_manual_status', is_manual_status,
                            'last_activity', last_activity, 'presence_expires_at', presence_expires_at)"
    };
}

/// Seconds within which a heartbeat does not write again (at most a fifth of her
/// auto_offline_after): a presence a minute short of its full extension is still online.
const HEARTBEAT_COALESCE_SECONDS: f64 = 60.0;

/// The heartbeat: activity now; automatic presence comes back online. With `coalesce`,
/// a beat that would only move `last_activity` and the expiry forward by less than
/// HEARTBEAT_COALESCE_SECONDS writes nothing (no row version, no WAL, no index entries).
/// One statement either way; answers her presence.
fn touch(me: pgrx::Uuid, coalesce: bool) -> JsonB {
    let window = if coalesce { HEARTBEAT_COALESCE_SECONDS } else { 0.0 };
    Spi::connect_mut(|client| {
        let args: [DatumWithOid; 2] = [me.into(), window.into()];
        let t = run_kept(
            client,
            text_plan_slot!(),
            concat!(
            "with u as (
                 update public.profiles
                    set last_activity = now(),
                        presence_expires_at = now() + make_interval(secs => auto_offline_after),
                        status_updated_at = case when not is_manual_status and presence_status <> 'online'
                                                 then now() else status_updated_at end,
                        presence_status = case when is_manual_status then presence_status else 'online' end,
                        status = case when is_manual_status then status else 'online' end
                  where id = $1
                    and ($2 <= 0
                         or last_activity is null
                         or last_activity < now() - make_interval(secs => least($2, auto_offline_after / 5))
                         or presence_expires_at is null
                         or presence_expires_at < now() + make_interval(secs => auto_offline_after
                                                                               - least($2, auto_offline_after / 5))
                         or (not is_manual_status and presence_status <> 'online'))
                 returning presence_status, is_manual_status, last_activity, presence_expires_at
             )
             select ",
            presence_object!(),
            "
               from (select * from u
                     union all
                     select presence_status, is_manual_status, last_activity, presence_expires_at
                       from public.profiles where id = $1 and not exists (select 1 from u)) x"
            ),
            &args,
        )
        .unwrap_or_else(|e| error!("aurora: heartbeat: {e}"));
        if t.is_empty() {
            JsonB(serde_json::Value::Null)
        } else {
            t.first().get_one::<JsonB>().ok().flatten().unwrap_or(JsonB(serde_json::Value::Null))
        }
    })
}

#[pg_extern(schema = "aurora_private", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn update_user_activity() -> JsonB {
    let me = require_user_or_raise();
    touch(me, true)
}

// The public heartbeat (update_user_activity and rpc_update_activity), native.
crate::native_rpc!(aurora_heartbeat, pg_finfo_aurora_heartbeat, | | {
    let me = crate::platform::api::require_user()?;
    Ok(touch(me, true).0)
});

/// The seed's name for the heartbeat (its own C symbol, which releases keep).
#[pg_extern(schema = "aurora_private", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn rpc_update_activity() -> JsonB {
    update_user_activity()
}

// The public presence calls, native (their cores raise their own, standard, errors).
crate::native_rpc!(aurora_handle_user_signin, pg_finfo_aurora_handle_user_signin, | | Ok(handle_user_signin().0));
crate::native_rpc!(aurora_handle_user_signout, pg_finfo_aurora_handle_user_signout, | | Ok(handle_user_signout().0));
crate::native_rpc!(aurora_rpc_set_manual_status, pg_finfo_aurora_rpc_set_manual_status, |status: String| {
    Ok(rpc_set_manual_status(status).0)
});

/// Sign-in: a heartbeat, and the daily streak (Paris calendar days): the same day keeps
/// it, the next day extends it, a gap restarts it. Milestones 3/7/30/100 earn badges.
#[pg_extern(schema = "aurora_private", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn handle_user_signin() -> JsonB {
    let me = require_user_or_raise();
    let presence = touch(me, false);
    let streak = record_signin_streak(me);
    let mut out = presence.0;
    out["streak_days"] = streak.into();
    JsonB(out)
}

#[pg_extern(schema = "aurora_private", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn handle_user_signout() -> JsonB {
    let me = require_user_or_raise();
    crate::platform::spi::query_one!(
        JsonB,
        concat!(
            "update public.profiles
                set presence_status = 'offline', status = 'offline', is_manual_status = false,
                    presence_expires_at = null, status_updated_at = now()
              where id = $1
             returning ",
            presence_object!()
        ),
        &[me.into()],
    )
    .unwrap_or(JsonB(serde_json::Value::Null))
}

/// A status chosen by hand (online, away, busy, offline) stays until changed; `null`
/// hands presence back to activity.
#[pg_extern(schema = "aurora_private", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn rpc_set_manual_status(status: default!(Option<String>, "NULL")) -> JsonB {
    let me = require_user_or_raise();
    match status.as_deref() {
        None => {
            crate::platform::spi::exec!(
                "update public.profiles set is_manual_status = false where id = $1",
                &[me.into()],
            )
            .unwrap_or_else(|e| error!("aurora: {e}"));
            touch(me, false)
        }
        Some(s) if STATUSES.contains(&s) => crate::platform::spi::query_one!(
            JsonB,
            concat!(
                "update public.profiles
                    set presence_status = $2, status = $2, is_manual_status = true,
                        status_updated_at = now(), last_activity = now()
                  where id = $1
                 returning ",
                presence_object!()
            ),
            &[me.into(), s.into()],
        )
        .unwrap_or(JsonB(serde_json::Value::Null)),
        Some(_) => raise(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            "status must be online, away, busy, offline or null",
            None,
            Some("Statut invalide."),
        ),
    }
}

/// Turns offline every automatic presence past its expiry; returns how many changed.
/// One UPDATE over exactly the expired rows (a range of idx_profiles_presence_sweep; the
/// planner turns to a sequential scan when most rows are stale): cheap enough to run every
/// few seconds. Safe to run from several places at once and beside heartbeats: a row
/// another transaction holds is waited for and re-checked (a heartbeat that extended it
/// keeps it online; a concurrent sweep that took it leaves nothing to do). No separate
/// `FOR UPDATE SKIP LOCKED` pass: locking first wrote every row twice (measured 10 %
/// slower at 50 % stale, no gain at 1 %).
pub fn sweep() -> i64 {
    Spi::connect_mut(|client| {
        let t = run_kept(
                client,
                text_plan_slot!(),
                "with changed as (
                 update public.profiles
                    set presence_status = 'offline', status = 'offline', status_updated_at = now()
                  where presence_status <> 'offline' and not is_manual_status
                    and presence_expires_at < now()
                 returning 1
             )
             select count(*) from changed",
                &[],
        )
        .unwrap_or_else(|e| error!("aurora: presence sweep: {e}"));
        t.first().get_one::<i64>().ok().flatten().unwrap_or(0)
    })
}

#[pg_extern(volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn check_inactive_users() -> i64 {
    sweep()
}

#[pg_extern(volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn rpc_check_inactive_users() -> i64 {
    sweep()
}
