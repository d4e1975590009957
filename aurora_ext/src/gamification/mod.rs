//! Gamification: points, levels, streaks, study totals, achievements and the activity feed.
//! The one writer of user_stats' counters, user_progress_history, user_achievements and
//! user_activities: these helpers, called from aurora's functions and triggers; a badge is
//! a unique (user, badge) row, so a deed pays once however often it is retried. Two
//! documented exceptions write in the same statement as their deed, on benchmarked hot
//! paths: a message (chat::api::claim_message_quota: quota, history, first badge, counters)
//! and a join (salons::api::insert_member: membership and its activity).
use crate::platform::spi::{run_kept, text_plan_slot};
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::Value;

pub mod api;

pub struct Badge {
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub icon: &'static str,
    pub rarity: &'static str,
    pub points: i32,
}

pub const BADGES: &[Badge] = &[
    Badge { id: "first_message", title: "Première parole", description: "Premier message dans un salon", icon: "💬", rarity: "common", points: 10 },
    Badge { id: "salon_founder", title: "Fondatrice", description: "A créé un salon", icon: "🏛️", rarity: "uncommon", points: 20 },
    Badge { id: "first_lesson", title: "Premier pas", description: "Première leçon terminée", icon: "🎓", rarity: "common", points: 10 },
    Badge { id: "first_course", title: "Parcours accompli", description: "Premier cours terminé", icon: "🏆", rarity: "rare", points: 50 },
    Badge { id: "streak_3", title: "Belle régularité", description: "3 jours d'affilée", icon: "🔥", rarity: "common", points: 5 },
    Badge { id: "streak_7", title: "Une semaine entière", description: "7 jours d'affilée", icon: "🌟", rarity: "uncommon", points: 15 },
    Badge { id: "streak_30", title: "Un mois de constance", description: "30 jours d'affilée", icon: "💎", rarity: "epic", points: 50 },
    Badge { id: "streak_100", title: "Cent jours", description: "100 jours d'affilée", icon: "👑", rarity: "legendary", points: 150 },
];

/// A badge of the catalogue (a bug if unknown).
pub fn badge(id: &str) -> &'static Badge {
    BADGES.iter().find(|b| b.id == id).unwrap_or_else(|| error!("aurora: unknown badge {id}"))
}

/// Points for a completed lesson and a completed course (each paid once: the completion
/// is recorded once, and only the first recording pays).
pub const LESSON_POINTS: i32 = 10;
pub const COURSE_POINTS: i32 = 50;

/// Level from points: 1 at 0, then one level per 100 points.
pub fn level_for(points: i32) -> i32 {
    1 + points.max(0) / 100
}

/// The level rule for SQL: paying points (add_points) and adopting a legacy database
/// (sql/adopt.sql) compute levels with it, so the rule lives here only.
#[pg_extern(schema = "aurora_private", name = "level_for", immutable, strict, parallel_safe)]
fn level_for_sql(points: i32) -> i32 {
    level_for(points)
}

/// Adds points (and the level that follows) and today's history.
pub fn add_points(user: pgrx::Uuid, points: i32) {
    if points <= 0 {
        return;
    }
    Spi::connect_mut(|client| {
        let args: [DatumWithOid; 2] = [user.into(), points.into()];
        run_kept(
                client,
                text_plan_slot!(),
                "with s as (
                 update public.user_stats
                    set points = points + $2, level = aurora_private.level_for(points + $2)
                  where user_id = $1
             )
             insert into public.user_progress_history as h (user_id, activity_date, points_earned)
             values ($1, (now() at time zone 'Europe/Paris')::date, $2)
             on conflict (user_id, activity_date)
             do update set points_earned = h.points_earned + excluded.points_earned",
                &args,
        )
        .unwrap_or_else(|e| error!("aurora: add_points: {e}"));
    });
}

