//! Routes a signed-in member calls; each runs in the database as her (RLS applies).
use crate::auth::Member;
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
}

/// `POST /api/profile/ensure`: her profile, created if it was missing.
async fn ensure_profile(State(state): State<AppState>, member: Member) -> Result<Json<Value>, AppError> {
    let profile = state.db.as_member(&member, "select public.ensure_profile()", &[]).await?;
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
    let result = state.db.as_member(&member, "select public.start_course($1::text::uuid)", &[&body.course_id]).await?;
    Ok(Json(result))
}
