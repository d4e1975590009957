//! The edge service as a library, so that tests start the real thing on port 0.
pub mod auth;
pub mod config;
pub mod db;
pub mod email;
pub mod erasure;
pub mod limits;
pub mod error;
pub mod routes;
pub mod serve;
pub mod storage;
pub mod stripe;
pub mod telemetry;
pub mod tls;
pub mod third_party;

use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// Shared, cheap-to-clone state handed to handlers. The edge is stateless: everything
/// durable lives in Postgres, so any number of copies can run side by side.
#[derive(Clone)]
pub struct AppState {
    pub db: db::Db,
    pub config: std::sync::Arc<config::Config>,
    pub gotrue: auth::gotrue::GoTrue,
    pub jwks: auth::Jwks,
    /// Supabase Storage and Brevo, for a member's export.
    pub storage: storage::Storage,
    pub brevo: Option<email::brevo::Brevo>,
}

pub struct App {
    listener: TcpListener,
    router: Router,
    worker: Option<email::Worker>,
    erasure: Option<erasure::Worker>,
    limits: serve::Limits,
}

impl App {
    /// Binds the listener and builds the router; nothing is served until `serve`.
    pub async fn build(config: config::Config) -> Result<App, std::io::Error> {
        let fd_limit = serve::raise_fd_limit();
        let max_connections = config.max_connections.unwrap_or_else(|| serve::default_max_connections(fd_limit));
        tracing::info!(?fd_limit, max_connections, header_timeout_ms = config.header_timeout.as_millis() as u64, "connection limits");
        let limits = serve::Limits {
            header_timeout: config.header_timeout,
            max_connections,
            per_ip: config.max_connections_per_ip,
            proxies: config.trusted_proxies.clone(),
        };
        let db = db::Db::new(&config).map_err(std::io::Error::other)?;
        let listener = TcpListener::bind(config.bind_addr).await?;
        let worker = if config.email.worker {
            Some(
                email::Worker::new(db.clone(), config.email.clone(), config.database.clone())
                    .map_err(std::io::Error::other)?,
            )
        } else {
            None
        };
        let gotrue = auth::gotrue::GoTrue::new(
            &config.supabase_url,
            config.supabase_anon_key.clone(),
            config.supabase_service_role_key.clone(),
        )
        .map_err(std::io::Error::other)?;
        let jwks = auth::Jwks::new(config.supabase_jwks_url.clone());
        let storage = storage::Storage::new(&config.supabase_url, config.supabase_service_role_key.clone(), config.third_party_timeout)
            .map_err(std::io::Error::other)?;
        let brevo = match &config.email.brevo_api_key {
            Some(key) => Some(
                email::brevo::Brevo::new(&config.email.brevo_api_url, key.clone(), config.third_party_timeout)
                    .map_err(std::io::Error::other)?,
            ),
            None => None,
        };
        let config = std::sync::Arc::new(config);
        // the erasure worker runs where the email worker does (AURORA_EMAIL_WORKER)
        let erasure = if config.email.worker {
            Some(
                erasure::Worker::new(db.clone(), gotrue.clone(), storage.clone(), brevo.clone(), config.clone())
                    .map_err(std::io::Error::other)?,
            )
        } else {
            None
        };
        let state = AppState { db, config, gotrue, jwks, storage, brevo };
        Ok(App { listener, router: router(state), worker, erasure, limits })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests and the email batch
    /// in flight finish.
    pub async fn serve(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let erasure = self.erasure.map(|w| tokio::spawn(w.run(stop_rx.clone())));
        let worker = self.worker.map(|w| tokio::spawn(w.run(stop_rx)));
        let result = serve::serve(self.listener, self.router, self.limits, async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        })
        .await;
        if let Some(worker) = worker {
            let _ = worker.await;
        }
        if let Some(erasure) = erasure {
            let _ = erasure.await;
        }
        result
    }
}

pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let auth = limits::rate_limited(routes::auth::router().merge(routes::member::router()).merge(routes::account::router()), &config);
    let mut app = Router::new()
        .merge(routes::health::router())
        .merge(routes::stripe::router())
        .merge(auth)
        .merge(routes::debug::router(config.dev_mode))
        .merge(telemetry::metrics_router())
        .with_state(state)
        .layer(axum::extract::DefaultBodyLimit::max(config.body_limit))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            config.request_timeout,
        ));
    if let Some(cors) = limits::cors(&config) {
        app = app.layer(cors);
    }
    telemetry::instrument(app)
}
