//! Billing at Stripe's real timing: realistic lifecycles, built from Stripe's own sample
//! objects at three API versions (tests/fixtures/stripe, extracted from
//! ../shared/stripe-fixtures), delivered through the real edge with real signatures in
//! many random orders with duplicates, and as zero-gap bursts on separate connections.
//! Every delivery of a lifecycle must end in one final state and one email per deed.
use aurora_edge::stripe::sign;
use aurora_it::{create_user, TestDb};
use serde_json::{json, Value};
use std::sync::Arc;
use uuid::Uuid;

const SECRET: &str = "whsec_aurora_lifecycles";
const VERSIONS: [&str; 3] = ["2024-06-20", "2025-03-31.basil", "2025-09-30.clover"];

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn fixture(version: &str, object: &str) -> Value {
    let path = format!("{}/fixtures/stripe/{version}.json", env!("CARGO_MANIFEST_DIR"));
    let all: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    all["resources"][object].clone()
}

/// A tiny deterministic generator (xorshift), so a failing order can be replayed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Builds one member's events from the fixtures of one API version.
struct Builder {
    version: &'static str,
    tag: String,
    user: Uuid,
    base: i64,
    seq: u32,
}

impl Builder {
    fn customer(&self) -> String {
        format!("cus_{}", self.tag)
    }
    fn sub_id(&self, n: u32) -> String {
        format!("sub_{}_{n}", self.tag)
    }

    fn event(&mut self, kind: &str, at: i64, object: Value) -> Value {
        self.seq += 1;
        let mut e = fixture(self.version, "event");
        e["id"] = json!(format!("evt_{}_{}", self.tag, self.seq));
        e["object"] = json!("event");
        e["type"] = json!(kind);
        e["created"] = json!(self.base + at);
        e["livemode"] = json!(false);
        e["api_version"] = json!(self.version);
        e["data"] = json!({ "object": object });
        e
    }

    fn checkout(&mut self, at: i64, sub: u32) -> Value {
        let mut cs = fixture(self.version, "checkout.session");
        cs["id"] = json!(format!("cs_{}_{sub}", self.tag));
        cs["mode"] = json!("subscription");
        cs["customer"] = json!(self.customer());
        cs["subscription"] = json!(self.sub_id(sub));
        cs["client_reference_id"] = json!(self.user.to_string());
        cs["status"] = json!("complete");
        cs["payment_status"] = json!("paid");
        self.event("checkout.session.completed", at, cs)
    }

    /// A subscription event; `annual` picks the €470/year price.
    #[allow(clippy::too_many_arguments)]
    fn subscription(&mut self, kind: &str, at: i64, sub: u32, status: &str, annual: bool, trial_end: Option<i64>,
                    cancel_at_period_end: bool, cancel_at: Option<i64>) -> Value {
        let mut s = fixture(self.version, "subscription");
        let start = self.base + 10 * i64::from(sub);
        let (amount, interval, length) = if annual { (47000, "year", 365 * 86400) } else { (4700, "month", 30 * 86400) };
        let period_start = trial_end.unwrap_or(start);
        s["id"] = json!(self.sub_id(sub));
        s["customer"] = json!(self.customer());
        s["status"] = json!(status);
        s["start_date"] = json!(start);
        s["created"] = json!(start);
        s["trial_start"] = json!(trial_end.map(|_| start));
        s["trial_end"] = json!(trial_end);
        s["cancel_at_period_end"] = json!(cancel_at_period_end);
        s["cancel_at"] = json!(cancel_at);
        s["canceled_at"] = json!(if status == "canceled" { Some(self.base + at) } else { None });
        s["ended_at"] = json!(if status == "canceled" { Some(self.base + at) } else { None });
        s["metadata"] = json!({});
        let mut item = s["items"]["data"][0].clone();
        item["id"] = json!(format!("si_{}_{sub}", self.tag));
        item["subscription"] = json!(self.sub_id(sub));
        item["price"]["id"] = json!(if annual { "price_annual" } else { "price_monthly" });
        item["price"]["unit_amount"] = json!(amount);
        item["price"]["currency"] = json!("eur");
        item["price"]["recurring"]["interval"] = json!(interval);
        if self.version == "2024-06-20" {
            s["current_period_start"] = json!(period_start);
            s["current_period_end"] = json!(period_start + length);
        } else {
            // basil and clover: the period lives on the items
            item["current_period_start"] = json!(period_start);
            item["current_period_end"] = json!(period_start + length);
        }
        s["items"]["data"] = json!([item]);
        self.event(kind, at, s)
    }

