//! The leaderboard (the profile-view quota is freemium's).
use crate::platform::api::require_user_or_raise;
use crate::platform::error::raise;
use pgrx::prelude::*;

/// The top members by points: public fields only (name, avatar, points, level).
#[pg_extern(schema = "aurora_private", stable, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn get_leaderboard(
    max_entries: i32,
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
    if !(1..=100).contains(&max_entries) {
        raise(PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE, "max_entries must be between 1 and 100", None, Some("Limite invalide."));
    }
    let rows = Spi::connect(|client| {
        client
            .select(
                "select rank() over (order by s.points desc), s.user_id, p.full_name, p.avatar_url, s.points, s.level
                   from public.user_stats s join public.profiles p on p.id = s.user_id
                  order by s.points desc, s.user_id
                  limit $1",
                None,
                &[max_entries.into()],
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
    .unwrap_or_else(|e| error!("aurora: get_leaderboard: {e}"));
    TableIterator::new(rows)
}
