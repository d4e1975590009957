//! Courses: enrolment, lessons with drip release and premium entitlement, progress with
//! completion, and what completion pays (points, badges, activity, an email).
use crate::gamification::{add_points, award_badge, record_activity, record_study, COURSE_POINTS, LESSON_POINTS};
use crate::platform::api::{require_user, require_user_or_raise, respond, ApiError, ApiResult};
use crate::platform::caller::Caller;
use crate::platform::native::{form_row, named_type, Row};
use crate::platform::spi::{run_kept, text_plan_slot};
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::{json, Value};

/// Everything that decides whether a caller may open a lesson.
struct Access {
    course_id: pgrx::Uuid,
    published: bool,
    free: bool,
    entitled: bool,
    released: bool,
    release_at: Option<String>,
}

fn lesson_access(lesson: pgrx::Uuid, user: Option<pgrx::Uuid>) -> Option<Access> {
    Spi::connect_mut(|client| {
        let args: [DatumWithOid; 2] = [lesson.into(), user.into()];
        let t = run_kept(
            client,
            text_plan_slot!(),
            "select l.course_id, c.is_published, l.is_free,
                    coalesce(aurora_private.entitlement(p.subscription_type, p.trial_ends_at) <> 'freemium', false),
                    l.release_day_offset = 0
                    or coalesce(e.enrolled_at + make_interval(days => l.release_day_offset) <= now(), false),
                    to_jsonb(e.enrolled_at + make_interval(days => l.release_day_offset)) #>> '{}'
               from public.lessons l
               join public.courses c on c.id = l.course_id
               left join public.member_accounts p on p.id = $2
               left join public.enrollments e on e.course_id = l.course_id and e.user_id = $2
              where l.id = $1",
            &args,
        )
        .unwrap_or_else(|e| error!("aurora: lesson access: {e}"));
        if t.is_empty() {
            return None;
        }
        let r = t.first();
        let b = |i: usize| r.get::<bool>(i).ok().flatten().unwrap_or(false);
        Some(Access {
            course_id: r.get::<pgrx::Uuid>(1).ok().flatten()?,
            published: b(2),
            free: b(3),
            entitled: b(4),
            released: b(5),
            release_at: r.get::<String>(6).ok().flatten(),
        })
    })
}

/// May this user open this lesson? service_role (user None) may open anything.
fn check_open(lesson: pgrx::Uuid, user: Option<pgrx::Uuid>) -> Result<Access, ApiError> {
    let access = lesson_access(lesson, user).filter(|a| a.published || user.is_none());
    let Some(a) = access else {
        return Err(ApiError::NotFound("lesson not found", "Leçon introuvable."));
    };
    if user.is_some() {
        if !a.free && !a.entitled {
            return Err(ApiError::PaymentRequired(
                "this lesson is for premium members".into(),
                "premium or an active trial opens it".into(),
                "Cette leçon est réservée aux membres Premium.",
            ));
        }
        if !a.released {
            return Err(ApiError::Forbidden(
                match &a.release_at {
                    Some(t) => format!("this lesson is not released yet (available from {t})"),
                    None => "this lesson is not released yet (start the course to unlock it)".into(),
                },
                "Cette leçon n'est pas encore disponible.",
            ));
        }
    }
    Ok(a)
}

fn caller_for_content() -> Result<Option<pgrx::Uuid>, ApiError> {
    match Caller::current() {
        Caller::User(uid) => Ok(Some(uid)),
        Caller::Service => Ok(None),
        Caller::Anon => Err(ApiError::Unauthenticated),
    }
}

fn lesson_content(lesson: Option<pgrx::Uuid>) -> ApiResult {
    let user = caller_for_content()?;
    let lesson = lesson.ok_or_else(|| ApiError::Invalid("lesson_id is required".into(), "Leçon manquante."))?;
    check_open(lesson, user)?;
    Ok(crate::platform::spi::json_one!(
        "select jsonb_build_object('lesson_id', l.id, 'title', l.title, 'content', b.content, 'video_url', b.video_url)
           from public.lessons l left join public.lesson_bodies b on b.lesson_id = l.id
          where l.id = $1",
        &[lesson.into()],
    )
    .unwrap_or(Value::Null))
}

