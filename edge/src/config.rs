//! Configuration from the environment, with the variable names of the deployment the
//! edge replaces (`DATABASE_URL`, `NEXT_PUBLIC_SITE_URL`, …). Secrets are wrapped so they
//! never reach a log line or a debug print.
use secrecy::SecretString;
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is required but not set")]
    Missing(&'static str),
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: a libpq URL for the edge's own (non-superuser) role; several hosts
    /// and `target_session_attrs=read-write` follow a failover; `sslmode` and `sslrootcert`
    /// (or `PGSSLMODE`, `PGSSLROOTCERT`) as libpq reads them (tls.rs).
    pub database_url: SecretString,
    /// The same, parsed: where connections go and how they are secured.
    pub database: crate::tls::DbTarget,
    /// `AURORA_EDGE_ADDR`, default 127.0.0.1:8787.
    pub bind_addr: SocketAddr,
    /// `AURORA_DB_POOL_SIZE`, default 16.
    pub db_pool_size: usize,
    /// `AURORA_READY_TIMEOUT_MS`: how long /ready waits for the database, default 2000.
    pub ready_timeout: Duration,
    /// `NEXT_PUBLIC_SUPABASE_URL`: the project (GoTrue at {url}/auth/v1).
    pub supabase_url: String,
    /// `NEXT_PUBLIC_SUPABASE_ANON_KEY`: sent as `apikey` to GoTrue.
    pub supabase_anon_key: SecretString,
    /// `SUPABASE_SERVICE_ROLE_KEY`: GoTrue's admin API (verification links).
    pub supabase_service_role_key: Option<SecretString>,
    /// `SUPABASE_JWT_SECRET`: verifies members' HS256 access tokens (legacy secret).
    pub supabase_jwt_secret: Option<SecretString>,
    /// `SUPABASE_JWKS_URL` (default {NEXT_PUBLIC_SUPABASE_URL}/auth/v1/.well-known/jwks.json):
    /// the public keys of asymmetric (RS256/ES256) access tokens.
    pub supabase_jwks_url: String,
    /// `STRIPE_WEBHOOK_SECRET`: the endpoint's signing secret (whsec_…).
    pub stripe_webhook_secret: SecretString,
    /// `NEXT_PUBLIC_SITE_URL`, e.g. https://aurora50.fr (optional until the auth routes).
    pub site_url: Option<String>,
    /// `NEXT_PUBLIC_DEV_MODE`: enables the development-only routes.
    pub dev_mode: bool,
    /// The email outbox delivery worker.
    pub email: EmailConfig,
    /// Per-IP limit on the auth routes: `AURORA_AUTH_RATE_PER_MINUTE` (30) with bursts of
    /// `AURORA_AUTH_RATE_BURST` (10). Per edge instance.
    pub auth_rate_per_minute: u64,
    pub auth_rate_burst: u32,
    /// Who may say who the client is: `AURORA_TRUSTED_PROXIES` (addresses or CIDRs), or
    /// `AURORA_TRUST_PROXY=true` for exactly one proxy in front; by default nobody.
    pub trusted_proxies: crate::limits::TrustedProxies,
    /// `AURORA_REQUEST_TIMEOUT_MS` (15000) and `AURORA_BODY_LIMIT_BYTES` (1 MiB).
    pub request_timeout: Duration,
    pub body_limit: usize,
    /// Connection hygiene (edge/src/serve.rs): `AURORA_HEADER_TIMEOUT_MS` (10000) to send a
    /// request's headers, and the longest an idle keep-alive connection is kept;
    /// `AURORA_MAX_CONNECTIONS` open at once (default: three quarters of the descriptor
    /// limit, at most 4096), beyond which a connection is answered 503 and closed;
    /// `AURORA_MAX_CONNECTIONS_PER_IP` (64) from one address, trusted proxies excepted.
    pub header_timeout: Duration,
    pub max_connections: Option<usize>,
    pub max_connections_per_ip: usize,
    /// Erasure's calls to Stripe's API: `STRIPE_SECRET_KEY` (the seed's variable; without
    /// it an erasure's Stripe step waits, saying so) and `STRIPE_API_URL`
    /// (https://api.stripe.com). `AURORA_THIRD_PARTY_TIMEOUT_MS` (10000): each request of
    /// an erasure or export to Stripe, Brevo, Storage or GoTrue.
    pub stripe_secret_key: Option<SecretString>,
    pub stripe_api_url: String,
    pub third_party_timeout: Duration,
}

