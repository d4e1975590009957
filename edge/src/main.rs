//! aurora-edge: wires telemetry, configuration and the app, then serves until SIGTERM.
use aurora_edge::{config::Config, telemetry, App};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    telemetry::init();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            tracing::error!(error = %e, "invalid configuration");
            eprintln!("aurora-edge: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let app = match App::build(config).await {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            return std::process::ExitCode::FAILURE;
        }
    };
    tracing::info!(addr = %app.local_addr(), "aurora-edge listening");
    if let Err(e) = app.serve(telemetry::shutdown_signal()).await {
        tracing::error!(error = %e, "server error");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