crate::native_rpc!(aurora_get_lesson_content, pg_finfo_aurora_get_lesson_content, |lesson_id: pgrx::Uuid| {
    lesson_content(lesson_id)
});

/// The body and video of a lesson, for a caller allowed to open it.
#[pg_extern(schema = "aurora_private", name = "get_lesson_content", stable, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn get_lesson_content_core(lesson_id: Option<pgrx::Uuid>) -> JsonB {
    respond(lesson_content(lesson_id))
}

fn start(course: Option<pgrx::Uuid>) -> ApiResult {
    let me = require_user()?;
    let course = course.ok_or_else(|| ApiError::Invalid("course_id is required".into(), "Cours manquant."))?;
    let published = crate::platform::spi::query_one!(bool, "select is_published from public.courses where id = $1", &[course.into()]);
    if published != Some(true) {
        return Err(ApiError::NotFound("course not found", "Cours introuvable."));
    }
    let new = crate::platform::spi::get_one!(bool, 
        "with e as (insert into public.enrollments (user_id, course_id) values ($1, $2)
                    on conflict (user_id, course_id) do nothing returning 1),
              u as (insert into public.user_courses (user_id, course_id) values ($1, $2)
                    on conflict (user_id, course_id) do update set last_accessed_at = now())
         select exists (select 1 from e)",
        &[me.into(), course.into()],
    )
    .unwrap_or_else(|e| error!("aurora: {e}"))
    .unwrap_or(false);
    if new {
        record_activity(me, "course_started", "Nouveau cours commencé", "📚", json!({ "course_id": course.to_string() }));
    }
    Ok(crate::platform::spi::json_one!(
        "select jsonb_build_object('course_id', e.course_id, 'enrolled_at', e.enrolled_at,
                                   'status', u.status, 'progress_percentage', u.progress_percentage)
           from public.enrollments e join public.user_courses u using (user_id, course_id)
          where e.user_id = $1 and e.course_id = $2",
        &[me.into(), course.into()],
    )
    .map(|mut v| {
        v["newly_enrolled"] = new.into();
        v
    })
    .unwrap_or(Value::Null))
}

crate::native_rpc!(aurora_start_course, pg_finfo_aurora_start_course, |course_id: pgrx::Uuid| start(course_id));

#[pg_extern(schema = "aurora_private", name = "start_course", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn start_course_core(course_id: Option<pgrx::Uuid>) -> JsonB {
    respond(start(course_id))
}

/// The lessons of a published course with, for the caller: when each is released, whether
/// she may open it, and her progress. Unknown or unpublished courses have no lessons.
#[pg_extern(schema = "aurora_private", stable, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn get_course_lessons(
    course_id: pgrx::Uuid,
) -> TableIterator<
    'static,
    (
        name!(id, pgrx::Uuid),
        name!(lesson_number, i32),
        name!(title, String),
        name!(duration_minutes, Option<i32>),
        name!(is_free, bool),
        name!(release_day_offset, i32),
        name!(available_at, Option<pgrx::datum::TimestampWithTimeZone>),
        name!(is_released, bool),
        name!(can_open, bool),
        name!(status, String),
        name!(completion_percentage, i32),
    ),