    fn invoice(&mut self, kind: &str, at: i64, n: u32, sub: u32, amount: i64, reason: &str) -> Value {
        let mut i = fixture(self.version, "invoice");
        i["id"] = json!(format!("in_{}_{n}", self.tag));
        i["customer"] = json!(self.customer());
        i["customer_email"] = Value::Null;
        i["currency"] = json!("eur");
        i["billing_reason"] = json!(reason);
        i["amount_due"] = json!(amount);
        i["amount_paid"] = json!(if kind == "invoice.payment_succeeded" { amount } else { 0 });
        i["hosted_invoice_url"] = json!(format!("https://invoice.stripe.com/i/{}_{n}", self.tag));
        if self.version == "2024-06-20" {
            i["subscription"] = json!(self.sub_id(sub));
        } else {
            i["parent"] = json!({ "type": "subscription_details", "quote_details": null,
                                  "subscription_details": { "metadata": {}, "subscription": self.sub_id(sub) } });
        }
        self.event(kind, at, i)
    }
}

/// What must hold at the end of a lifecycle, whatever the order.
struct Expect {
    plan: &'static str,
    /// (subscription number, final status)
    subscriptions: &'static [(u32, &'static str)],
    /// (template, invoice number)
    emails: &'static [(&'static str, u32)],
}

/// The lifecycles: each returns its events and what must hold at the end.
fn lifecycle(name: &str, b: &mut Builder) -> (Vec<Value>, Expect) {
    let day = 86400;
    let trial_end = b.base + 14 * day;
    match name {
        "trial_then_paid" => (
            vec![
                b.checkout(0, 1),
                b.subscription("customer.subscription.created", 0, 1, "trialing", false, Some(trial_end), false, None),
                b.invoice("invoice.payment_succeeded", 0, 1, 1, 0, "subscription_create"), // €0: no payment
                b.subscription("customer.subscription.updated", 14 * day, 1, "active", false, Some(trial_end), false, None),
                b.invoice("invoice.payment_succeeded", 14 * day, 2, 1, 4700, "subscription_cycle"),
            ],
            Expect { plan: "premium", subscriptions: &[(1, "active")], emails: &[("payment-success", 2)] },
        ),
        "payment_failed_then_retried" => (
            vec![
                b.checkout(0, 1),
                b.subscription("customer.subscription.created", 0, 1, "active", false, None, false, None),
                b.invoice("invoice.payment_succeeded", 0, 1, 1, 4700, "subscription_create"),
                b.invoice("invoice.payment_failed", 30 * day, 2, 1, 4700, "subscription_cycle"),
                b.subscription("customer.subscription.updated", 30 * day, 1, "past_due", false, None, false, None),
                b.invoice("invoice.payment_succeeded", 33 * day, 2, 1, 4700, "subscription_cycle"),
                b.subscription("customer.subscription.updated", 33 * day, 1, "active", false, None, false, None),
            ],
            Expect {
                plan: "premium",
                subscriptions: &[(1, "active")],
                emails: &[("payment-failed", 2), ("payment-success", 1), ("payment-success", 2)],
            },
        ),
        "cancel_at_period_end" => (
            vec![
                b.checkout(0, 1),
                b.subscription("customer.subscription.created", 0, 1, "active", false, None, false, None),
                b.invoice("invoice.payment_succeeded", 0, 1, 1, 4700, "subscription_create"),
                b.subscription("customer.subscription.updated", 5 * day, 1, "active", false, None, true, None),
                b.subscription("customer.subscription.deleted", 30 * day, 1, "canceled", false, None, true, None),
            ],
            Expect { plan: "freemium", subscriptions: &[(1, "canceled")], emails: &[("payment-success", 1)] },
        ),
        "cancel_right_after_paying" => (
            // all in the same second, as when a member cancels on the thank-you page
            vec![
                b.checkout(0, 1),
                b.subscription("customer.subscription.created", 0, 1, "active", false, None, false, None),
                b.invoice("invoice.payment_succeeded", 0, 1, 1, 4700, "subscription_create"),
                b.subscription("customer.subscription.updated", 0, 1, "active", false, None, false, None),
                b.subscription("customer.subscription.deleted", 0, 1, "canceled", false, None, false, None),
            ],
            Expect { plan: "freemium", subscriptions: &[(1, "canceled")], emails: &[("payment-success", 1)] },
        ),
        "scheduled_cancel_at" => {
            let cancel_at = b.base + 20 * day;
            (
                vec![
                    b.checkout(0, 1),
                    b.subscription("customer.subscription.created", 0, 1, "active", false, None, false, None),
                    b.invoice("invoice.payment_succeeded", 0, 1, 1, 4700, "subscription_create"),
                    b.subscription("customer.subscription.updated", 2 * day, 1, "active", false, None, false, Some(cancel_at)),
                ],
                Expect { plan: "premium", subscriptions: &[(1, "active")], emails: &[("payment-success", 1)] },
            )
        }
        "switch_monthly_to_annual" => (
            vec![
                b.checkout(0, 1),
                b.subscription("customer.subscription.created", 0, 1, "active", false, None, false, None),
                b.invoice("invoice.payment_succeeded", 0, 1, 1, 4700, "subscription_create"),
                b.subscription("customer.subscription.deleted", 10 * day, 1, "canceled", false, None, false, None),
                b.checkout(10 * day, 2),
                b.subscription("customer.subscription.created", 10 * day, 2, "active", true, None, false, None),
                b.invoice("invoice.payment_succeeded", 10 * day, 2, 2, 47000, "subscription_create"),
            ],
            Expect {
                plan: "premium",
                subscriptions: &[(1, "canceled"), (2, "active")],
                emails: &[("payment-success", 1), ("payment-success", 2)],
            },
        ),
        "resubscribe_after_cancelling" => (
            vec![
                b.checkout(0, 1),
                b.subscription("customer.subscription.created", 0, 1, "active", false, None, false, None),
                b.invoice("invoice.payment_succeeded", 0, 1, 1, 4700, "subscription_create"),
                b.subscription("customer.subscription.deleted", 3 * day, 1, "canceled", false, None, false, None),
                b.checkout(40 * day, 2),
                b.subscription("customer.subscription.created", 40 * day, 2, "active", false, None, false, None),
                b.invoice("invoice.payment_succeeded", 40 * day, 2, 2, 4700, "subscription_create"),
            ],
            Expect {
                plan: "premium",
                subscriptions: &[(1, "canceled"), (2, "active")],
                emails: &[("payment-success", 1), ("payment-success", 2)],
            },
        ),
        other => panic!("no lifecycle {other}"),
    }
}

