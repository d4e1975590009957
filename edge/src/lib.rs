//! The edge service as a library, so that tests start the real thing on port 0.
pub mod config;
pub mod db;
pub mod error;
pub mod routes;
pub mod stripe;
pub mod telemetry;

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
}

pub struct App {
    listener: TcpListener,
    router: Router,
}

impl App {
    /// Binds the listener and builds the router; nothing is served until `serve`.
    pub async fn build(config: config::Config) -> Result<App, std::io::Error> {
        let db = db::Db::new(&config).map_err(std::io::Error::other)?;
        let listener = TcpListener::bind(config.bind_addr).await?;
        let state = AppState { db, config: std::sync::Arc::new(config) };
        Ok(App { listener, router: router(state) })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish.
    pub async fn serve(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        axum::serve(self.listener, self.router).with_graceful_shutdown(shutdown).await
    }
}

pub fn router(state: AppState) -> Router {
    telemetry::instrument(
        Router::new()
            .merge(routes::health::router())
            .merge(routes::stripe::router())
            .merge(telemetry::metrics_router())
            .with_state(state),
    )
}