/// Brevo and the outbox worker. Without `BREVO_API_KEY` emails are captured (kept as
/// `captured` and logged) so development works offline.
#[derive(Debug, Clone)]
pub struct EmailConfig {
    /// `AURORA_EMAIL_WORKER`: run the delivery worker in this process (default true).
    pub worker: bool,
    /// `BREVO_API_KEY`.
    pub brevo_api_key: Option<SecretString>,
    /// `BREVO_API_URL`, default https://api.brevo.com.
    pub brevo_api_url: String,
    /// `BREVO_TIMEOUT_MS`, default 10000.
    pub brevo_timeout: Duration,
    /// `BREVO_TEMPLATE_<NAME>`: Brevo template id per outbox template.
    pub templates: Vec<(String, i64)>,
    /// `BREVO_LIST_FREEMIUM`, `BREVO_LIST_PREMIUM`, `BREVO_LIST_TRIAL` (trial members go to
    /// the premium list when unset): the contact list of each entitlement.
    pub lists: Vec<(String, i64)>,
    /// `AURORA_EMAIL_BATCH` (20), `AURORA_EMAIL_CONCURRENCY` (8),
    /// `AURORA_EMAIL_LEASE_SECONDS` (60), `AURORA_EMAIL_POLL_MS` (2000),
    /// `AURORA_EMAIL_RETRY_BASE_MS` (1000), `AURORA_EMAIL_RETRY_MAX_MS` (3600000),
    /// `AURORA_EMAIL_RETRY_HORIZON_SECONDS` (259200: three days, as Stripe retries): how
    /// long a transient failure (429, 5xx, timeout, unreachable) is retried before the row
    /// is failed.
    pub batch: i32,
    pub concurrency: usize,
    pub lease_seconds: i32,
    pub poll: Duration,
    pub retry_base: Duration,
    pub retry_max: Duration,
    pub retry_horizon: Duration,
}

