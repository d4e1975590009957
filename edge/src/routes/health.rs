//! Liveness and readiness. `/health`: the process answers. `/ready`: it can reach the
//! database and the database takes writes (503 `read_only` on a standby), so a load balancer
//! sends it traffic (with the email outbox's depth, age and failures, for an operator).
use crate::error::AppError;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health)).route("/ready", get(ready))
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

async fn ready(State(state): State<AppState>) -> Result<(StatusCode, Json<Value>), AppError> {
    if !state.db.ping().await.map_err(AppError::from)? {
        // connected to a standby (or a primary being demoted): not ready for writes; with a
        // multi-host DATABASE_URL and target_session_attrs=read-write, new connections go
        // to the primary (README, Connecting)
        return Ok((StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "not_ready", "database": "read_only" }))));
    }
    // the outbox's state, for an operator (a growing age means Brevo is down or paused)
    let outbox = match state.db.email_outbox_stats().await {
        Ok((pending, oldest, failed)) => json!({ "pending": pending, "oldest_pending_seconds": oldest, "failed": failed }),
        Err(_) => Value::Null,
    };
    // erasures under way (one stuck for hours: a provider down, a key missing; see
    // aurora_private.erasure_steps.last_error)
    let erasures = match state.db.erasure_stats().await {
        Ok((running, oldest, failing)) => json!({ "running": running, "oldest_running_seconds": oldest, "failing_steps": failing }),
        Err(_) => Value::Null,
    };
    Ok((StatusCode::OK, Json(json!({ "status": "ready", "database": "ok", "outbox": outbox, "erasures": erasures }))))
}
