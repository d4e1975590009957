//! A member's own account: her data as one document, and her erasure.
use crate::auth::Member;
use crate::error::AppError;
use crate::third_party::Answer;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// How long an export's download links work.
const LINK_SECONDS: u32 = 3600;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/account/export", get(export))
        .route("/api/account/erasure", post(erase))
}

/// `POST /api/account/erasure`: starts her erasure (or answers the one started) and signs
/// her out everywhere at once with her own token; 202 with the erasure's state. The rest is
/// carried out by the erasure worker (edge/src/erasure.rs); her token opens nothing more.
async fn erase(State(state): State<AppState>, member: Member) -> Result<(StatusCode, Json<Value>), AppError> {
    let erasure = state.db.as_member(&member, "select to_jsonb(public.delete_my_account())", &[]).await?;
    let signed_out = match state.gotrue.sign_out_everywhere(&member.token).await {
        Answer::Done(_) | Answer::Gone => true,
        Answer::Retry(e) => {
            // the erasure's own sign_out step bans her anyway; this only makes it immediate
            tracing::warn!(user = %member.id, error = %e, "erasure: GoTrue logout failed; the ban step follows");
            false
        }
    };
    metrics::counter!("aurora_erasures_requested_total", "by" => "member").increment(1);
    Ok((StatusCode::ACCEPTED, Json(json!({ "erasure": erasure, "signed_out": signed_out }))))
}

/// `GET /api/account/export`: everything aurora holds of her (export_my_data()), with a
/// signed download link for each of her files (Storage, an hour) and her contact as Brevo
/// holds it (lists, blocklisting, attributes). 503 when Storage or Brevo cannot answer:
/// an export is whole or not given.
async fn export(State(state): State<AppState>, member: Member) -> Result<Json<Value>, AppError> {
    let mut doc = state.db.as_member(&member, "select to_jsonb(public.export_my_data())", &[]).await?;
    let by_bucket = crate::storage::by_bucket(&doc["files"]);
    let mut links: BTreeMap<(String, String), String> = BTreeMap::new();
    for (bucket, names) in &by_bucket {
        let signed = state.storage.sign(bucket, names, LINK_SECONDS).await.map_err(AppError::Unavailable)?;
        for (name, url) in signed {
            links.insert((bucket.clone(), name), url);
        }
    }
    if let Some(files) = doc["files"].as_array_mut() {
        for f in files {
            let key = (f["bucket"].as_str().unwrap_or_default().to_string(), f["name"].as_str().unwrap_or_default().to_string());
            f["download_url"] = links.get(&key).map_or(Value::Null, |u| json!(u));
        }
    }
    doc["brevo"] = match (&state.brevo, doc["account"]["email"].as_str()) {
        (None, _) => json!({ "contact": null, "note": "BREVO_API_KEY is not set: aurora keeps no Brevo contacts" }),
        (Some(_), None) => json!({ "contact": null }),
        (Some(brevo), Some(email)) => match brevo.contact(email).await {
            Answer::Done(c) => json!({ "contact": {
                "email": c["email"], "list_ids": c["listIds"], "email_blacklisted": c["emailBlacklisted"],
                "sms_blacklisted": c["smsBlacklisted"], "attributes": c["attributes"],
                "created_at": c["createdAt"], "modified_at": c["modifiedAt"],
            } }),
            Answer::Gone => json!({ "contact": null }),
            Answer::Retry(e) => return Err(AppError::Unavailable(e)),
        },
    };
    Ok(Json(doc))
}