> {
    let me = require_user_or_raise();
    let rows = Spi::connect(|client| {
        client
            .select(
                "with ctx as (
                     select e.enrolled_at,
                            coalesce(aurora_private.entitlement(p.subscription_type, p.trial_ends_at) <> 'freemium', false) as entitled
                       from (select 1) one
                       left join public.member_accounts p on p.id = $2
                       left join public.enrollments e on e.user_id = $2 and e.course_id = $1
                 )
                 select l.id, l.lesson_number, l.title, l.duration_minutes, l.is_free, l.release_day_offset,
                        ctx.enrolled_at + make_interval(days => l.release_day_offset) as available_at,
                        (l.release_day_offset = 0
                         or coalesce(ctx.enrolled_at + make_interval(days => l.release_day_offset) <= now(), false)) as released,
                        coalesce(pr.status, 'not_started')::text, coalesce(pr.completion_percentage, 0),
                        (l.is_free or ctx.entitled) as paid
                   from public.lessons l
                   join public.courses c on c.id = l.course_id and c.is_published
                   cross join ctx
                   left join public.user_lesson_progress pr on pr.lesson_id = l.id and pr.user_id = $2
                  where l.course_id = $1
                  order by l.lesson_number",
                None,
                &[course_id.into(), me.into()],
            )
            .map(|t| {
                t.map(|r| {
                    let released = r.get::<bool>(8).ok().flatten().unwrap_or(false);
                    let paid = r.get::<bool>(11).ok().flatten().unwrap_or(false);
                    (
                        r.get::<pgrx::Uuid>(1).ok().flatten().unwrap_or_else(|| error!("lesson id")),
                        r.get::<i32>(2).ok().flatten().unwrap_or_default(),
                        r.get::<String>(3).ok().flatten().unwrap_or_default(),
                        r.get::<i32>(4).ok().flatten(),
                        r.get::<bool>(5).ok().flatten().unwrap_or(false),
                        r.get::<i32>(6).ok().flatten().unwrap_or_default(),
                        r.get::<pgrx::datum::TimestampWithTimeZone>(7).ok().flatten(),
                        released,
                        released && paid,
                        r.get::<String>(9).ok().flatten().unwrap_or_default(),
                        r.get::<i32>(10).ok().flatten().unwrap_or_default(),
                    )
                })
                .collect::<Vec<_>>()
            })
    })
    .unwrap_or_else(|e| error!("aurora: get_course_lessons: {e}"));
    TableIterator::new(rows)
}

/// Seconds of slack on the wall-clock bound (reports are not exactly periodic).
const REPORT_SLACK_SECONDS: i64 = 5;
/// A first report on a lesson of unknown duration credits at most this much.
const FIRST_REPORT_MAX_SECONDS: i32 = 3_600;

/// The watch time (a lesson's running total, as the client reports it) that may be
/// credited: never more than the lesson lasts, and never more than the wall-clock time since
/// her previous report on it (`previous`: total then, seconds since). Study time and history
/// are paid from this, not from what the client says.
fn credited_watch_time(claimed: i32, previous: Option<(i32, i64)>, duration_minutes: Option<i32>) -> i32 {
    let mut total = i64::from(claimed);
    if let Some(minutes) = duration_minutes {
        total = total.min(i64::from(minutes) * 60);
    }
    match previous {
        Some((watched, since)) => total = total.min(i64::from(watched) + since.max(0) + REPORT_SLACK_SECONDS),
        None if duration_minutes.is_none() => total = total.min(i64::from(FIRST_REPORT_MAX_SECONDS)),
        None => {}
    }
    total.clamp(0, i64::from(claimed.max(0))) as i32
}

/// Her progress row on the lesson, locked (a CTE cannot: FOR UPDATE skips a row the same
/// statement upserts), with the completion threshold and the lesson's duration.
struct Before {
    threshold: i32,
    duration_minutes: Option<i32>,
    /// her row, if she has one: (completed, watch time, seconds since her last report)
    row: Option<(bool, i32, i64)>,
}

fn progress_before(me: pgrx::Uuid, lesson: pgrx::Uuid) -> Before {
    Spi::connect_mut(|client| {
        let args: [DatumWithOid; 2] = [me.into(), lesson.into()];
        let t = run_kept(
            client,
            text_plan_slot!(),
            "select st.lesson_completion_threshold,
                    (select l.duration_minutes from public.lessons l where l.id = $2),
                    p.status = 'completed', p.watch_time_seconds, extract(epoch from now() - p.updated_at)::int
               from public.aurora_settings st
               left join lateral (select status, watch_time_seconds, updated_at from public.user_lesson_progress
                                   where user_id = $1 and lesson_id = $2 for update) p on true",
            &args,
        )
        .unwrap_or_else(|e| error!("aurora: progress: {e}"));
        if t.is_empty() {
            error!("aurora: aurora_settings has no row");
        }
        let r = t.first();
        let completed = r.get::<bool>(3).ok().flatten();
        Before {
            threshold: r.get::<i32>(1).ok().flatten().unwrap_or(100),
            duration_minutes: r.get::<i32>(2).ok().flatten(),
            row: completed.map(|c| {
                (c, r.get::<i32>(4).ok().flatten().unwrap_or(0), i64::from(r.get::<i32>(5).ok().flatten().unwrap_or(0)))
            }),
        }
    })
}

