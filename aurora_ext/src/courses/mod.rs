//! Courses: published courses, lessons, and who may open premium lesson content.
use crate::platform::caller::Caller;
use crate::platform::error::raise;
use pgrx::prelude::*;

/// The body and video of a lesson, for a caller allowed to open it: the course is
/// published; the lesson is free or the caller is entitled (premium, or a trial that has
/// not ended); and it is released (drip: `release_day_offset` days after enrolment).
/// service_role may open anything that exists.
#[pg_extern(stable, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn get_lesson_content(
    lesson_id: pgrx::Uuid,
) -> TableIterator<
    'static,
    (
        name!(lesson_id, pgrx::Uuid),
        name!(title, String),
        name!(content, Option<String>),
        name!(video_url, Option<String>),
    ),
> {
    let caller = Caller::current();
    let uid = match caller {
        Caller::User(uid) => Some(uid),
        Caller::Service => None,
        Caller::Anon => raise(
            PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
            "sign in to open lessons",
            None,
            Some("Connectez-vous pour ouvrir les leçons."),
        ),
    };
    let row = Spi::connect(|client| {
        let table = client
            .select(
                "select l.title, l.content, l.video_url, c.is_published, l.is_free,
                        coalesce(p.subscription_type = 'premium'
                                 or (p.subscription_type = 'trial' and p.trial_ends_at > now()), false),
                        l.release_day_offset = 0
                          or e.enrolled_at + make_interval(days => l.release_day_offset) <= now(),
                        e.enrolled_at + make_interval(days => l.release_day_offset)
                   from public.lessons l
                   join public.courses c on c.id = l.course_id
                   left join public.profiles p on p.id = $2
                   left join public.enrollments e on e.course_id = l.course_id and e.user_id = $2
                  where l.id = $1",
                None,
                &[lesson_id.into(), uid.into()],
            )?;
        if table.is_empty() {
            return Ok::<_, pgrx::spi::Error>(None);
        }
        let r = table.first();
        Ok(Some((
            r.get::<String>(1)?.unwrap_or_default(),
            r.get::<String>(2)?,
            r.get::<String>(3)?,
            r.get::<bool>(4)?.unwrap_or(false),
            r.get::<bool>(5)?.unwrap_or(false),
            r.get::<bool>(6)?.unwrap_or(false),
            r.get::<bool>(7)?.unwrap_or(false),
            r.get::<pgrx::datum::TimestampWithTimeZone>(8)?,
        )))
    })
    .unwrap_or_else(|e| error!("aurora: get_lesson_content: {e}"));

    let Some((title, content, video, published, free, entitled, released, release_at)) = row else {
        raise(PgSqlErrorCode::ERRCODE_NO_DATA_FOUND, "lesson not found", None, None)
    };
    if uid.is_some() {
        if !published {
            raise(PgSqlErrorCode::ERRCODE_NO_DATA_FOUND, "lesson not found", None, None);
        }
        if !free && !entitled {
            raise(
                PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
                "this lesson is for premium members",
                None,
                Some("Cette leçon est réservée aux membres Premium."),
            );
        }
        if !released {
            let when = release_at
                .map(|t| format!("Available from {t}."))
                .unwrap_or_else(|| "Start the course to unlock its lessons.".into());
            raise(
                PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
                "this lesson is not released yet",
                Some(when),
                Some("Cette leçon n'est pas encore disponible."),
            );
        }
    }
    TableIterator::once((lesson_id, title, content, video))
}
