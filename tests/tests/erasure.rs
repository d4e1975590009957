//! Erasure and export across every system that holds a member's data: real Postgres, the
//! real edge, and fakes of Stripe, Brevo and Supabase (GoTrue + Storage) built from their
//! documented APIs (tests/src/fakes.rs), which record every request and every change.
use aurora_it::fakes::{self, Fake, Fault, BREVO_KEY, SERVICE_KEY, STRIPE_KEY};
use aurora_it::{connect, edge_env, eventually, spawn_edge_process, Edge, TestDb, JWT_SECRET};
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};
use tokio_postgres::Client;
use uuid::Uuid;

const NAME: &str = "Inès Moreau-Lacombe";

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn token(id: Uuid, email: &str) -> String {
    let claims = json!({ "sub": id.to_string(), "role": "authenticated", "aud": "authenticated",
                         "email": email, "exp": now() + 3600 });
    encode(&Header::default(), &claims, &EncodingKey::from_secret(JWT_SECRET.as_bytes())).unwrap()
}

fn fixture(object: &str) -> Value {
    let path = format!("{}/fixtures/stripe/2025-03-31.basil.json", env!("CARGO_MANIFEST_DIR"));
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    all["resources"][object].clone()
}

struct World {
    db: TestDb,
    admin: Client,
    stripe: Fake,
    brevo: Fake,
    supabase: Fake,
}

impl World {
    async fn new() -> World {
        let db = TestDb::new().await;
        let admin = db.admin().await;
        let stripe = fakes::stripe().await;
        let brevo = fakes::brevo().await;
        let supabase = fakes::supabase(&db.url).await;
        World { db, admin, stripe, brevo, supabase }
    }