fn progress(
    lesson: Option<pgrx::Uuid>,
    position: Option<i32>,
    watch_time: Option<i32>,
    completion: Option<i32>,
) -> Result<Row, ApiError> {
    let me = require_user()?;
    let lesson = lesson.ok_or_else(|| ApiError::Invalid("lesson_id is required".into(), "Leçon manquante."))?;
    let position = position.unwrap_or(0);
    let watch_time = watch_time.unwrap_or(0);
    let completion = completion.unwrap_or(0);
    if position < 0 || watch_time < 0 || !(0..=100).contains(&completion) || position > 86_400 || watch_time > 864_000 {
        return Err(ApiError::Invalid(
            "position and watch time must be positive seconds, completion between 0 and 100".into(),
            "Progression invalide.",
        ));
    }
    let access = check_open(lesson, Some(me))?;
    let course = access.course_id;
    // Her reports on this lesson take turns. Once her progress row exists, its row lock does
    // it; before her first report there is no row to lock, and parallel first reports would
    // each credit the lesson (time, completion, points): those take a transaction lock on
    // (member, lesson) and read again, in a new statement that sees what the previous turn
    // committed. Only a first report pays the extra statement.
    let mut before = progress_before(me, lesson);
    if before.row.is_none() {
        crate::platform::spi::exec!(
            "select pg_advisory_xact_lock(hashtext($1::text), hashtext($2::text))",
            &[me.into(), lesson.into()],
        )
        .unwrap_or_else(|e| error!("aurora: {e}"));
        before = progress_before(me, lesson);
    }
    let was_completed = before.row.is_some_and(|(completed, _, _)| completed);
    let watch_before = before.row.map_or(0, |(_, watched, _)| watched);
    let watch_time = credited_watch_time(
        watch_time,
        before.row.map(|(_, watched, since)| (watched, since)),
        before.duration_minutes,
    );
    // Progress only moves forward (completion, watch time): a retry or an older client
    // state cannot undo it. Read typed: the answer is formed from these values as its type.
    struct After {
        status: pg_sys::Datum,
        completed: bool,
        completion: i32,
        position: i32,
        watched: i32,
        completed_at: Option<pgrx::datum::TimestampWithTimeZone>,
    }
    let after = Spi::connect_mut(|client| {
        let args: [DatumWithOid; 6] =
            [me.into(), lesson.into(), position.into(), watch_time.into(), completion.into(), before.threshold.into()];
        let t = run_kept(
            client,
            text_plan_slot!(),
            "insert into public.user_lesson_progress as p
                 (user_id, lesson_id, status, completion_percentage, last_video_position,
                  watch_time_seconds, started_at, completed_at)
             values ($1, $2, case when $5 >= $6 then 'completed' else 'in_progress' end, $5, $3, $4, now(),
                     case when $5 >= $6 then now() end)
             on conflict (user_id, lesson_id) do update
                set completion_percentage = greatest(p.completion_percentage, excluded.completion_percentage),
                    last_video_position = excluded.last_video_position,
                    watch_time_seconds = greatest(p.watch_time_seconds, excluded.watch_time_seconds),
                    status = case when p.status = 'completed' or excluded.completion_percentage >= $6
                                  then 'completed' else 'in_progress' end,
                    completed_at = coalesce(p.completed_at,
                                            case when excluded.completion_percentage >= $6 then now() end)
             returning p.status, p.status = 'completed', p.completion_percentage, p.last_video_position,
                       p.watch_time_seconds, p.completed_at",
            &args,
        )
        .unwrap_or_else(|e| error!("aurora: progress: {e}"));
        let r = t.first();
        After {
            // an enum's datum is its label's OID (by value): it outlives the connection
            status: r.get_datum_by_ordinal(1).ok().flatten().unwrap_or_else(|| error!("aurora: progress without a status")),
            completed: r.get::<bool>(2).ok().flatten().unwrap_or(false),
            completion: r.get::<i32>(3).ok().flatten().unwrap_or(0),
            position: r.get::<i32>(4).ok().flatten().unwrap_or(0),
            watched: r.get::<i32>(5).ok().flatten().unwrap_or(0),
            completed_at: r.get::<pgrx::datum::TimestampWithTimeZone>(6).ok().flatten(),
        }
    });
    let newly_completed = !was_completed && after.completed;
    let watch_delta = after.watched - watch_before;
    let mut course_completed = false;
    record_study(me, watch_delta, newly_completed, watch_before);
    if newly_completed {
        add_points(me, LESSON_POINTS);
        award_badge(me, "first_lesson");
        record_activity(me, "lesson_completed", "Leçon terminée", "✅", json!({ "lesson_id": lesson.to_string() }));
        course_completed = complete_course_if_done(me, course);
    }
    // lesson_progress_answer (courses/api.sql), attribute by attribute
    Ok(Row(Some(unsafe {
        form_row(
            named_type("public.lesson_progress_answer"),
            &[
                lesson.into_datum(),
                Some(after.status),
                after.completion.into_datum(),
                newly_completed.into_datum(),
                course_completed.into_datum(),
                after.watched.into_datum(),
                after.position.into_datum(),
                after.completed_at.into_datum(),
            ],
        )
    })))
}