const LIFECYCLES: [&str; 7] = [
    "trial_then_paid",
    "payment_failed_then_retried",
    "cancel_at_period_end",
    "cancel_right_after_paying",
    "scheduled_cancel_at",
    "switch_monthly_to_annual",
    "resubscribe_after_cancelling",
];

async fn deliver(client: &reqwest::Client, base: &str, event: &Value) -> (u16, String) {
    let body = event.to_string();
    let r = client
        .post(format!("{base}/api/webhooks/stripe"))
        .header("stripe-signature", sign(body.as_bytes(), SECRET, now()))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap_or_default())
}

/// The member's billing state with her tag taken out, so that runs compare.
async fn fingerprint(db: &tokio_postgres::Client, user: Uuid, tag: &str, base: i64) -> String {
    let p = db
        .query_one(
            "select subscription_type::text, extract(epoch from trial_ends_at)::bigint - $2,
                    extract(epoch from subscription_started_at)::bigint - $2, stripe_customer_id
               from member_accounts where id = $1",
            &[&user, &base],
        )
        .await
        .unwrap();
    let subs = db
        .query(
            "select id, status, plan, cancel_at_period_end, extract(epoch from cancel_at)::bigint - $2,
                    extract(epoch from trial_end)::bigint - $2, extract(epoch from current_period_end)::bigint - $2,
                    user_id = $1
               from subscriptions where customer_id = 'cus_' || $3 order by id",
            &[&user, &base, &tag],
        )
        .await
        .unwrap();
    let emails = db
        .query(
            "select template, idempotency_key, params->>'montant' from email_outbox
              where user_id = $1 and template like 'payment-%' order by idempotency_key",
            &[&user],
        )
        .await
        .unwrap();
    let events = db
        .query(
            "select status, count(*) from stripe_events where customer_id = 'cus_' || $1 group by 1 order by 1",
            &[&tag],
        )
        .await
        .unwrap();
    let mut out = format!(
        "profile: {} trial_end={:?} started={:?} customer={:?}\n",
        p.get::<_, String>(0),
        p.get::<_, Option<i64>>(1),
        p.get::<_, Option<i64>>(2),
        p.get::<_, Option<String>>(3)
    );
    for s in subs {
        out += &format!(
            "sub {} {} {:?} cape={} cancel_at={:?} trial_end={:?} period_end={:?} hers={:?}\n",
            s.get::<_, String>(0),
            s.get::<_, String>(1),
            s.get::<_, Option<String>>(2),
            s.get::<_, bool>(3),
            s.get::<_, Option<i64>>(4),
            s.get::<_, Option<i64>>(5),
            s.get::<_, Option<i64>>(6),
            s.get::<_, Option<bool>>(7)
        );
    }
    for e in emails {
        out += &format!("email {} {} {:?}\n", e.get::<_, String>(0), e.get::<_, String>(1), e.get::<_, Option<String>>(2));
    }
    for e in events {
        let status: String = e.get(0);
        if status != "applied" && status != "stale" {
            // which of applied/stale an event ends as depends on arrival; pending, rejected
            // or received left behind are wrong whatever the order
            out += &format!("events {status}: {}\n", e.get::<_, i64>(1));
        }
    }
    out.replace(tag, "TAG")
}

