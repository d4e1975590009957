//! `POST /api/webhooks/stripe`: verify the signature on the raw body, then hand the event
//! to the database, which records it once and applies it in one transaction
//! (aurora_private.apply_stripe_event). Stripe retries anything but 2xx, so: a bad
//! signature or body is 400 (retrying will not help), a database outage is 503 (it will).
use crate::error::AppError;
use crate::stripe::{verify, SignatureError, TOLERANCE_SECONDS};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use secrecy::ExposeSecret;
use serde_json::{json, Value};

/// Stripe's events are far below this.
const MAX_BODY: usize = 512 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/webhooks/stripe", post(webhook))
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

async fn webhook(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Json<Value>, AppError> {
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| AppError::BadRequest("missing Stripe-Signature header".into()))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    verify(header, &body, state.config.stripe_webhook_secret.expose_secret(), now, TOLERANCE_SECONDS).map_err(|e| {
        crate::telemetry::count_webhook(match e {
            SignatureError::Malformed => "malformed",
            SignatureError::Stale => "stale",
            SignatureError::Mismatch => "forged",
        });
        AppError::BadRequest(format!("invalid signature: {e}"))
    })?;
    let event: Value = serde_json::from_slice(&body).map_err(|_| {
        crate::telemetry::count_webhook("malformed");
        AppError::BadRequest("body is not JSON".into())
    })?;
    if !event.is_object() {
        return Err(AppError::BadRequest("body is not a Stripe event".into()));
    }
    let outcome = state.db.apply_stripe_event(&event).await?;
    let status = outcome["status"].as_str().unwrap_or("unknown").to_string();
    crate::telemetry::count_webhook(&status);
    tracing::info!(event_id = %outcome["event_id"], event_type = %event["type"], %status, "stripe event");
    Ok(Json(json!({ "received": true, "status": status })))
}
