//! `POST /api/webhooks/stripe`: verify the signature on the raw body, then hand the event
//! to the database, which records it once and applies it in one transaction
//! (aurora_private.apply_stripe_event). Stripe retries anything but 2xx, so: a bad
//! signature or body is 400 (retrying will not help), a database outage is 503 (it will).
use crate::db::{DbError, StripeStatus};
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
    let mut event: Value = serde_json::from_slice(&body).map_err(|_| {
        crate::telemetry::count_webhook("malformed");
        AppError::BadRequest("body is not JSON".into())
    })?;
    if !event.is_object() {
        return Err(AppError::BadRequest("body is not a Stripe event".into()));
    }
    // PostgreSQL's jsonb cannot hold U+0000: such an event (signed, so Stripe's) is kept
    // with the character replaced, as rejected, and acknowledged (a 5xx or 4xx would have
    // Stripe retry it for days).
    let outcome = if replace_nul(&mut event) {
        let reason = "the event contains U+0000 (\\u0000), which PostgreSQL cannot store; kept with U+FFFD in its place";
        state.db.reject_stripe_event(&event, reason).await
    } else {
        state.db.apply_stripe_event(&event).await
    }
    .map_err(|e| match e {
        // what is not a Stripe event at all (no id, type, created): retrying will not help
        DbError::Refused { code, message, .. } if code == "22023" => AppError::BadRequest(message),
        other => AppError::from(other),
    })?;
    let status = outcome.status.as_str();
    let counted = match (outcome.status, &outcome.reason) {
        (StripeStatus::Applied, Some(_)) => "unknown_status",
        _ => status,
    };
    crate::telemetry::count_webhook(counted);
    match &outcome.reason {
        Some(reason) => tracing::warn!(event_id = %outcome.event_id, event_type = %event["type"], status,
                                       %reason, "stripe event not applied as sent"),
        None => tracing::info!(event_id = %outcome.event_id, event_type = %event["type"], status, "stripe event"),
    }
    Ok(Json(json!({ "received": true, "status": status })))
}

/// Replaces U+0000 in every string and key with U+FFFD; true if there was one.
fn replace_nul(value: &mut Value) -> bool {
    const NUL: char = '\u{0}';
    let fix = |s: &mut String| {
        let found = s.contains(NUL);
        if found {
            *s = s.replace(NUL, "\u{FFFD}");
        }
        found
    };
    match value {
        Value::String(s) => fix(s),
        Value::Array(items) => items.iter_mut().fold(false, |found, v| replace_nul(v) | found),
        Value::Object(map) => {
            let mut found = false;
            if map.keys().any(|k| k.contains(NUL)) {
                let entries = std::mem::take(map);
                for (mut k, v) in entries {
                    found |= fix(&mut k);
                    map.insert(k, v);
                }
            }
            map.values_mut().fold(found, |found, v| replace_nul(v) | found)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::replace_nul;
    use serde_json::json;

    #[test]
    fn nul_characters_are_replaced_everywhere() {
        let mut v = json!({ "a\u{0}": ["x\u{0}y", { "b": "\u{0}" }], "c": 1, "d": "clean" });
        assert!(replace_nul(&mut v));
        assert_eq!(v, json!({ "a\u{FFFD}": ["x\u{FFFD}y", { "b": "\u{FFFD}" }], "c": 1, "d": "clean" }));
        let mut clean = json!({ "id": "evt_1", "data": { "object": { "name": "Inès" } } });
        assert!(!replace_nul(&mut clean));
    }
}
