//! Stripe webhooks through the running edge: real signatures, a real database, the edge
//! connected as a non-superuser login role inside `aurora_edge`.
use aurora_edge::stripe::sign;
use aurora_it::{create_user, TestDb};
use serde_json::{json, Value};
use uuid::Uuid;

const SECRET: &str = "whsec_aurora_it";

struct Edge {
    base: String,
    client: reqwest::Client,
    _edge: aurora_it::Edge,
}

async fn spawn_edge(db: &TestDb) -> Edge {
    let edge = aurora_it::Edge::spawn(db, &[("STRIPE_WEBHOOK_SECRET", SECRET), ("AURORA_EMAIL_WORKER", "false")]).await;
    Edge { base: edge.base.clone(), client: reqwest::Client::new(), _edge: edge }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn event(id: &str, kind: &str, created: i64, object: Value) -> Value {
    json!({ "id": id, "object": "event", "type": kind, "created": created, "livemode": false,
            "data": { "object": object } })
}

fn subscription(id: &str, customer: &str, status: &str) -> Value {
    json!({ "id": id, "object": "subscription", "customer": customer, "status": status,
            "start_date": 1_700_000_000, "current_period_end": 1_702_592_000, "cancel_at_period_end": false,
            "items": { "data": [ { "price": { "id": "price_premium", "unit_amount": 4700, "currency": "eur",
                                              "recurring": { "interval": "month" } } } ] } })
}

impl Edge {
    async fn deliver_with(&self, body: &str, header: &str) -> (u16, Value) {
        let r = self
            .client
            .post(format!("{}/api/webhooks/stripe", self.base))
            .header("stripe-signature", header)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn deliver(&self, event: &Value) -> (u16, Value) {
        let body = event.to_string();
        self.deliver_with(&body, &sign(body.as_bytes(), SECRET, now())).await
    }
}

async fn count(db: &tokio_postgres::Client, sql: &str) -> i64 {
    db.query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn verified_events_apply_once_and_forgeries_write_nothing() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let ines = create_user(&admin, "ines@example.fr").await;
    let edge = spawn_edge(&db).await;

    let checkout = event("evt_checkout", "checkout.session.completed", now(),
        json!({ "id": "cs_1", "object": "checkout.session", "customer": "cus_ines",
                "subscription": "sub_ines", "client_reference_id": ines.to_string() }));
    let body = checkout.to_string();

    // forged, stale, malformed, unsigned: 400 and nothing written
    let forged = sign(body.as_bytes(), "whsec_not_ours", now());
    assert_eq!(edge.deliver_with(&body, &forged).await.0, 400, "a forged signature");
    let stale = sign(body.as_bytes(), SECRET, now() - 301);
    assert_eq!(edge.deliver_with(&body, &stale).await.0, 400, "a stale timestamp");
    assert_eq!(edge.deliver_with(&body, "t=abc").await.0, 400, "a malformed header");
    let tampered = body.replace("cus_ines", "cus_evil");
    assert_eq!(edge.deliver_with(&tampered, &sign(body.as_bytes(), SECRET, now())).await.0, 400, "a tampered body");
    let r = edge.client.post(format!("{}/api/webhooks/stripe", edge.base)).body(body.clone()).send().await.unwrap();
    assert_eq!(r.status(), 400, "no signature at all");
    let junk = "not json";
    assert_eq!(edge.deliver_with(junk, &sign(junk.as_bytes(), SECRET, now())).await.0, 400, "a signed non-JSON body");
    let not_event = r#"{"id":"x"}"#;
    assert_eq!(edge.deliver_with(not_event, &sign(not_event.as_bytes(), SECRET, now())).await.0, 400, "a signed non-event");
    assert_eq!(count(&admin, "select count(*) from stripe_events").await, 0, "nothing was written");

    // the real thing
    let (status, answer) = edge.deliver(&checkout).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("applied")));
    let (status, answer) = edge.deliver(&event("evt_sub", "customer.subscription.created", now(),
        subscription("sub_ines", "cus_ines", "active"))).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("applied")));
    let plan: String = admin.query_one("select subscription_type::text from member_accounts where id = $1", &[&ines]).await.unwrap().get(0);
    assert_eq!(plan, "premium");

    // a replay is acknowledged without effect
    let (status, answer) = edge.deliver(&checkout).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("duplicate")));

    // an unknown type is acknowledged and recorded
    let (status, answer) = edge.deliver(&event("evt_unknown", "customer.tax_id.created", now(), json!({"id": "txi_1"}))).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("ignored")));

    // metrics count outcomes
    let metrics = edge.client.get(format!("{}/metrics", edge.base)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("aurora_stripe_webhooks_total"), "{metrics}");
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_deliveries_of_one_event_have_one_effect() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let ines = create_user(&admin, "ines@example.fr").await;
    admin.execute("update member_accounts set stripe_customer_id = 'cus_ines' where id = $1", &[&ines]).await.unwrap();
    let edge = std::sync::Arc::new(spawn_edge(&db).await);
    let paid = event("evt_paid", "invoice.payment_succeeded", now(),
        json!({ "id": "in_1", "object": "invoice", "customer": "cus_ines", "amount_paid": 4700, "currency": "eur" }));
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let edge = edge.clone();
        let paid = paid.clone();
        tasks.push(tokio::spawn(async move { edge.deliver(&paid).await }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        let (status, answer) = t.await.unwrap();
        assert_eq!(status, 200);
        outcomes.push(answer["status"].as_str().unwrap().to_string());
    }
    outcomes.sort();
    assert_eq!(outcomes.iter().filter(|o| *o == "applied").count(), 1, "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|o| *o == "duplicate").count(), 9, "{outcomes:?}");
    assert_eq!(count(&admin, "select count(*) from stripe_events").await, 1);
    assert_eq!(count(&admin, "select count(*) from email_outbox where template = 'payment-success'").await, 1, "one email");
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn out_of_order_and_unknown_customer_sequences_end_right() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let claire = create_user(&admin, "claire@example.fr").await;
    let edge = spawn_edge(&db).await;
    let t0 = now() - 100;
    // Stripe sends created, updated (past_due), deleted; they arrive deleted, created, updated
    let created = event("evt_a", "customer.subscription.created", t0, subscription("sub_c", "cus_claire", "active"));
    let updated = event("evt_b", "customer.subscription.updated", t0 + 10, subscription("sub_c", "cus_claire", "past_due"));
    let deleted = event("evt_c", "customer.subscription.deleted", t0 + 20, subscription("sub_c", "cus_claire", "canceled"));
    // and the customer is unknown until the checkout arrives last
    for e in [&deleted, &created, &updated] {
        let (status, answer) = edge.deliver(e).await;
        assert_eq!(status, 200);
        assert!(matches!(answer["status"].as_str(), Some("pending" | "stale")), "{answer}");
    }
    let plan: String = admin.query_one("select subscription_type::text from member_accounts where id = $1", &[&claire]).await.unwrap().get(0);
    assert_eq!(plan, "freemium", "nothing applies before the mapping");
    let checkout = event("evt_d", "checkout.session.completed", t0 - 5,
        json!({ "id": "cs_c", "object": "checkout.session", "customer": "cus_claire",
                "metadata": { "user_id": claire.to_string() } }));
    assert_eq!(edge.deliver(&checkout).await.1["status"], "applied");
    let row = admin
        .query_one("select status, user_id from subscriptions where id = 'sub_c'", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "canceled", "the newest state wins whatever the delivery order");
    assert_eq!(row.get::<_, Option<Uuid>>(1), Some(claire), "and belongs to her now");
    let plan: String = admin.query_one("select subscription_type::text from member_accounts where id = $1", &[&claire]).await.unwrap().get(0);
    assert_eq!(plan, "freemium", "a canceled subscription gives no entitlement");
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_verified_event_while_the_database_is_down_asks_stripe_to_retry() {
    let db = TestDb::new().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let down = format!("postgres://aurora_edge_it@127.0.0.1:{port}/nowhere");
    let edge = aurora_it::Edge::spawn(&db, &[("DATABASE_URL", down.as_str()), ("STRIPE_WEBHOOK_SECRET", SECRET),
                                            ("AURORA_EMAIL_WORKER", "false"), ("AURORA_READY_TIMEOUT_MS", "500")]).await;
    let e = event("evt_db_down", "invoice.payment_succeeded", now(), json!({ "id": "in_1", "object": "invoice" }));
    let body = e.to_string();
    let r = reqwest::Client::new()
        .post(format!("{}/api/webhooks/stripe", edge.base))
        .header("stripe-signature", sign(body.as_bytes(), SECRET, now()))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503, "a 5xx makes Stripe deliver again later; a 4xx would lose the event");
    edge.stop().await;
    db.drop().await;
}