    fn vars(&self) -> Vec<(String, String)> {
        [
            ("STRIPE_SECRET_KEY", STRIPE_KEY),
            ("STRIPE_API_URL", self.stripe.base.as_str()),
            ("BREVO_API_KEY", BREVO_KEY),
            ("BREVO_API_URL", self.brevo.base.as_str()),
            ("BREVO_TEMPLATE_PAYMENT_FAILED", "15"),
            ("BREVO_TEMPLATE_WELCOME", "11"),
            ("BREVO_TIMEOUT_MS", "300"),
            ("NEXT_PUBLIC_SUPABASE_URL", self.supabase.base.as_str()),
            ("SUPABASE_SERVICE_ROLE_KEY", SERVICE_KEY),
            ("AURORA_THIRD_PARTY_TIMEOUT_MS", "300"),
            ("AURORA_EMAIL_LEASE_SECONDS", "2"),
            ("AURORA_EMAIL_RETRY_BASE_MS", "50"),
            ("AURORA_EMAIL_RETRY_MAX_MS", "200"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    async fn edge(&self) -> Edge {
        let vars = self.vars();
        let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Edge::spawn(&self.db, &refs).await
    }

    /// A premium member with everything aurora and the others can hold of her: a salon she
    /// owns with another member, messages, a reaction, an invitation to her address, a
    /// Stripe customer and subscription with payments (fixture objects, applied through
    /// the ledger), files in Storage, a Brevo contact, sessions and an identity in GoTrue.
    async fn member(&self, tag: &str, name: &str) -> (Uuid, String) {
        let email = format!("{tag}@example.fr");
        let a = &self.admin;
        let id: Uuid = a
            .query_one(
                "insert into auth.users (id, aud, role, email, email_confirmed_at, raw_user_meta_data)
                 values (gen_random_uuid(), 'authenticated', 'authenticated', $1, now(), jsonb_build_object('full_name', $2::text))
                 returning id",
                &[&email, &name],
            )
            .await
            .unwrap()
            .get(0);
        a.execute("insert into auth.identities (provider_id, user_id, identity_data, provider)
                   values ($1::uuid::text, $1, jsonb_build_object('sub', $1::uuid::text, 'email', $2::text), 'email')", &[&id, &email]).await.unwrap();
        a.execute("insert into auth.sessions (id, user_id, created_at) values (gen_random_uuid(), $1, now()), (gen_random_uuid(), $1, now())", &[&id]).await.unwrap();
        let customer = format!("cus_{tag}");
        let sub = format!("sub_{tag}");
        let base = now() - 86_400;
        let event = |n: u32, kind: &str, object: Value| {
            let mut e = fixture("event");
            e["id"] = json!(format!("evt_{tag}_{n}"));
            e["object"] = json!("event");
            e["type"] = json!(kind);
            e["created"] = json!(base + i64::from(n));
            e["livemode"] = json!(false);
            e["data"] = json!({ "object": object });
            e
        };
        let mut cs = fixture("checkout.session");
        cs["id"] = json!(format!("cs_{tag}"));
        cs["mode"] = json!("subscription");
        cs["customer"] = json!(customer);
        cs["subscription"] = json!(sub);
        cs["client_reference_id"] = json!(id.to_string());
        cs["customer_details"] = json!({ "email": email, "name": name, "phone": "+33612345678",
                                         "address": { "city": "Lyon", "line1": "12 rue Mercière", "postal_code": "69002", "country": "FR" } });
        let mut s = fixture("subscription");
        s["id"] = json!(sub);
        s["customer"] = json!(customer);
        s["status"] = json!("active");
        s["created"] = json!(base);
        s["start_date"] = json!(base);
        s["metadata"] = json!({ "user_id": id.to_string() });
        let mut item = s["items"]["data"][0].clone();
        item["subscription"] = json!(sub);
        item["price"]["id"] = json!("price_monthly");
        item["price"]["unit_amount"] = json!(4700);
        item["price"]["currency"] = json!("eur");
        item["current_period_start"] = json!(base);
        item["current_period_end"] = json!(base + 30 * 86_400);
        s["items"]["data"] = json!([item]);
        let mut inv = fixture("invoice");
        inv["id"] = json!(format!("in_{tag}"));
        inv["customer"] = json!(customer);
        inv["customer_email"] = json!(email);
        inv["customer_name"] = json!(name);
        inv["customer_address"] = json!({ "city": "Lyon", "line1": "12 rue Mercière" });
        inv["currency"] = json!("eur");
        inv["amount_due"] = json!(4700);
        inv["amount_paid"] = json!(4700);
        inv["parent"] = json!({ "type": "subscription_details", "subscription_details": { "metadata": {}, "subscription": sub } });
        for e in [event(1, "checkout.session.completed", cs), event(2, "customer.subscription.created", s.clone()),
                  event(3, "invoice.payment_succeeded", inv)] {
            let out: Value = a.query_one("select aurora_private.apply_stripe_event($1)", &[&e]).await.unwrap().get(0);
            assert_eq!(out["status"], "applied", "{out}");
        }
        {
            let mut st = self.stripe.state.lock().unwrap();
            st.subscriptions.insert(sub.clone(), json!({ "id": sub, "object": "subscription", "customer": customer, "status": "active",
                                                          "canceled_at": null, "ended_at": null }));
            st.customers.insert(customer.clone(), json!({ "id": customer, "object": "customer", "email": email, "name": name }));
        }
        {
            let mut st = self.brevo.state.lock().unwrap();
            st.contacts.insert(email.clone(), json!({ "email": email, "id": 1, "listIds": [7], "emailBlacklisted": false,
                                                      "smsBlacklisted": false, "attributes": { "PRENOM": name } }));
        }
        {
            let mut st = self.supabase.state.lock().unwrap();
            for (bucket, file) in [("avatars", "me.png"), ("covers", "jardin.jpg")] {
                st.objects.insert((bucket.into(), format!("{id}/{file}")), vec![1, 2, 3]);
            }
        }
        for (bucket, file) in [("avatars", "me.png"), ("covers", "jardin.jpg")] {
            a.execute("insert into storage.objects (bucket_id, name, owner, owner_id, metadata)
                       values ($1, $2::uuid::text || '/' || $3, $2, $2::text, '{\"size\": 3, \"mimetype\": \"image/png\"}')",
                      &[&bucket, &id, &file]).await.unwrap();
        }
        (id, email)
    }
}

/// Rows of every table of every schema that mention `needle` (case-insensitive), by table.
async fn search(db: &Client, needle: &str) -> Vec<(String, i64)> {
    let tables = db
        .query(
            "select format('%I.%I', n.nspname, c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace
              where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
              order by 1",
            &[],
        )
        .await
        .unwrap();
    let mut found = Vec::new();
    for t in tables {
        let table: String = t.get(0);
        let n: i64 = db
            .query_one(&format!("select count(*) from {table} t where strpos(lower(t::text), lower($1)) > 0"), &[&needle])
            .await
            .unwrap()
            .get(0);
        if n > 0 {
            found.push((table, n));
        }
    }
    found
}

/// The retention policy (README, "Retention"), as data: where each identifier of an erased
/// member may still be found, and nowhere else.
fn allowed(kind: &str, table: &str) -> bool {
    match kind {
        // the proof of erasure: her id, when it was asked and done
        "id" => matches!(table, "aurora_private.erasures" | "aurora_private.erasure_steps"),
        // the accounting record: billing rows keep the Stripe customer id; the job keeps it so
        // that Stripe's later events about it are recognised
        "customer" => matches!(
            table,
            "public.subscriptions" | "public.stripe_events" | "aurora_private.erasures" | "aurora_private.erasure_steps"
        ),
        // her address and name: nowhere
        _ => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn erasure_reaches_every_system_and_leaves_only_what_the_policy_names() {
    let w = World::new().await;
    let edge = w.edge().await;
    let (ines, email) = w.member("ines", NAME).await;
    let (claire, _) = w.member("claire", "Claire Fontaine").await;
    let a = &w.admin;
    // her community: a salon she owns where Claire is a member, messages, a reaction,
    // an invitation to her address, a join attempt
    let salon: Uuid = a.query_one("insert into salons (name, owner_id) values ('Jardins', $1) returning id", &[&ines]).await.unwrap().get(0);
    a.execute("insert into salon_members (salon_id, user_id, role) values ($1, $2, 'member')", &[&salon, &claire]).await.unwrap();
    a.execute("insert into chat_messages (salon_id, user_id, content) values ($1, $2, 'Mes tomates !'), ($1, $3, 'Superbes')",
              &[&salon, &ines, &claire]).await.unwrap();
    a.execute("insert into message_reactions (salon_id, message_id, user_id, emoji)
               select salon_id, id, $1, '❤️' from chat_messages where user_id = $2", &[&ines, &claire]).await.unwrap();
    a.execute("with i as (insert into salon_invitations (salon_id, invited_by, invitee_email) values ($1, $2, $3) returning id)
               insert into salon_invitation_tokens (invitation_id, token_hash) select id, sha256('x') from i",
              &[&salon, &claire, &email.to_uppercase()]).await.unwrap();
    a.execute("insert into salon_join_attempts (user_id) values ($1)", &[&ines]).await.unwrap();
    // the salon's picture, which she uploaded as its owner
    a.execute("insert into storage.objects (bucket_id, name, owner, owner_id) values ('salon-avatars', $1::uuid::text || '/logo.png', $2::uuid, $2::uuid::text)",
              &[&salon, &ines]).await.unwrap();
    w.supabase.state.lock().unwrap().objects.insert(("salon-avatars".into(), format!("{salon}/logo.png")), vec![7]);
    // an email to her and one to Claire wait in the outbox (due later: the worker is running);
    // once her erasure has started, Claire's is made due: it must go out, hers never
    // (one transaction: the worker never sees them due)
    a.batch_execute(&format!(
        "begin;
         select aurora_private.queue_email('payment-failed', '{ines}', '{{}}', 'late-for-ines');
         select aurora_private.queue_email('payment-failed', '{claire}', '{{}}', 'late-for-claire');
         update email_outbox set next_attempt_at = now() + interval '1 hour' where idempotency_key like 'late-for-%';
         commit;"))
        .await
        .unwrap();
    let http = reqwest::Client::new();

    // export first: every section, links for her files, her Brevo contact
    let r = http.get(format!("{}/api/account/export", edge.base)).bearer_auth(token(ines, &email)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    for section in ["account", "profile", "stats", "salons", "salons_owned", "messages", "reactions", "invitations_sent",
                    "invitations_received", "join_attempts", "enrollments", "courses", "lesson_progress", "achievements",
                    "activities", "progress_history", "emails", "subscriptions", "payments", "stripe_events", "files", "brevo"] {
        assert!(doc.get(section).is_some_and(|v| !v.is_null()), "export lacks {section}: {doc}");
    }
    assert_eq!(doc["files"].as_array().unwrap().len(), 3, "her avatar, her cover, and the salon picture she uploaded");
    assert!(doc["files"][0]["download_url"].as_str().unwrap_or_else(|| panic!("{}", doc["files"])).starts_with(&format!("{}/storage/v1/object/sign/avatars/{ines}/me.png?token=", w.supabase.base)));
    assert_eq!(doc["brevo"]["contact"]["list_ids"], json!([7]));
    assert_eq!(doc["subscriptions"][0]["id"], "sub_ines");
    assert_eq!(doc["payments"][0]["amount_paid"], 4700);
    assert_eq!(doc["invitations_received"].as_array().unwrap().len(), 1);
    assert_eq!(doc["join_attempts"].as_array().unwrap().len(), 1);
    assert_eq!(doc["stripe_events"].as_array().unwrap().len(), 3);

    // nobody erases or exports without a member's token
    assert_eq!(http.post(format!("{}/api/account/erasure", edge.base)).send().await.unwrap().status(), 401);
    assert_eq!(http.get(format!("{}/api/account/export", edge.base)).bearer_auth("not-a-token").send().await.unwrap().status(), 401);
    let none: i64 = a.query_one("select count(*) from aurora_private.erasures", &[]).await.unwrap().get(0);
    assert_eq!(none, 0, "and nothing was started");

    // erasure, by her
    let before = (w.stripe.calls().len(), w.brevo.calls().len(), w.supabase.calls().len());
    let sent_before = w.brevo.state.lock().unwrap().sent_to.len();
    let pending_for_her: i64 = a.query_one("select count(*) from email_outbox where user_id = $1 and status = 'pending'", &[&ines])
        .await.unwrap().get(0);
    assert!(pending_for_her >= 1, "an email to her waits in the outbox when her erasure starts");
    let r = http.post(format!("{}/api/account/erasure", edge.base)).bearer_auth(token(ines, &email)).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["signed_out"], true);
    assert_eq!(answer["erasure"]["started"], true);
    // at once: her sessions are gone and her token opens nothing
    let sessions: i64 = a.query_one("select count(*) from auth.sessions where user_id = $1", &[&ines]).await.unwrap().get(0);
    assert_eq!(sessions, 0, "signed out everywhere at once");
    let r = http.post(format!("{}/api/profile/ensure", edge.base)).bearer_auth(token(ines, &email)).send().await.unwrap();
    assert_eq!(r.status(), 403, "her token opens nothing while she is erased");
    let r = http.post(format!("{}/api/account/erasure", edge.base)).bearer_auth(token(ines, &email)).send().await.unwrap();
    assert_eq!(r.status(), 202, "asking again answers the erasure started");
    assert_eq!(r.json::<Value>().await.unwrap()["erasure"]["started"], false);

    assert!(eventually(a, &format!("select completed_at is not null from aurora_private.erasures where user_id = '{ines}'"), 30).await,
            "the erasure completes: {:?}", a.query("select step, status, last_error from aurora_private.erasure_steps", &[]).await.unwrap()
                .iter().map(|r| (r.get::<_, String>(0), r.get::<_, String>(1), r.get::<_, Option<String>>(2))).collect::<Vec<_>>());
    // Claire's email goes out; none to Inès after her erasure started
    a.execute("update email_outbox set next_attempt_at = now() where idempotency_key = 'late-for-claire'", &[]).await.unwrap();
    assert!(eventually(a, "select status = 'sent' from email_outbox where idempotency_key = 'late-for-claire'", 20).await);
    let sent = w.brevo.state.lock().unwrap().sent_to[sent_before..].to_vec();
    assert!(sent.contains(&"claire@example.fr".to_string()), "the worker was sending: {sent:?}");
    assert!(!sent.contains(&email), "nothing was sent to her after her erasure started: {sent:?}");

    // each third party received exactly the calls it should, and each change happened once
    assert_eq!(w.stripe.calls()[before.0..], ["GET /v1/subscriptions/sub_ines", "DELETE /v1/subscriptions/sub_ines", "DELETE /v1/customers/cus_ines"]);
    assert_eq!(w.stripe.effects(), ["cancel sub_ines", "delete cus_ines"]);
    assert_eq!(w.brevo.calls()[before.1..].iter().filter(|c| c.contains("ines")).cloned().collect::<Vec<_>>(),
               ["DELETE /v3/contacts/ines%40example.fr"]);
    assert_eq!(w.brevo.effects(), ["delete contact ines@example.fr"]);
    let mut calls = w.supabase.calls()[before.2..].to_vec();
    calls.sort();
    let mut expected = vec![
        "POST /auth/v1/logout?scope=global".to_string(),
        "POST /auth/v1/logout?scope=global".to_string(),
        format!("PUT /auth/v1/admin/users/{ines}"),
        "DELETE /storage/v1/object/avatars".to_string(),
        "DELETE /storage/v1/object/covers".to_string(),
        format!("DELETE /auth/v1/admin/users/{ines}"),
    ];
    expected.sort();
    assert_eq!(calls, expected);
    let objects = w.supabase.state.lock().unwrap().objects.clone();
    assert!(objects.keys().all(|(_, n)| !n.starts_with(&ines.to_string())), "her files' bytes are gone: {objects:?}");
    assert!(objects.keys().any(|(_, n)| n.starts_with(&claire.to_string())), "Claire's are not");
    assert!(objects.contains_key(&("salon-avatars".to_string(), format!("{salon}/logo.png"))), "the salon keeps its picture");
    let logo_owner: Option<Uuid> = a.query_one("select owner from storage.objects where bucket_id = 'salon-avatars'", &[])
        .await.unwrap().get(0);
    assert_eq!(logo_owner, None, "… no longer marked as hers");
    let sub_status: String = a.query_one("select status from subscriptions where id = 'sub_ines'", &[]).await.unwrap().get(0);
    assert_eq!(sub_status, "canceled", "aurora's record of her subscription follows Stripe");

    // the search: every table of every schema, for each of her identifiers
    for (kind, needle) in [("id", ines.to_string()), ("email", email.clone()), ("name", NAME.to_string()),
                           ("name", "Moreau-Lacombe".to_string()), ("customer", "cus_ines".to_string())] {
        for (table, n) in search(a, &needle).await {
            assert!(allowed(kind, &table), "{n} row(s) of {table} still hold her {kind} ({needle}) after erasure");
        }
    }
    // and Claire is untouched
    assert!(!search(a, &claire.to_string()).await.is_empty());
    let salon_owner: Option<Uuid> = a.query_one("select owner_id from salons where id = $1", &[&salon]).await.unwrap().get(0);
    assert_eq!(salon_owner, Some(claire), "her salon passed to Claire");

    edge.stop().await;
    w.db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn erasure_outlasts_every_third_party_failing_and_does_nothing_twice() {
    let w = World::new().await;
    let (ines, _) = w.member("ines", NAME).await;
    // each of them fails for a while, in every way: errors, timeouts, and a change made
    // whose answer is lost
    w.stripe.fail_next(&[Fault::Before, Fault::Hang, Fault::Before, Fault::After, Fault::Before]);
    w.brevo.fail_next(&[Fault::Hang, Fault::After, Fault::Before]);
    w.supabase.fail_next(&[Fault::Before, Fault::Hang, Fault::After, Fault::Before, Fault::After, Fault::Hang]);
    let service = connect(&w.db.url).await;
    service.batch_execute("set role service_role").await.unwrap();
    let started: Value = service.query_one("select to_jsonb(erase_member($1))", &[&ines]).await.unwrap().get(0);
    assert_eq!(started["requested_by"], "service_role");
    let edge = w.edge().await;
    let a = &w.admin;
    assert!(eventually(a, &format!("select completed_at is not null from aurora_private.erasures where user_id = '{ines}'"), 60).await,
            "the erasure completes despite the failures");
    assert_eq!(w.stripe.effects(), ["cancel sub_ines", "delete cus_ines"], "each change once");
    assert_eq!(w.brevo.effects(), ["delete contact ines@example.fr"]);
    let mut effects = w.supabase.effects();
    effects.sort();
    let mut expected = vec![format!("ban {ines}"), format!("delete object avatars/{ines}/me.png"),
                            format!("delete object covers/{ines}/jardin.jpg"), format!("delete user {ines}")];
    expected.sort();
    assert_eq!(effects, expected);
    let ready: Value = reqwest::get(format!("{}/ready", edge.base)).await.unwrap().json().await.unwrap();
    assert_eq!(ready["erasures"], json!({ "running": 0, "oldest_running_seconds": 0.0, "failing_steps": 0 }), "{ready}");
    let retried: i64 = a.query_one("select count(*) from aurora_private.erasure_steps where user_id = $1 and attempts > 1 and last_error is not null",
                                   &[&ines]).await.unwrap().get(0);
    assert!(retried >= 3, "the failures were retried and recorded ({retried} steps)");
    edge.stop().await;
    w.db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_edge_killed_mid_erasure_leaves_it_to_the_next_one() {
    let w = World::new().await;
    let (ines, _) = w.member("ines", NAME).await;
    // Stripe hangs: the first edge is inside the Stripe step when it dies
    w.stripe.fail_next(&[Fault::Hang]);
    let vars = w.vars();
    let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut env = edge_env(&w.db, &refs).await;
    env.insert("AURORA_THIRD_PARTY_TIMEOUT_MS".into(), "20000".into());
    env.insert("BREVO_TIMEOUT_MS".into(), "1000".into());
    env.insert("AURORA_EMAIL_LEASE_SECONDS".into(), "3".into());
    let mut first = spawn_edge_process(&env, &[]);
    let service = connect(&w.db.url).await;
    service.batch_execute("set role service_role").await.unwrap();
    service.execute("select to_jsonb(erase_member($1))", &[&ines]).await.unwrap();
    let a = &w.admin;
    assert!(eventually(a, "select count(*) = 1 from aurora_private.erasure_steps where step = 'stripe' and status = 'running'", 20).await);
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(w.stripe.effects().is_empty(), "the first edge died before Stripe acted");
    let edge = w.edge().await;
    assert!(eventually(a, &format!("select completed_at is not null from aurora_private.erasures where user_id = '{ines}'"), 60).await,
            "a new edge finishes it once the lease runs out");
    assert_eq!(w.stripe.effects(), ["cancel sub_ines", "delete cus_ines"]);
    edge.stop().await;
    w.db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn parallel_requests_start_one_erasure() {
    let w = World::new().await;
    let (ines, _) = w.member("ines", NAME).await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let url = w.db.url.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = connect(&url).await;
            let tx = c.transaction().await.unwrap();
            if i % 3 == 0 {
                tx.batch_execute("set local role service_role").await.unwrap();
                let v: Value = tx.query_one("select to_jsonb(erase_member($1))", &[&ines]).await.unwrap().get(0);
                tx.commit().await.unwrap();
                v
            } else {
                tx.batch_execute("set local role authenticated").await.unwrap();
                let claims = json!({ "sub": ines.to_string(), "role": "authenticated" }).to_string();
                tx.execute("select set_config('request.jwt.claims', $1, true)", &[&claims]).await.unwrap();
                let v: Value = tx.query_one("select to_jsonb(delete_my_account())", &[]).await.unwrap().get(0);
                tx.commit().await.unwrap();
                v
            }
        }));
    }
    let mut started = 0;
    for t in tasks {
        if t.await.unwrap()["started"] == true {
            started += 1;
        }
    }
    assert_eq!(started, 1, "exactly one request starts it; the others get its state");
    let a = &w.admin;
    let (jobs, steps): (i64, i64) = {
        let r = a.query_one("select (select count(*) from aurora_private.erasures), (select count(*) from aurora_private.erasure_steps)", &[])
            .await.unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!((jobs, steps), (1, 5));
    w.db.drop().await;
}