/// The outbox templates (the seed's six, and payment-failed) and their variables.
pub const EMAIL_TEMPLATES: [(&str, &str); 7] = [
    ("welcome", "BREVO_TEMPLATE_WELCOME"),
    ("email-verification", "BREVO_TEMPLATE_EMAIL_VERIFICATION"),
    ("password-reset", "BREVO_TEMPLATE_PASSWORD_RESET"),
    ("payment-success", "BREVO_TEMPLATE_PAYMENT_SUCCESS"),
    ("payment-failed", "BREVO_TEMPLATE_PAYMENT_FAILED"),
    ("subscription-reminder", "BREVO_TEMPLATE_SUBSCRIPTION_REMINDER"),
    ("course-completion", "BREVO_TEMPLATE_COURSE_COMPLETION"),
];

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the configuration from any variable source (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let non_empty = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let database_url = non_empty("DATABASE_URL").ok_or(ConfigError::Missing("DATABASE_URL"))?;
        let database = crate::tls::DbTarget::parse(&database_url, non_empty("PGSSLMODE"), non_empty("PGSSLROOTCERT"))
            .map_err(|reason| ConfigError::Invalid { name: "DATABASE_URL", reason })?;
        let bind_addr = non_empty("AURORA_EDGE_ADDR")
            .unwrap_or_else(|| "127.0.0.1:8787".into())
            .parse()
            .map_err(|e: std::net::AddrParseError| ConfigError::Invalid {
                name: "AURORA_EDGE_ADDR",
                reason: e.to_string(),
            })?;
        let number = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            non_empty(name).map_or(Ok(default), |v| {
                v.parse()
                    .map_err(|_| ConfigError::Invalid { name, reason: format!("not a number: {v:?}") })
            })
        };
        let db_pool_size = number("AURORA_DB_POOL_SIZE", 16)? as usize;
        if db_pool_size == 0 {
            return Err(ConfigError::Invalid { name: "AURORA_DB_POOL_SIZE", reason: "must be at least 1".into() });
        }
        let supabase_url = non_empty("NEXT_PUBLIC_SUPABASE_URL")
            .ok_or(ConfigError::Missing("NEXT_PUBLIC_SUPABASE_URL"))?
            .trim_end_matches('/')
            .to_string();
        if !(supabase_url.starts_with("https://") || supabase_url.starts_with("http://")) {
            return Err(ConfigError::Invalid { name: "NEXT_PUBLIC_SUPABASE_URL", reason: "not an http(s) URL".into() });
        }
        let supabase_anon_key =
            non_empty("NEXT_PUBLIC_SUPABASE_ANON_KEY").ok_or(ConfigError::Missing("NEXT_PUBLIC_SUPABASE_ANON_KEY"))?;
        let supabase_jwt_secret = non_empty("SUPABASE_JWT_SECRET");
        let supabase_jwks_url = non_empty("SUPABASE_JWKS_URL")
            .unwrap_or_else(|| format!("{supabase_url}/auth/v1/.well-known/jwks.json"));
        let stripe_webhook_secret =
            non_empty("STRIPE_WEBHOOK_SECRET").ok_or(ConfigError::Missing("STRIPE_WEBHOOK_SECRET"))?;
        let mut templates = Vec::new();
        for (template, var) in EMAIL_TEMPLATES {
            if let Some(v) = non_empty(var) {
                let id = v.trim().parse::<i64>().map_err(|_| ConfigError::Invalid {
                    name: var,
                    reason: format!("not a Brevo template id: {v:?}"),
                })?;
                templates.push((template.to_string(), id));
            }
        }
        let mut lists = Vec::new();
        for (entitlement, var) in [("freemium", "BREVO_LIST_FREEMIUM"), ("premium", "BREVO_LIST_PREMIUM"), ("trial", "BREVO_LIST_TRIAL")] {
            if let Some(v) = non_empty(var) {
                let id = v.trim().parse::<i64>().map_err(|_| ConfigError::Invalid { name: var, reason: format!("not a Brevo list id: {v:?}") })?;
                lists.push((entitlement.to_string(), id));
            }
        }
        let email = EmailConfig {
            lists,
            worker: !matches!(non_empty("AURORA_EMAIL_WORKER").as_deref(), Some("false" | "0" | "off")),
            brevo_api_key: non_empty("BREVO_API_KEY").map(Into::into),
            brevo_api_url: non_empty("BREVO_API_URL")
                .unwrap_or_else(|| "https://api.brevo.com".into())
                .trim_end_matches('/')
                .to_string(),
            brevo_timeout: Duration::from_millis(number("BREVO_TIMEOUT_MS", 10_000)?),
            templates,
            batch: number("AURORA_EMAIL_BATCH", 20)?.clamp(1, 1000) as i32,
            concurrency: number("AURORA_EMAIL_CONCURRENCY", 8)?.clamp(1, 256) as usize,
            lease_seconds: number("AURORA_EMAIL_LEASE_SECONDS", 60)?.clamp(1, 3600) as i32,
            poll: Duration::from_millis(number("AURORA_EMAIL_POLL_MS", 2000)?.max(10)),
            retry_base: Duration::from_millis(number("AURORA_EMAIL_RETRY_BASE_MS", 1000)?),
            retry_max: Duration::from_millis(number("AURORA_EMAIL_RETRY_MAX_MS", 3_600_000)?),
            retry_horizon: Duration::from_secs(number("AURORA_EMAIL_RETRY_HORIZON_SECONDS", 259_200)?.clamp(1, 30 * 86_400)),
        };
        // a row's lease must outlive the longest act on it (a contact sync is two requests),
        // or another worker could take the row while it is being sent
        if u128::from(email.lease_seconds.unsigned_abs()) * 1000 <= 2 * email.brevo_timeout.as_millis() {
            return Err(ConfigError::Invalid {
                name: "AURORA_EMAIL_LEASE_SECONDS",
                reason: format!("{} s must exceed twice BREVO_TIMEOUT_MS ({:?})", email.lease_seconds, email.brevo_timeout),
            });
        }
        let flag = |name: &str| matches!(non_empty(name).as_deref(), Some("true" | "1" | "on"));
        Ok(Config {
            auth_rate_per_minute: number("AURORA_AUTH_RATE_PER_MINUTE", 30)?.clamp(1, 1_000_000),
            auth_rate_burst: number("AURORA_AUTH_RATE_BURST", 10)?.clamp(1, 1_000_000) as u32,
            trusted_proxies: match non_empty("AURORA_TRUSTED_PROXIES") {
                Some(list) => crate::limits::TrustedProxies::List(
                    list.split(',')
                        .map(|s| s.trim())
                        .filter(|s| !s.is_empty())
                        .map(|s| {
                            s.parse::<ipnet::IpNet>()
                                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                                .map_err(|_| ConfigError::Invalid { name: "AURORA_TRUSTED_PROXIES", reason: format!("{s} is not an address or CIDR") })
                        })
                        .collect::<Result<_, _>>()?,
                ),
                None if flag("AURORA_TRUST_PROXY") => crate::limits::TrustedProxies::OneHop,
                None => crate::limits::TrustedProxies::None,
            },
            request_timeout: Duration::from_millis(number("AURORA_REQUEST_TIMEOUT_MS", 15_000)?.max(100)),
            body_limit: number("AURORA_BODY_LIMIT_BYTES", 1 << 20)?.clamp(1024, 64 << 20) as usize,
            header_timeout: Duration::from_millis(number("AURORA_HEADER_TIMEOUT_MS", 10_000)?.clamp(100, 300_000)),
            max_connections: match non_empty("AURORA_MAX_CONNECTIONS") {
                None => None,
                Some(_) => Some(number("AURORA_MAX_CONNECTIONS", 0)?.clamp(1, 1_000_000) as usize),
            },
            max_connections_per_ip: number("AURORA_MAX_CONNECTIONS_PER_IP", 64)?.clamp(1, 1_000_000) as usize,
            stripe_secret_key: non_empty("STRIPE_SECRET_KEY").map(Into::into),
            stripe_api_url: non_empty("STRIPE_API_URL")
                .unwrap_or_else(|| "https://api.stripe.com".into())
                .trim_end_matches('/')
                .to_string(),
            third_party_timeout: Duration::from_millis(number("AURORA_THIRD_PARTY_TIMEOUT_MS", 10_000)?.clamp(100, 120_000)),
            email,
            supabase_url,
            supabase_anon_key: supabase_anon_key.into(),
            supabase_service_role_key: non_empty("SUPABASE_SERVICE_ROLE_KEY").map(Into::into),
            supabase_jwt_secret: supabase_jwt_secret.map(Into::into),
            supabase_jwks_url,
            database_url: database_url.into(),
            database,
            stripe_webhook_secret: stripe_webhook_secret.into(),
            bind_addr,
            db_pool_size,
            ready_timeout: Duration::from_millis(number("AURORA_READY_TIMEOUT_MS", 2000)?),
            site_url: non_empty("NEXT_PUBLIC_SITE_URL"),
            dev_mode: matches!(non_empty("NEXT_PUBLIC_DEV_MODE").as_deref(), Some("true" | "1")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    const SECRET: (&str, &str) = ("STRIPE_WEBHOOK_SECRET", "whsec_test");
    const BASE: [(&str, &str); 3] = [
        ("NEXT_PUBLIC_SUPABASE_URL", "https://abcd.supabase.co"),
        ("NEXT_PUBLIC_SUPABASE_ANON_KEY", "anon"),
        ("SUPABASE_JWT_SECRET", "jwt-secret"),
    ];

    fn with_base(pairs: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        BASE.iter().copied().chain(pairs.iter().copied()).collect()
    }

    #[test]
    fn a_lease_shorter_than_twice_the_brevo_timeout_is_refused() {
        const DB: (&str, &str) = ("DATABASE_URL", "postgres://x@h/db");
        let err = from(&with_base(&[DB, SECRET, ("AURORA_EMAIL_LEASE_SECONDS", "2"), ("BREVO_TIMEOUT_MS", "1000")])).unwrap_err();
        assert!(err.to_string().starts_with("AURORA_EMAIL_LEASE_SECONDS is invalid"), "{err}");
        let ok = from(&with_base(&[DB, SECRET, ("AURORA_EMAIL_LEASE_SECONDS", "3"), ("BREVO_TIMEOUT_MS", "1000")])).unwrap();
        assert_eq!(ok.email.lease_seconds, 3);
        let defaults = from(&with_base(&[DB, SECRET])).unwrap();
        assert_eq!((defaults.email.lease_seconds, defaults.email.retry_horizon.as_secs()), (60, 259_200));
        assert_eq!((defaults.header_timeout.as_millis(), defaults.max_connections, defaults.max_connections_per_ip), (10_000, None, 64));
    }

    #[test]
    fn required_secrets_are_named() {
        let err = from(&with_base(&[SECRET])).unwrap_err();
        assert_eq!(err.to_string(), "DATABASE_URL is required but not set");
        let err = from(&with_base(&[("DATABASE_URL", "  "), SECRET])).unwrap_err();
        assert!(matches!(err, ConfigError::Missing("DATABASE_URL")));
        let err = from(&with_base(&[("DATABASE_URL", "postgres://x@h/db")])).unwrap_err();
        assert_eq!(err.to_string(), "STRIPE_WEBHOOK_SECRET is required but not set");
        let err = from(&[("DATABASE_URL", "postgres://x@h/db"), SECRET]).unwrap_err();
        assert_eq!(err.to_string(), "NEXT_PUBLIC_SUPABASE_URL is required but not set");
        let c = from(&[("DATABASE_URL", "postgres://x@h/db"), SECRET, BASE[0], BASE[1]]).unwrap();
        assert!(c.supabase_jwt_secret.is_none(), "without the legacy secret, tokens are checked against JWKS");
        assert_eq!(c.supabase_jwks_url, "https://abcd.supabase.co/auth/v1/.well-known/jwks.json");
        let err = from(&with_base(&[("DATABASE_URL", "postgres://x@h/db"), SECRET, ("BREVO_TEMPLATE_WELCOME", "abc")])).unwrap_err();
        assert!(err.to_string().starts_with("BREVO_TEMPLATE_WELCOME is invalid"), "{err}");
    }

    #[test]
    fn invalid_values_name_their_variable() {
        let err = from(&with_base(&[("DATABASE_URL", "postgres://x@h/db"), SECRET, ("AURORA_EDGE_ADDR", "nope")])).unwrap_err();
        assert!(err.to_string().starts_with("AURORA_EDGE_ADDR is invalid"), "{err}");
        let err = from(&with_base(&[("DATABASE_URL", "postgres://x@h/db"), SECRET, ("AURORA_DB_POOL_SIZE", "0")])).unwrap_err();
        assert!(err.to_string().starts_with("AURORA_DB_POOL_SIZE is invalid"), "{err}");
        let err = from(&with_base(&[("DATABASE_URL", "postgres://x@h:notaport/db"), SECRET])).unwrap_err();
        assert!(err.to_string().starts_with("DATABASE_URL is invalid"), "{err}");
    }

    #[test]
    fn defaults_and_secret_redaction() {
        let c = from(&with_base(&[("DATABASE_URL", "postgres://edge:s3cret@127.0.0.1/aurora"), ("STRIPE_WEBHOOK_SECRET", "whsec_hush")])).unwrap();
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1:8787");
        assert_eq!(c.db_pool_size, 16);
        assert!(!c.dev_mode);
        assert!(!format!("{c:?}").contains("s3cret"));
        assert!(!format!("{c:?}").contains("whsec_hush"));
        assert!(c.database_url.expose_secret().contains("s3cret"));
    }
}
