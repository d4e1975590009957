//! The email outbox delivered by the edge to a fake Brevo built from its documented
//! contract (POST /v3/smtp/email, api-key header, templateId, params, headers.idempotencyKey;
//! 201 {"messageId"}; 400 for bad input; 429 and 5xx to retry).
use aurora_it::{eventually, Edge, TestDb};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_postgres::Client;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "xkeysib-test";

fn brevo_vars(uri: &str) -> Vec<(&'static str, String)> {
    vec![
        ("BREVO_API_KEY", KEY.into()),
        ("BREVO_API_URL", uri.into()),
        ("BREVO_TEMPLATE_WELCOME", "11".into()),
        ("BREVO_TEMPLATE_COURSE_COMPLETION", "16".into()),
        ("AURORA_EMAIL_RETRY_BASE_MS", "100".into()),
        ("BREVO_TIMEOUT_MS", "2000".into()),
    ]
}

async fn spawn(db: &TestDb, vars: &[(&'static str, String)]) -> Edge {
    let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Edge::spawn(db, &refs).await
}

async fn queue(admin: &Client, n: i64, template: &str) {
    admin
        .execute(
            "insert into email_outbox (template, recipient_email, params, idempotency_key)
             select $2, 'membre' || g || '@example.fr', jsonb_build_object('prenom', 'Membre ' || g),
                    $2 || ':' || g || ':' || gen_random_uuid()
               from generate_series(1, $1::bigint) g",
            &[&n, &template],
        )
        .await
        .unwrap();
}

fn sent_ok() -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(json!({ "messageId": "<msg@smtp-relay.brevo.com>" }))
}

async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_500_then_201_is_delivered_once_with_one_idempotency_key() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let brevo = MockServer::start().await;
    Mock::given(method("POST")).and(path("/v3/smtp/email")).respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1).mount(&brevo).await;
    Mock::given(method("POST")).and(path("/v3/smtp/email")).and(header("api-key", KEY))
        .respond_with(sent_ok()).mount(&brevo).await;
    queue(&admin, 1, "welcome").await;
    let edge = spawn(&db, &brevo_vars(&brevo.uri())).await;
    assert!(eventually(&admin, "select bool_and(status = 'sent') from email_outbox", 15).await, "delivered");
    let row = admin.query_one("select attempts, provider_message_id, delivery_key::text, last_error from email_outbox", &[]).await.unwrap();
    assert_eq!(row.get::<_, i32>(0), 2, "one failure, one success");
    assert_eq!(row.get::<_, Option<String>>(1).as_deref(), Some("<msg@smtp-relay.brevo.com>"));
    let sent = bodies(&brevo).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0]["headers"]["idempotencyKey"], sent[1]["headers"]["idempotencyKey"], "a retry reuses its key");
    assert_eq!(sent[1]["headers"]["idempotencyKey"], row.get::<_, String>(2));
    assert_eq!(sent[1]["templateId"], 11);
    assert_eq!(sent[1]["to"][0]["email"], "membre1@example.fr");
    assert_eq!(sent[1]["params"]["prenom"], "Membre 1");
    edge.stop().await;
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_429_backs_off_as_told_then_delivers() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let brevo = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(429).insert_header("retry-after", "2"))
        .up_to_n_times(1).mount(&brevo).await;
    Mock::given(method("POST")).respond_with(sent_ok()).mount(&brevo).await;
    queue(&admin, 1, "welcome").await;
    let edge = spawn(&db, &brevo_vars(&brevo.uri())).await;
    assert!(eventually(&admin, "select bool_and(attempts = 1 and status = 'pending') from email_outbox", 10).await);
    let wait: f64 = admin
        .query_one("select extract(epoch from next_attempt_at - now())::float8 from email_outbox", &[])
        .await
        .unwrap()
        .get(0);
    assert!(wait > 1.0, "Retry-After: 2 is honoured (next attempt in {wait:.2}s)");
    assert!(eventually(&admin, "select bool_and(status = 'sent') from email_outbox", 15).await, "then delivered");
    assert_eq!(bodies(&brevo).await.len(), 2);
    edge.stop().await;
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_400_fails_for_good_without_retry_and_stays_visible() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let brevo = MockServer::start().await;
    Mock::given(method("POST")).respond_with(
        ResponseTemplate::new(400).set_body_json(json!({ "code": "invalid_parameter", "message": "email is not valid" })),
    ).mount(&brevo).await;
    queue(&admin, 1, "welcome").await;
    // and one whose template has no Brevo id configured
    queue(&admin, 1, "password-reset").await;
    let edge = spawn(&db, &brevo_vars(&brevo.uri())).await;
    assert!(eventually(&admin, "select bool_and(status = 'failed') from email_outbox", 10).await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(bodies(&brevo).await.len(), 1, "not retried (and the unconfigured template was never sent)");
    let errors: Vec<String> = admin
        .query("select last_error from email_outbox order by template", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(errors[0].contains("no Brevo template id configured for password-reset"), "{errors:?}");
    assert!(errors[1].contains("400") && errors[1].contains("email is not valid"), "{errors:?}");
    edge.stop().await;
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn brevo_unreachable_for_a_while_then_everything_is_delivered() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener); // nothing listens there for now
    queue(&admin, 5, "welcome").await;
    let edge = spawn(&db, &brevo_vars(&format!("http://{addr}"))).await;
    assert!(eventually(&admin, "select bool_and(attempts >= 2 and status = 'pending') from email_outbox", 15).await,
            "attempts are retried while Brevo is down");
    let brevo = MockServer::builder().listener(std::net::TcpListener::bind(addr).unwrap()).start().await;
    Mock::given(method("POST")).respond_with(sent_ok()).mount(&brevo).await;
    assert!(eventually(&admin, "select bool_and(status = 'sent') from email_outbox", 20).await, "all delivered once it is back");
    let sent = bodies(&brevo).await;
    let keys: std::collections::HashSet<String> = sent.iter().map(|b| b["headers"]["idempotencyKey"].to_string()).collect();
    assert_eq!((sent.len(), keys.len()), (5, 5), "each email once");
    edge.stop().await;
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_share_one_outbox_without_sending_twice() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let brevo = MockServer::start().await;
    Mock::given(method("POST")).respond_with(sent_ok().set_delay(Duration::from_millis(5))).mount(&brevo).await;
    queue(&admin, 200, "welcome").await;
    let vars = brevo_vars(&brevo.uri());
    let (a, b) = tokio::join!(spawn(&db, &vars), spawn(&db, &vars));
    assert!(eventually(&admin, "select bool_and(status = 'sent') from email_outbox", 30).await);
    let sent = bodies(&brevo).await;
    let keys: std::collections::HashSet<String> = sent.iter().map(|b| b["headers"]["idempotencyKey"].to_string()).collect();
    assert_eq!((sent.len(), keys.len()), (200, 200), "200 emails, 200 sends, no key twice");
    a.stop().await;
    b.stop().await;
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_edge_that_dies_mid_batch_loses_nothing() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let brevo = MockServer::start().await;
    Mock::given(method("POST")).respond_with(sent_ok()).mount(&brevo).await;
    queue(&admin, 10, "welcome").await;
    // a worker claims the batch with a 1 s lease and dies before recording anything
    let claimed: i64 = admin.query_one("select count(*) from aurora_private.claim_emails(10, 1)", &[]).await.unwrap().get(0);
    assert_eq!(claimed, 10);
    let edge = spawn(&db, &brevo_vars(&brevo.uri())).await;
    assert!(eventually(&admin, "select bool_and(status = 'sent') from email_outbox", 20).await, "the lease ends, another worker delivers");
    assert_eq!(bodies(&brevo).await.len(), 10, "each once");
    edge.stop().await;
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn graceful_shutdown_finishes_the_batch_in_flight() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let brevo = MockServer::start().await;
    Mock::given(method("POST")).respond_with(sent_ok().set_delay(Duration::from_millis(400))).mount(&brevo).await;
    queue(&admin, 8, "welcome").await;
    let edge = spawn(&db, &brevo_vars(&brevo.uri())).await;
    assert!(eventually(&admin, "select count(*) filter (where status = 'sending') > 0 from email_outbox", 10).await);
    edge.stop().await; // returns once the batch in flight is recorded
    let stuck: i64 = admin.query_one("select count(*) from email_outbox where status = 'sending'", &[]).await.unwrap().get(0);
    assert_eq!(stuck, 0, "nothing left half-sent");
    let sent: i64 = admin.query_one("select count(*) from email_outbox where status = 'sent'", &[]).await.unwrap().get(0);
    assert_eq!(sent as usize, bodies(&brevo).await.len(), "what Brevo received is recorded as sent");
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_a_brevo_key_emails_are_captured() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    queue(&admin, 3, "course-completion").await;
    let edge = Edge::spawn(&db, &[]).await;
    assert!(eventually(&admin, "select bool_and(status = 'captured' and sent_at is not null) from email_outbox", 10).await);
    edge.stop().await;
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn members_follow_their_entitlement_into_brevo_lists() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let brevo = MockServer::start().await;
    Mock::given(method("POST")).and(path("/v3/contacts")).and(header("api-key", KEY))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "id": 42 }))).mount(&brevo).await;
    Mock::given(method("PUT")).and(path("/v3/contacts/ines%40example.fr"))
        .respond_with(ResponseTemplate::new(204)).mount(&brevo).await;
    Mock::given(method("POST")).and(path("/v3/smtp/email")).respond_with(sent_ok()).mount(&brevo).await;
    let mut vars = brevo_vars(&brevo.uri());
    vars.push(("BREVO_LIST_FREEMIUM", "3".into()));
    vars.push(("BREVO_LIST_PREMIUM", "4".into()));
    let edge = spawn(&db, &vars).await;
    let ines = aurora_it::create_user(&admin, "ines@example.fr").await;
    assert!(eventually(&admin, "select bool_and(status = 'done') from brevo_contact_sync", 10).await, "sign-up synced");
    admin.execute("update member_accounts set subscription_type = 'premium' where id = $1", &[&ines]).await.unwrap();
    assert!(eventually(&admin, "select count(*) = 2 and bool_and(status = 'done') from brevo_contact_sync", 10).await,
            "entitlement change synced");
    let requests = brevo.received_requests().await.unwrap();
    let contacts: Vec<(String, Value)> = requests
        .iter()
        .filter(|r| r.url.path().starts_with("/v3/contacts"))
        .map(|r| (format!("{} {}", r.method, r.url.path()), serde_json::from_slice(&r.body).unwrap()))
        .collect();
    assert_eq!(contacts[0].0, "POST /v3/contacts");
    assert_eq!(contacts[0].1["listIds"], json!([3]), "a new member joins the freemium list");
    assert_eq!(contacts[0].1["updateEnabled"], true);
    assert_eq!(contacts[1], ("PUT /v3/contacts/ines%40example.fr".to_string(), json!({ "unlinkListIds": [4] })));
    assert_eq!(contacts[2].1["listIds"], json!([4]), "premium: the premium list");
    assert_eq!(contacts[3].1, json!({ "unlinkListIds": [3] }), "and out of the freemium one");
    // the welcome email went out too
    assert!(eventually(&admin, "select bool_and(status = 'sent') from email_outbox", 10).await);
    edge.stop().await;
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_brevo_timeout_is_retried() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let brevo = MockServer::start().await;
    Mock::given(method("POST")).respond_with(sent_ok().set_delay(Duration::from_secs(5))).up_to_n_times(1).mount(&brevo).await;
    Mock::given(method("POST")).respond_with(sent_ok()).mount(&brevo).await;
    queue(&admin, 1, "welcome").await;
    let mut vars = brevo_vars(&brevo.uri());
    vars.retain(|(k, _)| *k != "BREVO_TIMEOUT_MS");
    vars.push(("BREVO_TIMEOUT_MS", "300".into()));
    let edge = spawn(&db, &vars).await;
    assert!(eventually(&admin, "select bool_and(status = 'sent' and attempts = 2 and last_error = 'Brevo timed out') from email_outbox", 15).await,
            "the timed-out attempt is retried and the row delivered");
    edge.stop().await;
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn brevo_down_far_longer_than_any_attempt_budget_then_each_email_is_delivered_once() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let brevo = MockServer::start().await;
    // 60 failures in a row (the old budget failed a row for good after 12 attempts)
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(503)).up_to_n_times(60).with_priority(1).mount(&brevo).await;
    Mock::given(method("POST")).respond_with(sent_ok()).with_priority(2).mount(&brevo).await;
    queue(&admin, 5, "welcome").await;
    let mut vars = brevo_vars(&brevo.uri());
    vars.push(("AURORA_EMAIL_RETRY_BASE_MS", "5".into()));
    vars.push(("AURORA_EMAIL_RETRY_MAX_MS", "20".into()));
    vars.push(("AURORA_EMAIL_POLL_MS", "10".into()));
    let edge = spawn(&db, &vars).await;
    assert!(eventually(&admin, "select bool_and(status = 'sent') from email_outbox", 60).await, "every email is sent in the end");
    let failed: i64 = admin.query_one("select count(*) from email_outbox where status = 'failed'", &[]).await.unwrap().get(0);
    assert_eq!(failed, 0, "a transient failure never fails an email");
    let max_attempts: i32 = admin.query_one("select max(attempts) from email_outbox", &[]).await.unwrap().get(0);
    assert!(max_attempts > 12, "retried past the old budget: {max_attempts}");
    let requests = brevo.received_requests().await.unwrap();
    let accepted = requests.len() - 60;
    assert_eq!(accepted, 5, "each email accepted once after the outage");
    edge.stop().await;
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_429_pauses_the_whole_worker_as_long_as_brevo_asks() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let brevo = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&brevo)
        .await;
    Mock::given(method("POST")).respond_with(sent_ok()).with_priority(2).mount(&brevo).await;
    queue(&admin, 20, "welcome").await;
    let mut vars = brevo_vars(&brevo.uri());
    vars.push(("AURORA_EMAIL_CONCURRENCY", "1".into()));
    vars.push(("AURORA_EMAIL_POLL_MS", "20".into()));
    let edge = spawn(&db, &vars).await;
    let t0 = std::time::Instant::now();
    while brevo.received_requests().await.unwrap().is_empty() {
        assert!(t0.elapsed() < Duration::from_secs(10), "the worker never called Brevo");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(brevo.received_requests().await.unwrap().len(), 1,
               "while Brevo asks to wait (Retry-After: 3), no email of the outbox is sent (not only the one that got the 429)");
    assert!(eventually(&admin, "select bool_and(status = 'sent') from email_outbox", 30).await);
    assert_eq!(brevo.received_requests().await.unwrap().len(), 21, "then each of the 20 once, and the 429'd one again");
    edge.stop().await;
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_edges_and_a_slow_brevo_send_each_email_and_sync_each_contact_exactly_once() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let brevo = MockServer::start().await;
    // every answer is slow: a batch would take longer than its lease (40 rows, 4 at a time,
    // 300 ms each: 3 s; 2 s leases), so rows change hands between the edges all the time
    let slow = Duration::from_millis(300);
    Mock::given(method("POST")).and(path("/v3/smtp/email")).respond_with(sent_ok().set_delay(slow)).mount(&brevo).await;
    Mock::given(method("POST")).and(path("/v3/contacts"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "id": 42 })).set_delay(slow)).mount(&brevo).await;
    Mock::given(method("PUT")).respond_with(ResponseTemplate::new(204).set_delay(slow)).mount(&brevo).await;
    queue(&admin, 500, "welcome").await;
    // 100 contact syncs (one per new member), queued with the emails' worker stopped
    admin
        .batch_execute(
            "insert into auth.users (id, aud, role, email, email_confirmed_at)
             select gen_random_uuid(), 'authenticated', 'authenticated', 'contact' || g || '@example.fr', now()
               from generate_series(1, 100) g",
        )
        .await
        .unwrap();
    let mut vars = brevo_vars(&brevo.uri());
    vars.push(("AURORA_EMAIL_LEASE_SECONDS", "2".into()));
    vars.push(("BREVO_TIMEOUT_MS", "900".into()));
    vars.push(("AURORA_EMAIL_BATCH", "40".into()));
    vars.push(("AURORA_EMAIL_CONCURRENCY", "4".into()));
    vars.push(("AURORA_EMAIL_POLL_MS", "20".into()));
    vars.push(("BREVO_LIST_FREEMIUM", "3".into()));
    vars.push(("BREVO_LIST_PREMIUM", "4".into()));
    let (a, b, c) = tokio::join!(spawn(&db, &vars), spawn(&db, &vars), spawn(&db, &vars));
    assert!(eventually(&admin, "select bool_and(status = 'sent') from email_outbox", 120).await, "all emails delivered");
    assert!(eventually(&admin, "select bool_and(status = 'done') from brevo_contact_sync", 120).await, "all contacts synced");
    let requests = brevo.received_requests().await.unwrap();
    let sends: Vec<String> = requests
        .iter()
        .filter(|r| r.url.path() == "/v3/smtp/email")
        .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap()["headers"]["idempotencyKey"].to_string())
        .collect();
    let distinct: std::collections::HashSet<&String> = sends.iter().collect();
    let upserts: Vec<String> = requests
        .iter()
        .filter(|r| r.url.path() == "/v3/contacts")
        .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap()["email"].to_string())
        .collect();
    let distinct_contacts: std::collections::HashSet<&String> = upserts.iter().collect();
    let emails: i64 = admin.query_one("select count(*) from email_outbox", &[]).await.unwrap().get(0);
    let lost: i64 = admin.query_one("select count(*) from email_outbox where attempts > 1", &[]).await.unwrap().get(0);
    println!(
        "three edges, slow Brevo (300 ms), 2 s leases, batches of 40: {emails} emails -> {} sends ({} distinct); 100 contact syncs -> {} upserts ({} distinct); {lost} emails changed hands",
        sends.len(), distinct.len(), upserts.len(), distinct_contacts.len()
    );
    assert_eq!((sends.len(), distinct.len()), (emails as usize, emails as usize), "each email sent once");
    assert_eq!((upserts.len(), distinct_contacts.len()), (100, 100), "each contact synced once");
    a.stop().await;
    b.stop().await;
    c.stop().await;
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_of_an_edge_mid_batch_loses_nothing_and_resends_only_what_was_in_flight() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let brevo = MockServer::start().await;
    Mock::given(method("POST")).respond_with(sent_ok().set_delay(Duration::from_millis(500))).mount(&brevo).await;
    queue(&admin, 40, "welcome").await;
    let mut vars = brevo_vars(&brevo.uri());
    vars.push(("AURORA_EMAIL_LEASE_SECONDS", "3".into()));
    vars.push(("BREVO_TIMEOUT_MS", "1000".into()));
    vars.push(("AURORA_EMAIL_BATCH", "40".into()));
    vars.push(("AURORA_EMAIL_CONCURRENCY", "8".into()));
    let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let env = aurora_it::edge_env(&db, &refs).await;
    // a real edge process, killed with SIGKILL while it sends
    let mut victim = aurora_it::spawn_edge_process(&env, &[]);
    let t0 = std::time::Instant::now();
    while brevo.received_requests().await.unwrap().len() < 12 {
        assert!(t0.elapsed() < Duration::from_secs(20), "the edge process never sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    victim.kill().unwrap(); // SIGKILL: no cleanup, leases left as they are
    victim.wait().unwrap();
    let before: usize = brevo.received_requests().await.unwrap().len();
    let survivor = spawn(&db, &vars).await;
    assert!(eventually(&admin, "select bool_and(status = 'sent') from email_outbox", 60).await, "every email delivered");
    let sent = bodies(&brevo).await;
    let distinct: std::collections::HashSet<String> = sent.iter().map(|b| b["headers"]["idempotencyKey"].to_string()).collect();
    let twice = sent.len() - distinct.len();
    println!("kill -9 mid-batch: 40 emails, {before} requests before the kill, {} sends after, {} distinct: {twice} sent twice (in flight at the kill, same idempotency key)",
             sent.len() - before, distinct.len());
    assert_eq!(distinct.len(), 40, "each email delivered");
    assert!(twice <= 8, "only what was in flight at the kill (at most the concurrency, 8) is sent again: {twice}");
    survivor.stop().await;
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_verification_requests_queues_one_email_a_minute() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let ines = aurora_it::create_user(&admin, "ines@example.fr").await;
    let mut clients = Vec::new();
    for _ in 0..12 {
        clients.push(db.admin().await);
    }
    let gate = std::sync::Arc::new(tokio::sync::Barrier::new(clients.len()));
    let mut tasks = Vec::new();
    for (i, c) in clients.into_iter().enumerate() {
        let gate = gate.clone();
        tasks.push(tokio::spawn(async move {
            gate.wait().await;
            let key = format!("email-verification:{ines}:{i}");
            let r = c
                .query_one(
                    "select aurora_private.queue_member_email($1, 'email-verification', '{\"lien\": \"https://x\"}', $2)",
                    &[&ines, &key],
                )
                .await
                .unwrap();
            r.get::<_, String>(0)
        }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap());
    }
    outcomes.sort();
    assert_eq!(outcomes.iter().filter(|o| *o == "queued").count(), 1, "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|o| *o == "too_soon").count(), 11, "{outcomes:?}");
    let queued: i64 = admin
        .query_one("select count(*) from email_outbox where template = 'email-verification'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(queued, 1, "one verification email in the outbox");
    drop(admin);
    db.drop().await;
}
