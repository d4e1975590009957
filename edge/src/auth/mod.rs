//! Members' requests: the Supabase access token in `Authorization: Bearer`, audience
//! `authenticated`, not expired, role `authenticated`. HS256 tokens are checked with the
//! project's JWT secret; asymmetric ones (RS256, ES256) with the project's JWKS, fetched
//! and cached, refetched when a token names a key id the cache does not hold (key
//! rotation), at most every 30 s. The verified claims go to the database as PostgREST
//! sends them (`request.jwt.claims`), so RLS and aurora's functions see the same member.
use crate::error::AppError;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use secrecy::ExposeSecret;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

pub mod gotrue;

/// A member, from a verified token.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    pub claims: Value,
    /// The access token itself (GoTrue's logout takes it).
    pub token: String,
}

/// The project's public keys, cached.
#[derive(Clone)]
pub struct Jwks {
    url: String,
    http: reqwest::Client,
    cache: Arc<RwLock<(Option<JwkSet>, Option<Instant>)>>,
}

const JWKS_TTL: Duration = Duration::from_secs(600);
const JWKS_MIN_REFRESH: Duration = Duration::from_secs(30);

impl Jwks {
    pub fn new(url: String) -> Jwks {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap_or_default();
        Jwks { url, http, cache: Arc::new(RwLock::new((None, None))) }
    }

    async fn fetch(&self) -> Option<JwkSet> {
        let r = self.http.get(&self.url).send().await.ok()?;
        if !r.status().is_success() {
            return None;
        }
        r.json::<JwkSet>().await.ok()
    }

    /// The key for `kid`, refreshing the cache when it is stale or lacks that key.
    async fn key(&self, kid: Option<&str>) -> Option<DecodingKey> {
        let find = |set: &JwkSet| -> Option<DecodingKey> {
            let jwk = match kid {
                Some(k) => set.find(k)?,
                None => set.keys.first()?,
            };
            DecodingKey::from_jwk(jwk).ok()
        };
        {
            let cache = self.cache.read().await;
            if let (Some(set), Some(at)) = (&cache.0, cache.1) {
                if at.elapsed() < JWKS_TTL {
                    if let Some(key) = find(set) {
                        return Some(key);
                    }
                }
            }
        }
        let mut cache = self.cache.write().await;
        if cache.1.is_some_and(|at| at.elapsed() < JWKS_MIN_REFRESH) {
            return cache.0.as_ref().and_then(find);
        }
        cache.1 = Some(Instant::now());
        if let Some(set) = self.fetch().await {
            cache.0 = Some(set);
        }
        cache.0.as_ref().and_then(find)
    }
}

fn validation(alg: Algorithm) -> Validation {
    let mut v = Validation::new(alg);
    v.set_audience(&["authenticated"]);
    v.set_required_spec_claims(&["exp", "sub", "aud"]);
    v.leeway = 30;
    v
}

fn rejection(e: jsonwebtoken::errors::Error) -> AppError {
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
}

fn member_from(claims: Value) -> Result<Member, AppError> {
    if claims["role"] != "authenticated" {
        return Err(AppError::Unauthorized("token is not a signed-in member's".into()));
    }
    let id = claims["sub"].as_str().unwrap_or_default().to_string();
    if id.len() != 36 || id.chars().filter(|c| *c == '-').count() != 4 {
        return Err(AppError::Unauthorized("token subject is not a user id".into()));
    }
    Ok(Member { id, claims, token: String::new() })
}

/// Verifies an HS256 token with the project's secret.
pub fn verify_token(token: &str, secret: &str) -> Result<Member, AppError> {
    let data = decode::<Value>(token, &DecodingKey::from_secret(secret.as_bytes()), &validation(Algorithm::HS256))
        .map_err(rejection)?;
    member_from(data.claims)
}

pub async fn verify(token: &str, state: &AppState) -> Result<Member, AppError> {
    let header = decode_header(token).map_err(|_| AppError::Unauthorized("token invalid".into()))?;
    match header.alg {
        Algorithm::HS256 => {
            let secret = state
                .config
                .supabase_jwt_secret
                .as_ref()
                .ok_or_else(|| AppError::Unauthorized("token algorithm not accepted".into()))?;
            verify_token(token, secret.expose_secret())
        }
        alg @ (Algorithm::RS256 | Algorithm::ES256 | Algorithm::EdDSA) => {
            let key = state
                .jwks
                .key(header.kid.as_deref())
                .await
                .ok_or_else(|| AppError::Unauthorized("token signed by an unknown key".into()))?;
            let data = decode::<Value>(token, &key, &validation(alg)).map_err(rejection)?;
            member_from(data.claims)
        }
        _ => Err(AppError::Unauthorized("token algorithm not accepted".into())),
    }
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
        let mut member = verify(token.trim(), state).await?;
        member.token = token.trim().to_string();
        Ok(member)
    }
}