fn check(name: &str, version: &str, fp: &str, expect: &Expect) {
    let plan_line = fp.lines().next().unwrap();
    assert!(plan_line.starts_with(&format!("profile: {} ", expect.plan)), "{name} ({version}): {fp}");
    for (n, status) in expect.subscriptions {
        assert!(fp.contains(&format!("sub sub_TAG_{n} {status} ")), "{name} ({version}): sub {n} {status}\n{fp}");
        assert!(fp.contains(&format!("sub sub_TAG_{n} {status} ")) && !fp.contains("hers=Some(false)") && !fp.contains("hers=None"),
                "{name} ({version}): every subscription is hers\n{fp}");
    }
    let emails: Vec<&str> = fp.lines().filter(|l| l.starts_with("email ")).collect();
    assert_eq!(emails.len(), expect.emails.len(), "{name} ({version}): one email per deed\n{fp}");
    for (template, n) in expect.emails {
        assert!(fp.contains(&format!("email {template} stripe:{template}:in_TAG_{n} ")), "{name} ({version}): {template} {n}\n{fp}");
    }
    assert!(!fp.contains("events "), "{name} ({version}): nothing pending, rejected or half-done\n{fp}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_lifecycle_ends_the_same_in_any_order_and_in_bursts() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let edge = aurora_it::Edge::spawn(&db, &[("STRIPE_WEBHOOK_SECRET", SECRET), ("AURORA_EMAIL_WORKER", "false"),
                                            ("AURORA_DB_POOL_SIZE", "16")]).await;
    let base_url = edge.base.clone();
    let orders: usize = std::env::var("AURORA_LIFECYCLE_ORDERS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    let bursts: usize = std::env::var("AURORA_LIFECYCLE_BURSTS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    let mut rng = Rng(0x5eed_a0a0_2026_1125);
    let base = now() - 60 * 86400;
    let mut runs = 0usize;
    let mut deliveries = 0usize;
    for version in VERSIONS {
        for name in LIFECYCLES {
            let mut reference: Option<String> = None;
            // run 0: in Stripe's order, one by one; then shuffled with duplicates; then bursts
            for run in 0..(1 + orders + bursts) {
                let tag = format!("{}{}", &Uuid::new_v4().simple().to_string()[..12], run);
                let user = create_user(&admin, &format!("{tag}@example.fr")).await;
                let mut b = Builder { version, tag: tag.clone(), user, base, seq: 0 };
                let (mut events, expect) = lifecycle(name, &mut b);
                if run >= 1 {
                    // a random order, and a few events delivered twice
                    for i in (1..events.len()).rev() {
                        events.swap(i, rng.below(i + 1));
                    }
                    for _ in 0..2 {
                        let e = events[rng.below(events.len())].clone();
                        events.insert(rng.below(events.len() + 1), e);
                    }
                }
                deliveries += events.len();
                if run <= orders {
                    let client = reqwest::Client::new();
                    for e in &events {
                        let (status, body) = deliver(&client, &base_url, e).await;
                        assert_eq!(status, 200, "{name} ({version}) run {run}: {body}");
                    }
                } else {
                    // every event at once, each on its own connection, released together
                    let gate = Arc::new(tokio::sync::Barrier::new(events.len()));
                    let mut tasks = Vec::new();
                    for e in events {
                        let gate = gate.clone();
                        let base_url = base_url.clone();
                        tasks.push(tokio::spawn(async move {
                            let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
                            gate.wait().await;
                            deliver(&client, &base_url, &e).await
                        }));
                    }
                    for t in tasks {
                        let (status, body) = t.await.unwrap();
                        assert_eq!(status, 200, "{name} ({version}) burst {run}: {body}");
                    }
                }
                let fp = fingerprint(&admin, user, &tag, base).await;
                check(name, version, &fp, &expect);
                match name {
                    // the trial's end and the subscription's start, from the subscription
                    "trial_then_paid" => assert!(fp.contains("trial_end=Some(1209600) started=Some(10)"), "{fp}"),
                    // flexible billing's scheduled cancellation is recorded
                    "scheduled_cancel_at" => assert!(fp.contains("cape=false cancel_at=Some(1728000)"), "{fp}"),
                    _ => {}
                }
                match &reference {
                    None => reference = Some(fp),
                    Some(r) => assert_eq!(&fp, r, "{name} ({version}) run {run} differs from Stripe's order"),
                }
                runs += 1;
            }
        }
    }
    println!(
        "stripe lifecycles: {} lifecycles x {} API versions x ({} orders + {} bursts + 1 in order) = {runs} runs, {deliveries} deliveries, wrong states: 0",
        LIFECYCLES.len(),
        VERSIONS.len(),
        orders,
        bursts
    );
    edge.stop().await;
    drop(admin);
    db.drop().await;
}

