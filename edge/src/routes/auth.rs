//! `GET /api/auth/callback` (PKCE code exchange) and `GET /api/auth/confirm` (email link
//! verification): on success the session cookies are set as `@supabase/ssr` sets them and
//! the browser goes to `next` (a same-site path only); on failure to
//! `/auth/auth-code-error?reason=<GoTrue's error_code>`.
use crate::auth::gotrue::{chunk_cookies, decode_cookie_value, encode_cookie_value, safe_next, storage_key, AuthFailure, COOKIE_MAX_AGE};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::Value;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/auth/callback", get(callback)).route("/api/auth/confirm", get(confirm))
}

const EMAIL_OTP_TYPES: [&str; 6] = ["signup", "invite", "magiclink", "recovery", "email_change", "email"];

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    next: Option<String>,
    error: Option<String>,
    error_code: Option<String>,
}

#[derive(Deserialize)]
struct ConfirmQuery {
    token_hash: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    next: Option<String>,
}

fn request_cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect()
}

/// A value stored under `key`, whole or in chunks.
fn read_stored(cookies: &[(String, String)], key: &str) -> Option<String> {
    if let Some((_, v)) = cookies.iter().find(|(k, _)| k == key) {
        return decode_cookie_value(v);
    }
    let mut joined = String::new();
    for i in 0.. {
        match cookies.iter().find(|(k, _)| *k == format!("{key}.{i}")) {
            Some((_, v)) => joined.push_str(v),
            None if i == 0 => return None,
            None => break,
        }
    }
    decode_cookie_value(&joined)
}

fn redirect(location: &str, cookies: Vec<String>) -> Response {
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, location.to_string())]).into_response();
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

fn failure(reason: &str) -> Response {
    let reason: String = reason.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(64).collect();
    crate::telemetry::count_auth(&reason);
    redirect(&format!("/auth/auth-code-error?reason={reason}"), Vec::new())
}

fn cookie(name: &str, value: &str, max_age: u64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; Max-Age={max_age}; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Set-Cookie lines for the session, clearing stale chunks and the PKCE verifier.
fn session_cookies(state: &AppState, request: &[(String, String)], session: &Value) -> Vec<String> {
    let key = storage_key(&state.config.supabase_url);
    let secure = state.config.site_url.as_deref().is_some_and(|s| s.starts_with("https://"));
    let chunks = chunk_cookies(&key, &encode_cookie_value(&session.to_string()));
    let mut out: Vec<String> = chunks.iter().map(|(n, v)| cookie(n, v, COOKIE_MAX_AGE, secure)).collect();
    let verifier = format!("{key}-code-verifier");
    for (name, _) in request {
        let ours = name == &key || name.strip_prefix(&format!("{key}.")).is_some_and(|n| n.parse::<u32>().is_ok());
        let stale = ours && !chunks.iter().any(|(n, _)| n == name);
        if stale || name == &verifier {
            out.push(cookie(name, "", 0, secure));
        }
    }
    out
}

async fn callback(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<CallbackQuery>) -> Response {
    if let Some(e) = q.error_code.or(q.error) {
        return failure(&e); // GoTrue redirected here with an error already
    }
    let Some(code) = q.code.filter(|c| !c.is_empty() && c.len() <= 512) else { return failure("missing_code") };
    let cookies = request_cookies(&headers);
    let key = storage_key(&state.config.supabase_url);
    let Some(stored) = read_stored(&cookies, &format!("{key}-code-verifier")) else {
        return failure("missing_code_verifier");
    };
    // supabase-js stores "<verifier>/<redirect type>"
    let verifier = stored.split('/').next().unwrap_or_default();
    match state.gotrue.exchange_code(&code, verifier).await {
        Ok(session) => {
            crate::telemetry::count_auth("signed_in");
            redirect(&safe_next(q.next.as_deref()), session_cookies(&state, &cookies, &session))
        }
        Err(AuthFailure::Rejected(reason)) => failure(&reason),
        Err(AuthFailure::Unavailable) => failure("auth_unavailable"),
    }
}

async fn confirm(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<ConfirmQuery>) -> Response {
    let (Some(token_hash), Some(kind)) = (q.token_hash.filter(|t| !t.is_empty() && t.len() <= 512), q.kind) else {
        return failure("missing_token");
    };
    if !EMAIL_OTP_TYPES.contains(&kind.as_str()) {
        return failure("invalid_type");
    }
    match state.gotrue.verify_otp(&token_hash, &kind).await {
        Ok(session) => {
            crate::telemetry::count_auth("confirmed");
            let cookies = request_cookies(&headers);
            redirect(&safe_next(q.next.as_deref()), session_cookies(&state, &cookies, &session))
        }
        Err(AuthFailure::Rejected(reason)) => failure(&reason),
        Err(AuthFailure::Unavailable) => failure("auth_unavailable"),
    }
}
