//! The seed's debug routes, in development mode only (NEXT_PUBLIC_DEV_MODE=true); absent
//! (404) otherwise. None of them writes anything or reveals a secret.
//! - `GET /api/test-config`: each configuration variable, set or missing.
//! - `GET /api/test-brevo`: whether Brevo is configured and accepts the key (GET /v3/account).
//! - `POST /api/test-webhook`: checks a body + Stripe-Signature against the webhook secret
//!   and says why it would be refused; applies nothing.
use crate::stripe::{verify, TOLERANCE_SECONDS};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use secrecy::ExposeSecret;
use serde_json::{json, Value};

pub fn router(dev_mode: bool) -> Router<AppState> {
    if !dev_mode {
        return Router::new();
    }
    Router::new()
        .route("/api/test-config", get(test_config))
        .route("/api/test-brevo", get(test_brevo))
        .route("/api/test-webhook", post(test_webhook))
}

const VARIABLES: [&str; 12] = [
    "DATABASE_URL", "NEXT_PUBLIC_SUPABASE_URL", "NEXT_PUBLIC_SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY",
    "SUPABASE_JWT_SECRET", "STRIPE_SECRET_KEY", "NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET",
    "BREVO_API_KEY", "NEXT_PUBLIC_SITE_URL", "NEXT_PUBLIC_DEV_MODE", "SUPABASE_PROJECT_REF",
];

async fn test_config() -> Json<Value> {
    let status: serde_json::Map<String, Value> = VARIABLES
        .iter()
        .chain(crate::config::EMAIL_TEMPLATES.iter().map(|(_, v)| v))
        .map(|v| {
            let set = std::env::var(v).map(|x| !x.trim().is_empty()).unwrap_or(false);
            (v.to_string(), json!(if set { "set" } else { "missing" }))
        })
        .collect();
    Json(json!({ "variables": status }))
}

async fn test_brevo(State(state): State<AppState>) -> Json<Value> {
    let email = &state.config.email;
    let Some(key) = &email.brevo_api_key else {
        return Json(json!({ "configured": false, "mode": "capture" }));
    };
    let answer = reqwest::Client::new()
        .get(format!("{}/v3/account", email.brevo_api_url))
        .header("api-key", key.expose_secret())
        .timeout(email.brevo_timeout)
        .send()
        .await;
    Json(match answer {
        Ok(r) => json!({ "configured": true, "reachable": true, "key_accepted": r.status().is_success(),
                         "status": r.status().as_u16(),
                         "templates": email.templates.iter().map(|(t, id)| json!({ "template": t, "id": id })).collect::<Vec<_>>() }),
        Err(_) => json!({ "configured": true, "reachable": false }),
    })
}

async fn test_webhook(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Json<Value> {
    let header = headers.get("stripe-signature").and_then(|v| v.to_str().ok()).unwrap_or("");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let verdict = verify(header, &body, state.config.stripe_webhook_secret.expose_secret(), now, TOLERANCE_SECONDS);
    let event: Option<Value> = serde_json::from_slice(&body).ok();
    Json(json!({
        "signature": match verdict { Ok(()) => "valid".to_string(), Err(e) => e.to_string() },
        "json": event.is_some(),
        "event_type": event.as_ref().and_then(|e| e["type"].as_str().map(str::to_string)),
        "applied": false,
    }))
}