/// Study time and lessons completed: today's history and the totals. `watched_before`:
/// the lesson's credited seconds before this report (minutes are counted whole).
pub fn record_study(user: pgrx::Uuid, watch_delta: i32, lesson_completed: bool, watched_before: i32) {
    crate::platform::spi::exec!(
        "with h as (
             insert into public.user_progress_history as h (user_id, activity_date, watch_time_seconds, lessons_completed)
             values ($1, (now() at time zone 'Europe/Paris')::date, $2, $3::int)
             on conflict (user_id, activity_date) do update
                set watch_time_seconds = h.watch_time_seconds + excluded.watch_time_seconds,
                    lessons_completed = h.lessons_completed + excluded.lessons_completed
         )
         update public.user_stats
            set total_study_time_minutes = total_study_time_minutes
                    + (($4 + $2) / 60 - $4 / 60),
                total_lessons_completed = total_lessons_completed + $3::int
          where user_id = $1",
        &[user.into(), watch_delta.into(), (lesson_completed as i32).into(), watched_before.into()],
    )
    .unwrap_or_else(|e| error!("aurora: record_study: {e}"));
}

/// Sign-in's daily streak (Paris calendar days): the same day keeps it, the next day
/// extends it, a gap restarts it; milestones 3/7/30/100 earn badges. Returns the streak.
pub fn record_signin_streak(user: pgrx::Uuid) -> i32 {
    let streak = crate::platform::spi::query_one!(i32,
        "with today as (select (now() at time zone 'Europe/Paris')::date as d)
         update public.user_stats s
            set streak_days = case when s.last_streak_date = today.d then s.streak_days
                                   when s.last_streak_date = today.d - 1 then s.streak_days + 1
                                   else 1 end,
                longest_streak_days = greatest(s.longest_streak_days,
                                   case when s.last_streak_date = today.d then s.streak_days
                                        when s.last_streak_date = today.d - 1 then s.streak_days + 1
                                        else 1 end),
                last_streak_date = today.d
           from today
          where s.user_id = $1
         returning s.streak_days",
        &[user.into()],
    )
    .unwrap_or(0);
    for (days, badge) in [(3, "streak_3"), (7, "streak_7"), (30, "streak_30"), (100, "streak_100")] {
        if streak >= days {
            award_badge(user, badge);
        }
    }
    streak
}

/// Appends to the user's activity feed.
pub fn record_activity(user: pgrx::Uuid, kind: &str, title: &str, icon: &str, metadata: Value) {
    crate::platform::spi::exec!(
        "insert into public.user_activities (user_id, type, title, icon, metadata) values ($1, $2, $3, $4, $5)",
        &[user.into(), kind.into(), title.into(), icon.into(), JsonB(metadata).into()],
    )
    .unwrap_or_else(|e| error!("aurora: record_activity: {e}"));
}

/// Awards a badge once: its points and an activity row come with the first award only.
/// Returns whether it was new.
pub fn award_badge(user: pgrx::Uuid, badge_id: &str) -> bool {
    let badge = badge(badge_id);
    let new = Spi::connect_mut(|client| {
        let args: [DatumWithOid; 6] = [
            user.into(),
            badge.id.into(),
            badge.title.into(),
            badge.description.into(),
            badge.icon.into(),
            badge.rarity.into(),
        ];
        let t = run_kept(
                client,
                text_plan_slot!(),
                "insert into public.user_achievements (user_id, badge_id, title, description, icon, rarity)
             values ($1, $2, $3, $4, $5, $6)
             on conflict (user_id, badge_id) do nothing
             returning 1",
                &args,
        )
        .unwrap_or_else(|e| error!("aurora: award_badge: {e}"));
        !t.is_empty()
    });
    if new {
        badge_awarded(user, badge_id);
    }
    new
}

/// What a newly earned badge pays: its points and an activity row.
pub fn badge_awarded(user: pgrx::Uuid, badge_id: &str) {
    let badge = badge(badge_id);
    add_points(user, badge.points);
    record_activity(
        user,
        "achievement_earned",
        &format!("Badge obtenu : {}", badge.title),
        badge.icon,
        serde_json::json!({ "badge_id": badge.id, "rarity": badge.rarity }),
    );
}
