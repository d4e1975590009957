//! Request limits: per-IP rate limits on the auth routes, CORS for the site, a body size
//! cap and a timeout on every request.
use crate::config::Config;
use axum::http::{HeaderValue, Method, Request};
use axum::Router;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};
use tower_http::cors::CorsLayer;

/// The client's IP: the peer address, or the first X-Forwarded-For hop when the edge runs
/// behind a proxy that sets it (AURORA_TRUST_PROXY). Never the header otherwise: a
/// client could choose its own bucket.
#[derive(Clone, Copy)]
pub struct ClientIp {
    trust_proxy: bool,
}

impl KeyExtractor for ClientIp {
    type Key = IpAddr;

    fn extract<T>(&self, req: &Request<T>) -> Result<IpAddr, GovernorError> {
        if self.trust_proxy {
            let forwarded = req
                .headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .and_then(|ip| ip.trim().parse().ok());
            if let Some(ip) = forwarded {
                return Ok(ip);
            }
        }
        req.extensions()
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|ci| ci.0.ip())
            .ok_or(GovernorError::UnableToExtractKey)
    }
}

/// Wraps `router` (the auth routes) in the per-IP limiter.
pub fn rate_limited<S: Clone + Send + Sync + 'static>(router: Router<S>, config: &Config) -> Router<S> {
    let period_ms = (60_000 / config.auth_rate_per_minute).max(1);
    let governor = GovernorConfigBuilder::default()
        .key_extractor(ClientIp { trust_proxy: config.trust_proxy })
        .per_millisecond(period_ms)
        .burst_size(config.auth_rate_burst)
        .finish()
        .expect("a valid rate limit");
    let governor = Arc::new(governor);
    // forget buckets of clients not seen for a while
    let limiter = governor.limiter().clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            limiter.retain_recent();
        }
    });
    router.layer(GovernorLayer::new(governor))
}

/// CORS for the site (NEXT_PUBLIC_SITE_URL): its origin only, with credentials.
pub fn cors(config: &Config) -> Option<CorsLayer> {
    let site = config.site_url.as_deref()?;
    let origin = HeaderValue::from_str(site.trim_end_matches('/')).ok()?;
    Some(
        CorsLayer::new()
            .allow_origin(tower_http::cors::AllowOrigin::list([origin]))
            .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
            .allow_headers([
                axum::http::header::AUTHORIZATION,
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderName::from_static("x-request-id"),
            ])
            .allow_credentials(true)
            .max_age(Duration::from_secs(600)),
    )
}
