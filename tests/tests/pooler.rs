//! The edge through a transaction-mode pooler (pgbouncer from Debian's packages, as
//! Supabase's pooler is used by serverless clients): consecutive statements of one client
//! connection may run on different servers, so nothing may rely on session state — no
//! named prepared statements, per-request role and claims set inside the transaction.
//! Few server connections (4) for many clients, so the pooler really switches them.
use aurora_edge::stripe::sign;
use aurora_it::{admin_url, create_user, eventually, Edge, TestDb, JWT_SECRET};
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};
use std::process::{Child, Command};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

struct Pgbouncer {
    child: Child,
    port: u16,
}

impl Drop for Pgbouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// pgbouncer in transaction mode in front of the test cluster, run as `postgres` (it
/// refuses root), on a free loopback port.
fn pgbouncer() -> Pgbouncer {
    let upstream: tokio_postgres::Config = admin_url().parse().unwrap();
    let upstream_port = upstream.get_ports().first().copied().unwrap_or(5432);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = std::env::temp_dir().join(format!("aurora-pgbouncer-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("users.txt"), "\"postgres\" \"\"\n\"aurora_edge_it\" \"\"\n").unwrap();
    std::fs::write(
        dir.join("pgbouncer.ini"),
        format!(
            "[databases]\n* = host=127.0.0.1 port={upstream_port}\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n\
             auth_type = trust\nauth_file = {users}\npool_mode = transaction\ndefault_pool_size = 4\nmax_client_conn = 500\n\
             unix_socket_dir =\nlogfile = {log}\nignore_startup_parameters = extra_float_digits\n",
            users = dir.join("users.txt").display(),
            log = dir.join("pgbouncer.log").display(),
        ),
    )
    .unwrap();
    Command::new("chown").args(["-R", "postgres:postgres"]).arg(&dir).status().unwrap();
    let child = Command::new("runuser")
        .args(["-u", "postgres", "--", "pgbouncer"])
        .arg(dir.join("pgbouncer.ini"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("pgbouncer starts (Debian's package: scripts/lib.sh installs it)");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Pgbouncer { child, port };
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("pgbouncer did not listen on {port}");
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_edge_works_through_a_transaction_mode_pooler_under_concurrency() {
    let bouncer = pgbouncer();
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let brevo = MockServer::start().await;
    Mock::given(method("POST")).and(path("/v3/smtp/email"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "messageId": "<m@brevo>" })))
        .mount(&brevo).await;
    // the edge's DATABASE_URL goes through the pooler; everything else as in production
    let pooled = db.url.replacen("postgres://postgres@", "postgres://aurora_edge_it@", 1)
        .replacen(&format!(":{}/", admin_url().parse::<tokio_postgres::Config>().unwrap().get_ports()[0]),
                  &format!(":{}/", bouncer.port), 1);
    let edge = Edge::spawn(&db, &[("DATABASE_URL", pooled.as_str()), ("AURORA_DB_POOL_SIZE", "32"),
                                  ("BREVO_API_KEY", "k"), ("BREVO_API_URL", &brevo.uri()),
                                  ("BREVO_TEMPLATE_PAYMENT_FAILED", "15"), ("AURORA_EMAIL_POLL_MS", "50")]).await;
    let http = reqwest::Client::new();
    assert_eq!(http.get(format!("{}/ready", edge.base)).send().await.unwrap().status(), 200);

    // 800 signed webhooks from 16 clients at once (the issue measured 542 × 500 here)
    let mut tasks = Vec::new();
    for c in 0..16 {
        let (http, base) = (http.clone(), edge.base.clone());
        tasks.push(tokio::spawn(async move {
            let mut bad = Vec::new();
            for i in 0..50 {
                let body = json!({ "id": format!("evt_pool_{c}_{i}"), "object": "event", "type": "customer.subscription.updated",
                                   "created": now() - 100 + i, "livemode": false,
                                   "data": { "object": { "id": format!("sub_pool_{c}"), "object": "subscription",
                                                         "customer": format!("cus_pool_{c}"), "status": "active", "items": { "data": [] } } } })
                    .to_string();
                let r = http.post(format!("{base}/api/webhooks/stripe"))
                    .header("stripe-signature", sign(body.as_bytes(), "whsec_aurora_it", now()))
                    .body(body).send().await.unwrap();
                if !r.status().is_success() {
                    bad.push(r.status().as_u16());
                }
            }
            bad
        }));
    }
    let mut failures = Vec::new();
    for t in tasks {
        failures.extend(t.await.unwrap());
    }
    let mut by_status = std::collections::BTreeMap::new();
    for f in &failures {
        *by_status.entry(*f).or_insert(0) += 1;
    }
    assert!(failures.is_empty(), "{} of 800 webhooks failed through the pooler (by status: {by_status:?})", failures.len());
    let recorded: i64 = admin.query_one("select count(*) from stripe_events where id like 'evt_pool_%'", &[]).await.unwrap().get(0);
    assert_eq!(recorded, 800);

    // member routes, the PostgREST way (role and claims inside each transaction), at once
    let course: uuid::Uuid = admin.query_one("insert into courses (title, is_published) values ('Tai-chi', true) returning id", &[])
        .await.unwrap().get(0);
    let mut members = Vec::new();
    for i in 0..40 {
        members.push(create_user(&admin, &format!("pool{i}@example.fr")).await);
    }
    let mut tasks = Vec::new();
    for (i, m) in members.iter().enumerate() {
        let (http, base, m) = (http.clone(), edge.base.clone(), *m);
        let token = encode(&Header::default(),
                           &json!({ "sub": m.to_string(), "role": "authenticated", "aud": "authenticated", "exp": now() + 600 }),
                           &EncodingKey::from_secret(JWT_SECRET.as_bytes())).unwrap();
        tasks.push(tokio::spawn(async move {
            let path = if i % 2 == 0 { "/api/courses/start" } else { "/api/profile/ensure" };
            let r = http.post(format!("{base}{path}")).bearer_auth(token).json(&json!({ "course_id": course.to_string() }))
                .send().await.unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            (status, body, m)
        }));
    }
    for t in tasks {
        let (status, body, m) = t.await.unwrap();
        assert_eq!(status, 200, "{body}");
        if let Some(p) = body.get("profile") {
            assert_eq!(p["id"], json!(m.to_string()), "each request ran as its own member, never another's");
        }
    }
    let enrolled: i64 = admin.query_one("select count(*) from enrollments where course_id = $1", &[&course]).await.unwrap().get(0);
    assert_eq!(enrolled, 20);

    // the outbox worker claims, renews and completes through the pooler (its LISTEN does
    // not reach it there: the poll timer does)
    admin.execute("select aurora_private.queue_email('payment-failed', id, '{}', 'pool:' || id) from profiles", &[]).await.unwrap();
    assert!(eventually(&admin, "select count(*) = 0 from email_outbox where template = 'payment-failed' and status <> 'sent'", 30).await,
            "every email is sent through the pooled worker");
    let sent = brevo.received_requests().await.unwrap().iter().filter(|r| r.url.path() == "/v3/smtp/email").count();
    let queued: i64 = admin.query_one("select count(*) from email_outbox where template = 'payment-failed'", &[]).await.unwrap().get(0);
    assert!(sent as i64 >= queued, "sent {sent} of {queued}");
    edge.stop().await;
    db.drop().await;
    drop(bouncer);
}
