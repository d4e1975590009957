//! The edge around its routes: per-IP rate limits on auth routes, CORS for the site,
//! body limits, development-only debug routes that reveal no secret, metrics.
use aurora_it::{Edge, TestDb};

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn auth_routes_are_rate_limited_per_ip() {
    let db = TestDb::new().await;
    let edge = Edge::spawn(&db, &[("AURORA_AUTH_RATE_BURST", "3"), ("AURORA_AUTH_RATE_PER_MINUTE", "1"),
                                  ("AURORA_EMAIL_WORKER", "false")]).await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(client().get(format!("{}/api/auth/callback", edge.base)).send().await.unwrap().status().as_u16());
    }
    assert_eq!(statuses, [303, 303, 303, 429, 429], "three, then too many");
    // spoofing X-Forwarded-For does not buy a new bucket unless the edge trusts a proxy
    let r = client().get(format!("{}/api/auth/callback", edge.base)).header("x-forwarded-for", "203.0.113.9").send().await.unwrap();
    assert_eq!(r.status(), 429);
    // other routes are not limited
    assert_eq!(client().get(format!("{}/health", edge.base)).send().await.unwrap().status(), 200);
    edge.stop().await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cors_allows_the_site_only_and_bodies_are_capped() {
    let db = TestDb::new().await;
    let edge = Edge::spawn(&db, &[("NEXT_PUBLIC_SITE_URL", "https://aurora50.fr"), ("AURORA_BODY_LIMIT_BYTES", "4096"),
                                  ("AURORA_EMAIL_WORKER", "false")]).await;
    let preflight = |origin: &'static str| {
        let url = format!("{}/api/courses/start", edge.base);
        async move {
            client().request(reqwest::Method::OPTIONS, url)
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "authorization,content-type")
                .send().await.unwrap()
        }
    };
    let ok = preflight("https://aurora50.fr").await;
    assert_eq!(ok.headers().get("access-control-allow-origin").unwrap(), "https://aurora50.fr");
    assert_eq!(ok.headers().get("access-control-allow-credentials").unwrap(), "true");
    let evil = preflight("https://evil.example").await;
    assert!(evil.headers().get("access-control-allow-origin").is_none(), "another origin gets no CORS grant");
    let big = "x".repeat(600 * 1024);
    let r = client().post(format!("{}/api/webhooks/stripe", edge.base)).header("stripe-signature", "t=1,v1=00").body(big).send().await.unwrap();
    assert_eq!(r.status(), 413, "oversized bodies are refused before anything else");
    edge.stop().await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn debug_routes_exist_in_development_only_and_reveal_no_secret() {
    let db = TestDb::new().await;
    let prod = Edge::spawn(&db, &[("AURORA_EMAIL_WORKER", "false")]).await;
    for (m, p) in [("GET", "/api/test-config"), ("GET", "/api/test-brevo"), ("POST", "/api/test-webhook")] {
        let r = client().request(m.parse().unwrap(), format!("{}{p}", prod.base)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{p} is absent in production");
    }
    prod.stop().await;
    std::env::set_var("STRIPE_WEBHOOK_SECRET", "whsec_must_not_leak");
    let dev = Edge::spawn(&db, &[("NEXT_PUBLIC_DEV_MODE", "true"), ("AURORA_EMAIL_WORKER", "false")]).await;
    let config = client().get(format!("{}/api/test-config", dev.base)).send().await.unwrap().text().await.unwrap();
    assert!(config.contains(r#""STRIPE_WEBHOOK_SECRET":"set""#), "{config}");
    assert!(config.contains(r#""BREVO_API_KEY":"missing""#), "{config}");
    assert!(!config.contains("whsec_must_not_leak") && !config.contains("postgres://"), "no value is revealed");
    let brevo: serde_json::Value = client().get(format!("{}/api/test-brevo", dev.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(brevo["mode"], "capture");
    let body = r#"{"id":"evt_1","object":"event","type":"invoice.paid"}"#;
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let header = aurora_edge::stripe::sign(body.as_bytes(), "whsec_aurora_it", t);
    let check: serde_json::Value = client().post(format!("{}/api/test-webhook", dev.base)).header("stripe-signature", header)
        .body(body).send().await.unwrap().json().await.unwrap();
    assert_eq!((check["signature"].as_str(), check["applied"].as_bool()), (Some("valid"), Some(false)));
    let admin = db.admin().await;
    let n: i64 = admin.query_one("select count(*) from stripe_events", &[]).await.unwrap().get(0);
    assert_eq!(n, 0, "test-webhook writes nothing");
    let metrics = client().get(format!("{}/metrics", dev.base)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("aurora_http_requests_total") && metrics.contains("aurora_http_request_duration_seconds"), "{metrics}");
    dev.stop().await;
    drop(admin);
    db.drop().await;
}