/// When every lesson of the course is completed: the course is completed once, pays once,
/// and queues the congratulation email once (idempotency key per user and course).
fn complete_course_if_done(me: pgrx::Uuid, course: pgrx::Uuid) -> bool {
    let before = crate::platform::spi::query_one!(String, 
        "select status::text from public.user_courses where user_id = $1 and course_id = $2 for update",
        &[me.into(), course.into()],
    );
    let was_completed = before.as_deref() == Some("completed");
    let done = crate::platform::spi::json_one!(
        "with counts as (
             select count(*) as total,
                    count(*) filter (where p.status = 'completed') as completed
               from public.lessons l
               left join public.user_lesson_progress p on p.lesson_id = l.id and p.user_id = $1
              where l.course_id = $2
         ), u as (
             insert into public.user_courses as uc (user_id, course_id, status, progress_percentage,
                                                   lessons_completed, last_accessed_at, completed_at)
             select $1, $2, case when completed = total then 'completed' else 'in_progress' end,
                    (100 * completed / greatest(total, 1))::int, completed, now(),
                    case when completed = total then now() end
               from counts
             on conflict (user_id, course_id) do update
                set progress_percentage = excluded.progress_percentage,
                    lessons_completed = excluded.lessons_completed,
                    last_accessed_at = now(),
                    status = case when uc.status = 'completed' then 'completed' else excluded.status end,
                    completed_at = coalesce(uc.completed_at, excluded.completed_at)
             returning uc.status = 'completed' as just_completed
         )
         select jsonb_build_object('just_completed', coalesce((select just_completed from u), false),
                                   'title', (select title from public.courses where id = $2),
                                   'name', (select full_name from public.profiles where id = $1))",
        &[me.into(), course.into()],
    )
    .unwrap_or(Value::Null);
    if was_completed || done["just_completed"].as_bool() != Some(true) {
        return false;
    }
    add_points(me, COURSE_POINTS);
    award_badge(me, "first_course");
    let title = done["title"].as_str().unwrap_or_default().to_string();
    record_activity(me, "course_completed", &format!("Cours terminé : {title}"), "🏆", json!({ "course_id": course.to_string() }));
    crate::platform::spi::exec!(
        "select aurora_private.queue_email('course-completion', $1, $2, 'course-completion:' || $1 || ':' || $3)",
        &[me.into(), JsonB(json!({ "prenom": done["name"], "cours": title })).into(), course.to_string().into()],
    )
    .unwrap_or_else(|e| error!("aurora: {e}"));
    true
}

crate::native_rpc!(
    aurora_update_lesson_progress,
    pg_finfo_aurora_update_lesson_progress,
    |lesson_id: pgrx::Uuid, position_seconds: i32, watch_time_seconds: i32, completion_percentage: i32| {
        progress(lesson_id, position_seconds, watch_time_seconds, completion_percentage)
    }
);

#[pg_extern(schema = "aurora_private", name = "update_lesson_progress", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn update_lesson_progress_core(
    lesson_id: Option<pgrx::Uuid>,
    position_seconds: Option<i32>,
    watch_time_seconds: Option<i32>,
    completion_percentage: Option<i32>,
) -> JsonB {
    respond(progress(lesson_id, position_seconds, watch_time_seconds, completion_percentage).map(|r| r.to_json()))
}
