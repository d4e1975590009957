//! GoTrue (Supabase Auth) and the session cookies of `@supabase/ssr`.
//!
//! Cookies: the session (GoTrue's token response) is stored under `sb-<ref>-auth-token`
//! (`<ref>`: the first label of the Supabase URL's host, as supabase-js derives its storage
//! key) as `base64-` + unpadded base64url of its JSON, split into `.0`, `.1`, … cookies
//! when longer than 3,180 characters; `Path=/; SameSite=Lax`, readable by the browser
//! client (not HttpOnly), 400 days. The PKCE verifier is read from
//! `sb-<ref>-auth-token-code-verifier`, which supabase-js wrote the same way.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::time::Duration;
use crate::third_party::{segment, Answer};

pub const MAX_CHUNK_SIZE: usize = 3180;
pub const COOKIE_MAX_AGE: u64 = 400 * 24 * 60 * 60;
const BASE64_PREFIX: &str = "base64-";

pub fn storage_key(supabase_url: &str) -> String {
    let host = supabase_url.split("://").nth(1).unwrap_or(supabase_url);
    let host = host.split(['/', ':']).next().unwrap_or(host);
    format!("sb-{}-auth-token", host.split('.').next().unwrap_or(host))
}

pub fn encode_cookie_value(value: &str) -> String {
    format!("{BASE64_PREFIX}{}", URL_SAFE_NO_PAD.encode(value.as_bytes()))
}

/// A stored value: `base64-…` or (older clients) raw; JSON strings are unquoted.
pub fn decode_cookie_value(raw: &str) -> Option<String> {
    let text = match raw.strip_prefix(BASE64_PREFIX) {
        Some(b64) => String::from_utf8(URL_SAFE_NO_PAD.decode(b64.trim_end_matches('=')).ok()?).ok()?,
        None => percent_decode(raw),
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::String(s)) => Some(s),
        _ => Some(text),
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// The cookies (name, value) for `value` under `key`: one, or chunks `.0`, `.1`, …
pub fn chunk_cookies(key: &str, value: &str) -> Vec<(String, String)> {
    if value.len() <= MAX_CHUNK_SIZE {
        return vec![(key.to_string(), value.to_string())];
    }
    value
        .as_bytes()
        .chunks(MAX_CHUNK_SIZE)
        .enumerate()
        .map(|(i, c)| (format!("{key}.{i}"), String::from_utf8_lossy(c).into_owned()))
        .collect()
}

/// Only a same-site relative path: `/…`, not `//host` nor `/\host`, no scheme.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(|c| c.is_control()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[derive(Clone)]
pub struct GoTrue {
    http: reqwest::Client,
    base: String,
    anon_key: SecretString,
    service_key: Option<SecretString>,
}

/// Why GoTrue said no, in its own words (`error_code`), or that it could not be reached.
#[derive(Debug, PartialEq)]
pub enum AuthFailure {
    Rejected(String),
    Unavailable,
}

impl GoTrue {
    pub fn new(supabase_url: &str, anon_key: SecretString, service_key: Option<SecretString>) -> Result<GoTrue, String> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().map_err(|e| e.to_string())?;
        Ok(GoTrue { http, base: format!("{supabase_url}/auth/v1"), anon_key, service_key })
    }

    async fn post(&self, path: &str, key: &SecretString, body: Value) -> Result<Value, AuthFailure> {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("apikey", key.expose_secret())
            .bearer_auth(key.expose_secret())
            .json(&body)
            .send()
            .await
            .map_err(|_| AuthFailure::Unavailable)?;
        let status = r.status();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            Ok(body)
        } else if status.is_server_error() {
            Err(AuthFailure::Unavailable)
        } else {
            let code = body["error_code"]
                .as_str()
                .or(body["error"].as_str())
                .unwrap_or("auth_failed")
                .to_string();
            Err(AuthFailure::Rejected(code))
        }
    }

    /// PKCE: the code from the redirect and the verifier the browser kept.
    pub async fn exchange_code(&self, code: &str, verifier: &str) -> Result<Value, AuthFailure> {
        let session = self
            .post("/token?grant_type=pkce", &self.anon_key, json!({ "auth_code": code, "code_verifier": verifier }))
            .await?;
        Ok(with_expiry(session))
    }

    /// Email links: `token_hash` + `type` (signup, magiclink, recovery, invite, email_change, email).
    pub async fn verify_otp(&self, token_hash: &str, kind: &str) -> Result<Value, AuthFailure> {
        let session = self.post("/verify", &self.anon_key, json!({ "token_hash": token_hash, "type": kind })).await?;
        Ok(with_expiry(session))
    }

    /// Admin: a fresh signup-confirmation link for `email` (service role key).
    pub async fn generate_link(&self, email: &str, redirect_to: Option<&str>) -> Result<Value, AuthFailure> {
        let key = self.service_key.as_ref().ok_or(AuthFailure::Unavailable)?;
        self.post(
            "/admin/generate_link",
            key,
            json!({ "type": "magiclink", "email": email, "redirect_to": redirect_to }),
        )
        .await
    }
}