/// Deliveries of unrelated members at once: no deadlock, no 500, each ends right.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_members_bursting_at_once_never_deadlock() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let edge = aurora_it::Edge::spawn(&db, &[("STRIPE_WEBHOOK_SECRET", SECRET), ("AURORA_EMAIL_WORKER", "false"),
                                            ("AURORA_DB_POOL_SIZE", "16")]).await;
    let base = now() - 60 * 86400;
    let mut all = Vec::new();
    let mut members = Vec::new();
    for (i, name) in LIFECYCLES.iter().cycle().take(14).enumerate() {
        let version = VERSIONS[i % VERSIONS.len()];
        let tag = format!("{}m{i}", &Uuid::new_v4().simple().to_string()[..12]);
        let user = create_user(&admin, &format!("{tag}@example.fr")).await;
        let mut b = Builder { version, tag: tag.clone(), user, base, seq: 0 };
        let (events, expect) = lifecycle(name, &mut b);
        all.extend(events);
        members.push((name, version, tag, user, expect));
    }
    let gate = Arc::new(tokio::sync::Barrier::new(all.len()));
    let mut tasks = Vec::new();
    for e in all {
        let gate = gate.clone();
        let base_url = edge.base.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
            gate.wait().await;
            deliver(&client, &base_url, &e).await
        }));
    }
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, 200, "{body}");
    }
    for (name, version, tag, user, expect) in &members {
        let fp = fingerprint(&admin, *user, tag, base).await;
        check(name, version, &fp, expect);
    }
    edge.stop().await;
    drop(admin);
    db.drop().await;
}

async fn snapshot(admin: &tokio_postgres::Client, user: Uuid) -> (i64, i64, String, i64) {
    let r = admin
        .query_one(
            "select (select count(*) from subscriptions), (select count(*) from email_outbox),
                    (select subscription_type::text from member_accounts where id = $1),
                    (select count(*) from stripe_events where status <> 'rejected')",
            &[&user],
        )
        .await
        .unwrap();
    (r.get(0), r.get(1), r.get(2), r.get(3))
}

