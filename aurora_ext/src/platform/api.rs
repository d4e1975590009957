//! The shape of an API function. A Rust core answers `Result<Value, ApiError>`: the public
//! RPC (native, platform/native.rs) forms the value as its declared type or raises the
//! error with its SQLSTATE; the `aurora_private` entry points answer it as jsonb,
//! `{"ok": value}` or `{"error": {code, message, detail, hint}}` (respond()), for SQL
//! callers that raise it themselves (unwrap()). PostgREST needs PT402, PT404, PT429… to
//! answer 402, 404, 429, which pgrx would re-raise as XX000.
use crate::platform::caller::Caller;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::{json, Value};

#[derive(Debug)]
pub enum ApiError {
    /// No signed-in user (42501: PostgREST answers 401 to anon, 403 otherwise).
    Unauthenticated,
    /// Signed in, not allowed (42501 → 403).
    Forbidden(String, &'static str),
    /// Bad input (22023 → 400).
    Invalid(String, &'static str),
    /// Nothing there, or nothing the caller may see (PT404).
    NotFound(&'static str, &'static str),
    /// A freemium limit (PT402).
    PaymentRequired(String, String, &'static str),
    /// Too many attempts (PT429).
    RateLimited(String, &'static str),
    /// Existed, but no longer usable (PT410).
    Gone(&'static str, &'static str),
    /// Already done, or in a state that forbids it (PT409).
    Conflict(&'static str, &'static str),
}

pub type ApiResult = Result<Value, ApiError>;

impl ApiError {
    pub(crate) fn parts(self) -> (&'static str, String, Option<String>, &'static str) {
        match self {
            ApiError::Unauthenticated => (
                "42501",
                "sign in first".into(),
                None,
                "Connectez-vous pour continuer.",
            ),
            ApiError::Forbidden(m, h) => ("42501", m, None, h),
            ApiError::Invalid(m, h) => ("22023", m, None, h),
            ApiError::NotFound(m, h) => ("PT404", m.into(), None, h),
            ApiError::PaymentRequired(m, d, h) => ("PT402", m, Some(d), h),
            ApiError::RateLimited(m, h) => ("PT429", m, None, h),
            ApiError::Gone(m, h) => ("PT410", m.into(), None, h),
            ApiError::Conflict(m, h) => ("PT409", m.into(), None, h),
        }
    }
}

/// The value a core returns to its wrapper.
pub fn respond(result: ApiResult) -> JsonB {
    JsonB(match result {
        Ok(value) => json!({ "ok": value }),
        Err(e) => {
            let (code, message, detail, hint) = e.parts();
            json!({ "error": { "code": code, "message": message, "detail": detail, "hint": hint } })
        }
    })
}

/// The signed-in user, or `Unauthenticated`.
pub fn require_user() -> Result<pgrx::Uuid, ApiError> {
    match Caller::current() {
        Caller::User(uid) => Ok(uid),
        _ => Err(ApiError::Unauthenticated),
    }
}

/// Same, for functions that raise directly (standard SQLSTATEs only).
pub fn require_user_or_raise() -> pgrx::Uuid {
    match Caller::current() {
        Caller::User(uid) => uid,
        _ => crate::platform::error::raise(
            PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
            "sign in first",
            None,
            Some("Connectez-vous pour continuer."),
        ),
    }
}

/// Product limits and defaults (aurora_settings).
#[derive(Debug, Clone)]
pub struct Settings {
    pub freemium_daily_profile_views: i32,
    pub invitation_days: i32,
}

pub fn settings() -> Settings {
    let v = crate::platform::spi::json_one!("select to_jsonb(s) from public.aurora_settings s", &[])
        .unwrap_or_else(|| error!("aurora: aurora_settings has no row"));
    let get = |k: &str| v.get(k).and_then(Value::as_i64).unwrap_or_else(|| error!("aurora: setting {k} missing")) as i32;
    Settings {
        freemium_daily_profile_views: get("freemium_daily_profile_views"),
        invitation_days: get("invitation_days"),
    }
}

/// Trimmed text within `max` characters; empty is `None`.
pub fn optional_text(value: Option<String>, field: &str, max: usize) -> Result<Option<String>, ApiError> {
    match value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
        Some(v) if v.chars().count() > max => Err(ApiError::Invalid(
            format!("{field} is longer than {max} characters"),
            "Ce texte est trop long.",
        )),
        other => Ok(other),
    }
}

pub fn required_text(value: Option<String>, field: &str, max: usize) -> Result<String, ApiError> {
    optional_text(value, field, max)?.ok_or_else(|| {
        ApiError::Invalid(format!("{field} is required"), "Ce champ est obligatoire.")
    })
}

/// A UUID in its text form (any case, with or without hyphens), as pgrx's type.
pub fn parse_uuid(text: &str) -> Option<pgrx::Uuid> {
    uuid::Uuid::try_parse(text).ok().map(|u| pgrx::Uuid::from_bytes(*u.as_bytes()))
}
