//! One error type for handlers: client errors say what was wrong; server errors say
//! nothing internal and are logged with their context.
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    /// No valid member token (401, with WWW-Authenticate).
    #[error("{0}")]
    Unauthorized(String),
    /// A database error a member caused, answered the way PostgREST answers it.
    #[error("{message}")]
    Db { status: StatusCode, code: String, message: String, hint: Option<String> },
    #[error("service unavailable")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, message) = match &self {
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, m.clone()),
            AppError::Unauthorized(m) => {
                let mut r = (StatusCode::UNAUTHORIZED, Json(json!({ "error": m }))).into_response();
                r.headers_mut().insert("www-authenticate", axum::http::HeaderValue::from_static("Bearer"));
                return r;
            }
            AppError::Db { status, code, message, hint } => {
                return (*status, Json(json!({ "code": code, "message": message, "hint": hint }))).into_response();
            }
            AppError::Unavailable(context) => {
                tracing::warn!(%context, "unavailable");
                (StatusCode::SERVICE_UNAVAILABLE, "service unavailable".to_string())
            }
            AppError::Internal(context) => {
                tracing::error!(%context, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error".to_string())
            }
        };
        (status, Json(json!({ "error": message }))).into_response()
    }
}

/// A database error, answered the way PostgREST answers it (its SQLSTATE → HTTP status
/// table); server-side ones are logged with the database's SQLSTATE and words and answered
/// without them.
impl From<crate::db::DbError> for AppError {
    fn from(e: crate::db::DbError) -> AppError {
        use crate::db::DbError;
        let (code, message, hint) = match e {
            DbError::Unavailable(_) | DbError::Timeout(_) => return AppError::Unavailable(e.to_string()),
            DbError::Unexpected(_) => return AppError::Internal(e.to_string()),
            DbError::Refused { code, message, hint, .. } => (code, message, hint),
        };
        let status = match code.as_str() {
            "42501" => StatusCode::FORBIDDEN,
            "23503" | "23505" => StatusCode::CONFLICT,
            "42883" | "42P01" => StatusCode::NOT_FOUND,
            "P0001" => StatusCode::BAD_REQUEST,
            "P0002" => StatusCode::NOT_FOUND,
            c if c.starts_with("PT") => c[2..].parse::<u16>().ok().and_then(|n| StatusCode::from_u16(n).ok())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            // a standby, or a primary being demoted: another node takes the writes shortly
            // (a webhook answered 503 is delivered again by Stripe)
            "25006" => StatusCode::SERVICE_UNAVAILABLE,
            c if c.starts_with("08") || c.starts_with("53") || c.starts_with("57P") => StatusCode::SERVICE_UNAVAILABLE,
            c if c.starts_with("XX") || c.starts_with("P0") || c.starts_with("25") || c.starts_with("26") || c.starts_with("40")
                || c.starts_with("55") || c.starts_with("57") || c.starts_with("58") => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        if status == StatusCode::SERVICE_UNAVAILABLE {
            return AppError::Unavailable(format!("{code}: {message}"));
        }
        if status.is_server_error() {
            return AppError::Internal(format!("{code}: {message}"));
        }
        AppError::Db { status, code, message, hint }
    }
}