/// Signed events aurora cannot store are acknowledged (2xx), recorded as rejected with
/// their reason, and nothing else is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn poison_events_are_recorded_and_acknowledged() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let user = create_user(&admin, "poison@example.fr").await;
    let edge = aurora_it::Edge::spawn(&db, &[("STRIPE_WEBHOOK_SECRET", SECRET), ("AURORA_EMAIL_WORKER", "false")]).await;
    let client = reqwest::Client::new();
    let base = now() - 86400;
    let mut b = Builder { version: "2025-09-30.clover", tag: "poison".into(), user, base, seq: 0 };
    let checkout = b.checkout(0, 1);
    assert_eq!(deliver(&client, &edge.base, &checkout).await.0, 200);
    let good = b.subscription("customer.subscription.created", 1, 1, "active", false, None, false, None);
    let before = snapshot(&admin, user).await;
    let mut cases: Vec<(&str, String)> = Vec::new();
    let mut poison = |label: &'static str, edit: &dyn Fn(&mut Value)| {
        let mut e = good.clone();
        e["id"] = json!(format!("evt_bad_{}", cases.len()));
        edit(&mut e);
        cases.push((label, e.to_string()));
    };
    poison("a NUL character", &|e| e["data"]["object"]["description"] = json!("nul \u{0} here"));
    poison("an amount above 2^31", &|e| e["data"]["object"]["items"]["data"][0]["price"]["unit_amount"] = json!(3_000_000_000_i64));
    poison("an amount above 2^63", &|e| e["data"]["object"]["items"]["data"][0]["price"]["unit_amount"] = json!(1e20));
    poison("created = 10^15", &|e| e["created"] = json!(1_000_000_000_000_000_i64));
    poison("a period end of 10^15", &|e| e["data"]["object"]["items"]["data"][0]["current_period_end"] = json!(1_000_000_000_000_000_i64));
    poison("a subscription id of unexpected shape", &|e| e["data"]["object"]["id"] = json!("subscription-1"));
    poison("a customer id of unexpected shape", &|e| e["data"]["object"]["customer"] = json!("cus_x'; drop table profiles; --"));
    poison("an event id of unexpected shape", &|e| e["id"] = json!("evt_/../1"));
    poison("a status of unexpected shape", &|e| e["data"]["object"]["status"] = json!("Active!"));
    let n = cases.len();
    for (label, body) in &cases {
        for attempt in 0..2 {
            let r = client
                .post(format!("{}/api/webhooks/stripe", edge.base))
                .header("stripe-signature", sign(body.as_bytes(), SECRET, now()))
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let answer: Value = r.json().await.unwrap();
            assert_eq!((status, answer["status"].as_str()), (200, Some("rejected")), "{label} (delivery {attempt})");
        }
    }
    assert_eq!(snapshot(&admin, user).await, before, "nothing but the ledger's rejections was written");
    let rejected: Vec<(String, String)> = admin
        .query("select id, reason from stripe_events where status = 'rejected' order by received_at", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(rejected.len(), n, "each recorded once, redeliveries included: {rejected:?}");
    assert!(rejected.iter().all(|(_, reason)| !reason.is_empty()), "{rejected:?}");
    assert!(rejected.iter().any(|(_, r)| r.contains("U+0000")), "{rejected:?}");
    assert!(rejected.iter().any(|(id, _)| id.starts_with("evt_rejected_")), "{rejected:?}");

    // a status Stripe may add later is stored and gives no entitlement, noted, counted
    let mut future = good.clone();
    future["id"] = json!("evt_future_status");
    future["data"]["object"]["status"] = json!("suspended_for_review");
    let (status, body) = deliver(&client, &edge.base, &future).await;
    assert_eq!(status, 200, "{body}");
    let r = admin
        .query_one("select s.status, p.subscription_type::text, e.status, e.reason from subscriptions s, member_accounts p, stripe_events e
                     where s.id = 'sub_poison_1' and p.id = $1 and e.id = 'evt_future_status'", &[&user])
        .await
        .unwrap();
    assert_eq!(r.get::<_, String>(0), "suspended_for_review");
    assert_eq!(r.get::<_, String>(1), "freemium", "an unknown status gives no entitlement");
    assert_eq!(r.get::<_, String>(2), "applied");
    assert!(r.get::<_, Option<String>>(3).unwrap_or_default().contains("unknown subscription status"));

    let metrics = client.get(format!("{}/metrics", edge.base)).send().await.unwrap().text().await.unwrap();
    let count = |outcome: &str| {
        metrics
            .lines()
            .find(|l| l.starts_with("aurora_stripe_webhooks_total") && l.contains(&format!("outcome=\"{outcome}\"")))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    assert_eq!(count("rejected"), 2 * n as u64, "{metrics}");
    assert_eq!(count("unknown_status"), 1, "{metrics}");
    edge.stop().await;
    drop(admin);
    db.drop().await;
}
