//! JSON logs with a request id on every line of a request, and the shutdown signal.
use axum::http::{HeaderName, Request};
use axum::Router;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tracing_subscriber::{fmt, EnvFilter};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Logs as JSON to stdout; level from `RUST_LOG` (default `info`).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = fmt().json().with_env_filter(filter).with_current_span(true).try_init();
}

/// Request id (kept from the caller or made up), propagated to the response, and a span
/// per request carrying it.
pub fn instrument(router: Router) -> Router {
    fn span(request: &Request<axum::body::Body>) -> tracing::Span {
        let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
        tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
    }
    // layers wrap outside-in: the id is set before the span reads it
    router
        .layer(axum::middleware::from_fn(record_request))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(span as fn(&Request<axum::body::Body>) -> tracing::Span))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// Prometheus metrics, recorded process-wide (several apps in one test process share it).
fn prometheus() -> &'static metrics_exporter_prometheus::PrometheusHandle {
    static HANDLE: std::sync::OnceLock<metrics_exporter_prometheus::PrometheusHandle> = std::sync::OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

// Every label value comes from a closed set: a value from outside (a query string, a
// header, another service's answer) would make one series per value and grow /metrics
// without bound. Anything not listed counts as `other`.

/// Webhook outcomes: the ledger's statuses (aurora_private.apply_stripe_event) and the
/// edge's own refusals.
const WEBHOOK_OUTCOMES: &[&str] =
    &["applied", "duplicate", "stale", "pending", "ignored", "received", "rejected", "unknown_status", "forged", "malformed"];
/// Auth callback outcomes: the two successes, the edge's own failures, and the GoTrue
/// error codes a callback or confirmation link meets.
const AUTH_OUTCOMES: &[&str] = &[
    "signed_in", "confirmed", "missing_code", "missing_code_verifier", "missing_token", "invalid_type",
    "auth_unavailable", "otp_expired", "otp_disabled", "access_denied", "bad_code_verifier",
    "flow_state_not_found", "flow_state_expired", "validation_failed", "email_not_confirmed",
    "user_not_found", "user_banned", "over_request_rate_limit", "over_email_send_rate_limit",
    "bad_jwt", "session_not_found", "unexpected_failure", "server_error",
];
const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// `value` when it is one of `known`, else `other`.
fn closed(value: &str, known: &[&'static str]) -> &'static str {
    known.iter().find(|k| **k == value).copied().unwrap_or("other")
}

/// Counts a Stripe webhook outcome (applied, duplicate, stale, pending, ignored, forged…).
pub fn count_webhook(outcome: &str) {
    prometheus();
    metrics::counter!("aurora_stripe_webhooks_total", "outcome" => closed(outcome, WEBHOOK_OUTCOMES)).increment(1);
}

/// Counts a connection refused because the edge holds `max_connections` already.
pub fn count_refused_connection() {
    prometheus();
    metrics::counter!("aurora_connections_refused_total").increment(1);
}

/// Counts an auth callback outcome (signed_in, confirmed, or GoTrue's error code).
pub fn count_auth(outcome: &str) {
    prometheus();
    metrics::counter!("aurora_auth_callbacks_total", "outcome" => closed(outcome, AUTH_OUTCOMES)).increment(1);
}

/// `GET /metrics` in Prometheus' text format.
pub fn metrics_router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route(
        "/metrics",
        axum::routing::get(|| async { prometheus().render() }),
    )
}

/// Requests and latencies by route and status (the matched route, not the raw path, so
/// ids in paths do not explode the series).
async fn record_request(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    prometheus();
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = closed(request.method().as_str(), METHODS);
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let labels = [("method", method.to_string()), ("route", route), ("status", response.status().as_u16().to_string())];
    metrics::counter!("aurora_http_requests_total", &labels).increment(1);
    metrics::histogram!("aurora_http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    response
}