/// GoTrue's admin API and logout, for erasure (answers classified by `third_party`).
impl GoTrue {
    fn admin(&self, method: reqwest::Method, path: &str) -> Result<reqwest::RequestBuilder, String> {
        let key = self.service_key.as_ref().ok_or("SUPABASE_SERVICE_ROLE_KEY is not set")?;
        Ok(self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("apikey", key.expose_secret())
            .bearer_auth(key.expose_secret()))
    }

    /// Signs her out everywhere: `POST /logout?scope=global` with her own access token
    /// (GoTrue deletes all her sessions, so no refresh token works any more).
    pub async fn sign_out_everywhere(&self, access_token: &str) -> Answer {
        let request = self
            .http
            .post(format!("{}/logout?scope=global", self.base))
            .header("apikey", self.anon_key.expose_secret())
            .bearer_auth(access_token);
        crate::third_party::send("GoTrue logout", request).await
    }

    /// Bans her (`PUT /admin/users/{id}`, `ban_duration`): no sign-in and no token refresh
    /// while her erasure runs. A 404 means she is gone already.
    pub async fn ban(&self, user_id: &str) -> Answer {
        match self.admin(reqwest::Method::PUT, &format!("/admin/users/{}", segment(user_id))) {
            Ok(r) => crate::third_party::send("GoTrue ban", r.json(&json!({ "ban_duration": "876000h" }))).await,
            Err(e) => Answer::Retry(e),
        }
    }

    /// Deletes her user for good (`DELETE /admin/users/{id}`, not a soft delete); her
    /// identities and sessions go with it.
    pub async fn delete_user(&self, user_id: &str) -> Answer {
        match self.admin(reqwest::Method::DELETE, &format!("/admin/users/{}", segment(user_id))) {
            Ok(r) => crate::third_party::send("GoTrue delete user", r.json(&json!({ "should_soft_delete": false }))).await,
            Err(e) => Answer::Retry(e),
        }
    }
}

/// supabase-js stores `expires_at`; GoTrue may answer only `expires_in`.
fn with_expiry(mut session: Value) -> Value {
    if session.get("expires_at").is_none_or(Value::is_null) {
        if let Some(secs) = session["expires_in"].as_i64() {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or_default();
            session["expires_at"] = json!(now + secs);
        }
    }
    session
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_key_follows_supabase_js() {
        assert_eq!(storage_key("https://abcdefgh.supabase.co"), "sb-abcdefgh-auth-token");
        assert_eq!(storage_key("http://127.0.0.1:54321"), "sb-127-auth-token");
        assert_eq!(storage_key("https://auth.aurora50.fr/"), "sb-auth-auth-token");
    }

    #[test]
    fn values_round_trip_and_chunk() {
        let v = encode_cookie_value(r#"{"access_token":"a"}"#);
        assert!(v.starts_with("base64-") && !v.contains('=') && !v.contains('+') && !v.contains('/'));
        assert_eq!(decode_cookie_value(&v).as_deref(), Some(r#"{"access_token":"a"}"#));
        // a verifier as supabase-js stores it: a JSON string, base64url
        let stored = encode_cookie_value(r#""abc123/PASSWORD_RECOVERY""#);
        assert_eq!(decode_cookie_value(&stored).as_deref(), Some("abc123/PASSWORD_RECOVERY"));
        assert_eq!(decode_cookie_value("%22raw%22").as_deref(), Some("raw"));
        let long = "x".repeat(7000);
        let chunks = chunk_cookies("k", &long);
        assert_eq!(chunks.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["k.0", "k.1", "k.2"]);
        assert!(chunks.iter().all(|c| c.1.len() <= MAX_CHUNK_SIZE));
        assert_eq!(chunks.iter().map(|c| c.1.as_str()).collect::<String>(), long);
        assert_eq!(chunk_cookies("k", "short"), vec![("k".to_string(), "short".to_string())]);
    }

    #[test]
    fn only_same_site_paths_are_followed() {
        assert_eq!(safe_next(Some("/dashboard?tab=1")), "/dashboard?tab=1");
        for evil in ["//evil.com", "https://evil.com", "/\\evil.com", "evil.com", "/\tx", ""] {
            assert_eq!(safe_next(Some(evil)), "/", "{evil:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
