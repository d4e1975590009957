//! The edge against a real database: started on port 0 exactly as in production.
use aurora_edge::config::Config;
use aurora_edge::App;
use std::collections::HashMap;

/// Admin URL of the test cluster, set by scripts/test.sh.
fn database_url() -> String {
    std::env::var("AURORA_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5433/postgres".into())
}

struct TestApp {
    base: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl TestApp {
    async fn stop(mut self) {
        let _ = self.shutdown.take().map(|tx| tx.send(()));
        self.handle.await.unwrap().unwrap();
    }
}

async fn spawn_app(database_url: &str) -> TestApp {
    let vars: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", database_url.to_string()),
        ("AURORA_EDGE_ADDR", "127.0.0.1:0".to_string()),
        ("AURORA_READY_TIMEOUT_MS", "1500".to_string()),
        ("STRIPE_WEBHOOK_SECRET", "whsec_test".to_string()),
        ("NEXT_PUBLIC_SUPABASE_URL", "http://127.0.0.1:9".to_string()),
        ("NEXT_PUBLIC_SUPABASE_ANON_KEY", "anon".to_string()),
        ("SUPABASE_JWT_SECRET", "jwt-secret".to_string()),
        ("AURORA_EMAIL_WORKER", "false".to_string()),
    ]);
    let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("valid test config");
    let app = App::build(config).await.expect("edge starts");
    let base = format!("http://{}", app.local_addr());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(app.serve(async {
        let _ = rx.await;
    }));
    TestApp { base, shutdown: Some(tx), handle }
}

#[tokio::test]
async fn health_and_ready_with_a_database() {
    let app = spawn_app(&database_url()).await;
    let client = reqwest::Client::new();

    let r = client.get(format!("{}/health", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-request-id"));
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ok");

    let r = client.get(format!("{}/ready", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["database"], "ok");

    // a caller's request id is kept
    let r = client
        .get(format!("{}/health", app.base))
        .header("x-request-id", "req-42")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "req-42");

    let r = client.get(format!("{}/nope", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn ready_fails_when_the_database_is_unreachable() {
    // a port nothing listens on: bind one, note it, release it
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = spawn_app(&format!("postgres://postgres@127.0.0.1:{port}/postgres")).await;
    let client = reqwest::Client::new();

    let r = client.get(format!("{}/health", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 200, "liveness does not depend on the database");

    let r = client.get(format!("{}/ready", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "service unavailable");
    assert!(!body.to_string().contains(&port.to_string()), "no internals in the answer");
    app.stop().await;
}

#[tokio::test]
async fn ready_fails_on_wrong_credentials_database() {
    let app = spawn_app(&format!("{}_does_not_exist", database_url())).await;
    let r = reqwest::get(format!("{}/ready", app.base)).await.unwrap();
    assert_eq!(r.status(), 503);
    app.stop().await;
}
