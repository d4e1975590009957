//! Routes a signed-in member calls; each runs in the database as her (RLS applies).
use crate::auth::Member;
use crate::db::Queued;
use crate::error::AppError;
use crate::AppState;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/profile/ensure", post(ensure_profile))
        .route("/api/courses/start", post(start_course))
        .route("/api/send-verification-email", post(send_verification_email))
}

/// `POST /api/send-verification-email`: asks GoTrue's admin API for a fresh sign-in link
/// for her address and queues the personalised email (Brevo template email-verification).
/// Once a minute at most.
async fn send_verification_email(State(state): State<AppState>, member: Member) -> Result<(axum::http::StatusCode, Json<Value>), AppError> {
    let me = state
        .db
        .as_member(&member, "select jsonb_build_object('email', email, 'prenom', full_name) from public.my_profile()", &[])
        .await?;
    let email = me["email"].as_str().ok_or_else(|| AppError::BadRequest("no email on this account".into()))?.to_string();
    let site = state.config.site_url.clone().unwrap_or_default();
    let link = state.gotrue.generate_link(&email, Some(&format!("{site}/"))).await.map_err(|e| match e {
        crate::auth::gotrue::AuthFailure::Rejected(code) => AppError::BadRequest(format!("GoTrue refused: {code}")),
        crate::auth::gotrue::AuthFailure::Unavailable => {
            AppError::Unavailable("GoTrue admin API unreachable or SUPABASE_SERVICE_ROLE_KEY not set".into())
        }
    })?;
    let props = if link.get("hashed_token").is_some() { &link } else { &link["properties"] };
    let (Some(hash), Some(kind)) = (props["hashed_token"].as_str(), props["verification_type"].as_str()) else {
        return Err(AppError::Internal(format!("unexpected generate_link answer: {link}")));
    };
    // the link comes back through our confirm route, which sets the session cookies
    let confirm = format!("{site}/api/auth/confirm?token_hash={hash}&type={kind}&next=/");
    let params = serde_json::json!({ "prenom": me["prenom"], "lien": confirm });
    let key = format!("email-verification:{}:{hash}", member.id);
    match state.db.queue_member_email(&member.id, "email-verification", &params, &key).await? {
        Queued::Queued => Ok((axum::http::StatusCode::ACCEPTED, Json(serde_json::json!({ "queued": true })))),
        Queued::TooSoon => Err(AppError::Db {
            status: axum::http::StatusCode::TOO_MANY_REQUESTS,
            code: "PT429".into(),
            message: "a verification email was sent less than a minute ago".into(),
            hint: Some("Un e-mail vient d'être envoyé : patientez une minute.".into()),
        }),
        Queued::NoRecipient => Err(AppError::BadRequest("no email on this account".into())),
    }
}

/// `POST /api/profile/ensure`: her profile, created if it was missing.
async fn ensure_profile(State(state): State<AppState>, member: Member) -> Result<Json<Value>, AppError> {
    let profile = state.db.as_member(&member, "select to_jsonb(public.ensure_profile())", &[]).await?;
    Ok(Json(serde_json::json!({ "profile": profile })))
}

#[derive(Deserialize)]
struct StartCourse {
    #[serde(alias = "courseId")]
    course_id: String,
}

/// `POST /api/courses/start` `{ "course_id": … }`: enrols her (idempotent).
async fn start_course(
    State(state): State<AppState>,
    member: Member,
    body: Result<Json<StartCourse>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, AppError> {
    let Json(body) = body.map_err(|e| AppError::BadRequest(format!("expected {{\"course_id\": \"…\"}}: {e}")))?;
    if body.course_id.len() != 36 {
        return Err(AppError::BadRequest("course_id is not an id".into()));
    }
    let result = state.db.as_member(&member, "select to_jsonb(public.start_course($1::text::uuid))", &[(&body.course_id, tokio_postgres::types::Type::TEXT)]).await?;
    Ok(Json(result))
}
