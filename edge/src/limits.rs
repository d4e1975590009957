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

/// Which proxies in front of the edge may say who the client is (X-Forwarded-For).
#[derive(Clone, Debug, Default)]
pub enum TrustedProxies {
    /// None (the default): the client is the peer; the header is never read.
    #[default]
    None,
    /// `AURORA_TRUST_PROXY=true`: exactly one proxy, whatever its address (one load
    /// balancer in front): the client is the right-most X-Forwarded-For entry, the one that
    /// proxy appended.
    OneHop,
    /// `AURORA_TRUSTED_PROXIES=<ip or cidr>,…`: the client is the right-most address, peer
    /// first, then X-Forwarded-For from right to left, that is not one of these.
    List(Vec<ipnet::IpNet>),
}

impl TrustedProxies {
    /// Whether connections from `peer` are a proxy's (many clients behind one address).
    pub fn is_proxy(&self, peer: std::net::IpAddr) -> bool {
        match self {
            TrustedProxies::None => false,
            TrustedProxies::OneHop => true,
            TrustedProxies::List(nets) => nets.iter().any(|n| n.contains(&peer)),
        }
    }
}

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        match self {
            TrustedProxies::None => false,
            TrustedProxies::OneHop => true,
            TrustedProxies::List(nets) => nets.iter().any(|n| n.contains(&ip)),
        }
    }

    /// The client's address. Entries left of the first untrusted one are the client's own
    /// words (anyone can send an X-Forwarded-For), so they are never used; an entry that is
    /// not an address stops the walk at the last address seen.
    pub fn client_ip(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops = forwarded_for.unwrap_or_default().rsplit(',').map(|h| h.trim().parse::<IpAddr>());
        let mut client = peer;
        for hop in hops {
            let Ok(hop) = hop else { break };
            client = hop;
            if matches!(self, TrustedProxies::OneHop) || !self.trusts(hop) {
                break;
            }
        }
        client
    }
}

/// The client's IP for rate limits: see TrustedProxies. Never the header unless the peer
/// is a trusted proxy: a client could choose its own bucket.
#[derive(Clone)]
pub struct ClientIp {
    proxies: TrustedProxies,
}

impl KeyExtractor for ClientIp {
    type Key = IpAddr;

    fn extract<T>(&self, req: &Request<T>) -> Result<IpAddr, GovernorError> {
        let peer = req
            .extensions()
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|ci| ci.0.ip())
            .ok_or(GovernorError::UnableToExtractKey)?;
        let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
        Ok(self.proxies.client_ip(peer, forwarded))
    }
}

/// Wraps `router` (the auth routes) in the per-IP limiter.
pub fn rate_limited<S: Clone + Send + Sync + 'static>(router: Router<S>, config: &Config) -> Router<S> {
    let period_ms = (60_000 / config.auth_rate_per_minute).max(1);
    let governor = GovernorConfigBuilder::default()
        .key_extractor(ClientIp { proxies: config.trusted_proxies.clone() })
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

#[cfg(test)]
mod tests {
    use super::TrustedProxies;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_a_trusted_proxy_the_header_is_ignored() {
        let p = TrustedProxies::None;
        assert_eq!(p.client_ip(ip("198.51.100.7"), Some("203.0.113.9")), ip("198.51.100.7"));
    }

    #[test]
    fn one_hop_takes_what_the_proxy_appended_not_what_the_client_wrote() {
        let p = TrustedProxies::OneHop;
        assert_eq!(p.client_ip(ip("10.0.0.2"), Some("1.2.3.4, 198.51.100.7")), ip("198.51.100.7"));
        assert_eq!(p.client_ip(ip("10.0.0.2"), None), ip("10.0.0.2"));
    }

    #[test]
    fn a_list_walks_right_to_left_past_trusted_proxies_only() {
        let p = TrustedProxies::List(vec!["10.0.0.0/8".parse().unwrap(), "173.245.48.0/20".parse().unwrap()]);
        // client → Cloudflare → load balancer → edge
        assert_eq!(p.client_ip(ip("10.0.0.2"), Some("6.6.6.6, 198.51.100.7, 173.245.48.5")), ip("198.51.100.7"));
        // a peer that is not a proxy is the client, whatever it says
        assert_eq!(p.client_ip(ip("198.51.100.8"), Some("1.1.1.1")), ip("198.51.100.8"));
        // garbage stops the walk at the last address seen
        assert_eq!(p.client_ip(ip("10.0.0.2"), Some("1.1.1.1, not-an-ip")), ip("10.0.0.2"));
        // everything trusted: the left-most address
        assert_eq!(p.client_ip(ip("10.0.0.2"), Some("10.1.1.1")), ip("10.1.1.1"));
    }
}
