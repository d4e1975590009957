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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn behind_trusted_proxies_the_client_is_the_right_most_untrusted_address() {
    let db = TestDb::new().await;
    // the test client connects from 127.0.0.1: here that address is the trusted proxy
    for proxies in [("AURORA_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8"), ("AURORA_TRUST_PROXY", "true")] {
        let edge = Edge::spawn(&db, &[("AURORA_AUTH_RATE_BURST", "3"), ("AURORA_AUTH_RATE_PER_MINUTE", "1"),
                                      ("AURORA_EMAIL_WORKER", "false"), proxies]).await;
        let mut statuses = Vec::new();
        // one client (198.51.100.7, appended by the proxy) writing a new first hop each time
        for i in 0..20 {
            let xff = format!("203.0.113.{i}, 198.51.100.7");
            let r = client().get(format!("{}/api/auth/callback", edge.base)).header("x-forwarded-for", xff).send().await.unwrap();
            statuses.push(r.status().as_u16());
        }
        assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 3, "{proxies:?}: spoofed first hops buy no bucket: {statuses:?}");
        assert!(statuses[3..].iter().all(|s| *s == 429), "{proxies:?}: {statuses:?}");
        // another client behind the same proxy has her own bucket
        let r = client().get(format!("{}/api/auth/callback", edge.base)).header("x-forwarded-for", "198.51.100.8").send().await.unwrap();
        assert_eq!(r.status(), 303, "{proxies:?}");
        edge.stop().await;
    }
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metric_labels_come_from_closed_sets() {
    let db = TestDb::new().await;
    let edge = Edge::spawn(&db, &[("AURORA_AUTH_RATE_BURST", "1000000"), ("AURORA_AUTH_RATE_PER_MINUTE", "1000000"),
                                  ("AURORA_EMAIL_WORKER", "false")]).await;
    for i in 0..300 {
        let r = client().get(format!("{}/api/auth/callback?error=attaque_{i}", edge.base)).send().await.unwrap();
        assert_eq!(r.status(), 303);
    }
    let method = reqwest::Method::from_bytes(b"FROBNICATE").unwrap();
    client().request(method, format!("{}/health", edge.base)).send().await.unwrap();
    let metrics = client().get(format!("{}/metrics", edge.base)).send().await.unwrap().text().await.unwrap();
    let auth_series = metrics.lines().filter(|l| l.starts_with("aurora_auth_callbacks_total{")).count();
    assert!(auth_series <= 24, "{auth_series} auth callback series:\n{metrics}");
    assert!(metrics.contains("aurora_auth_callbacks_total{outcome=\"other\"}"), "{metrics}");
    assert!(!metrics.contains("attaque_"), "a query-string value became a label");
    assert!(!metrics.contains("FROBNICATE"), "a request method became a label");
    assert!(metrics.len() < 64 * 1024, "/metrics is {} bytes", metrics.len());
    edge.stop().await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_read_only_database_is_not_ready_and_writes_are_503_not_500() {
    // what a hot standby, or a primary a failover is demoting, looks like to the edge
    let db = TestDb::new().await;
    let admin = db.admin().await;
    admin.batch_execute(&format!("alter database {} set default_transaction_read_only = on", db.name)).await.unwrap();
    let edge = Edge::spawn(&db, &[]).await;
    let http = reqwest::Client::new();
    let r = http.get(format!("{}/ready", edge.base)).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["database"], "read_only");
    let body = serde_json::json!({ "id": "evt_ro_1", "object": "event", "type": "customer.created", "created": 1767225600,
                                   "livemode": false, "data": { "object": { "id": "cus_ro", "object": "customer" } } })
        .to_string();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let r = http
        .post(format!("{}/api/webhooks/stripe", edge.base))
        .header("stripe-signature", aurora_edge::stripe::sign(body.as_bytes(), "whsec_aurora_it", now))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503, "a write refused as read-only is 503 (Stripe delivers it again), not a 500");
    admin.batch_execute(&format!("alter database {} reset default_transaction_read_only", db.name)).await.unwrap();
    edge.stop().await;
    // a fresh edge (new connections) on the writable database is ready again
    let edge = Edge::spawn(&db, &[]).await;
    assert_eq!(http.get(format!("{}/ready", edge.base)).send().await.unwrap().status(), 200);
    edge.stop().await;
    db.drop().await;
}
