//! Members' requests: the Supabase access token in `Authorization: Bearer`, verified with
//! the project's JWT secret (HS256), audience `authenticated`, not expired. The verified
//! claims go to the database as PostgREST sends them (`request.jwt.claims`), so RLS and
//! aurora's functions see the same member.
use crate::error::AppError;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use secrecy::ExposeSecret;
use serde_json::Value;

pub mod gotrue;

/// A member, from a verified token.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    pub claims: Value,
}

pub fn verify_token(token: &str, secret: &str) -> Result<Member, AppError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&["authenticated"]);
    validation.set_required_spec_claims(&["exp", "sub", "aud"]);
    validation.leeway = 30;
    let data = decode::<Value>(token, &DecodingKey::from_secret(secret.as_bytes()), &validation).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind::*;
        AppError::Unauthorized(
            match e.kind() {
                ExpiredSignature => "token expired",
                InvalidAudience => "token not for this audience",
                InvalidSignature => "token signature invalid",
                InvalidAlgorithm => "token algorithm not accepted",
                _ => "token invalid",
            }
            .into(),
        )
    })?;
    let claims = data.claims;
    if claims["role"] != "authenticated" {
        return Err(AppError::Unauthorized("token is not a signed-in member's".into()));
    }
    let id = claims["sub"].as_str().unwrap_or_default().to_string();
    if id.len() != 36 || id.chars().filter(|c| *c == '-').count() != 4 {
        return Err(AppError::Unauthorized("token subject is not a user id".into()));
    }
    Ok(Member { id, claims })
}

impl FromRequestParts<AppState> for Member {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| AppError::Unauthorized("missing bearer token".into()))?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(|| AppError::Unauthorized("missing bearer token".into()))?;
        verify_token(token.trim(), state.config.supabase_jwt_secret.expose_secret())
    }
}
