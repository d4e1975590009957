//! A primary and its hot standby (streaming replication, synchronous commit), clusters of
//! this test's own: the standby serves reads and refuses writes with 25006; the edge
//! connected to it says it is not ready; then the primary dies with webhooks and emails
//! flowing, the standby is promoted (what pg_auto_failover does; scripts/failover-drill.sh
//! runs the same with pg_auto_failover itself), and the edge — never restarted — follows
//! through its multi-host URL: no acknowledged webhook is lost, every email goes out under
//! its key, and the presence worker sweeps on the promoted node.
use aurora_edge::stripe::sign;
use aurora_it::cluster::Cluster;
use aurora_it::{eventually, Edge, TestDb};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_postgres::{Client, NoTls};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const HBA: &str = "local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n\
                   host replication all 127.0.0.1/32 trust\nhost replication all ::1/128 trust\n";
const INES: &str = "11111111-1111-4111-8111-111111111111";

async fn connect(url: &str) -> Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await.unwrap_or_else(|e| panic!("{url}: {e}"));
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Runs `sql` as Inès the PostgREST way; the SQLSTATE when it fails.
async fn as_ines(c: &mut Client, sql: &str) -> Result<(), String> {
    let tx = c.transaction().await.unwrap();
    tx.batch_execute("set local role authenticated").await.unwrap();
    tx.execute("select set_config('request.jwt.claims', $1, true)",
               &[&json!({ "sub": INES, "role": "authenticated" }).to_string()]).await.unwrap();
    let r = tx.batch_execute(sql).await.map_err(|e| e.code().map(|c| c.code().to_string()).unwrap_or(e.to_string()));
    let _ = tx.rollback().await;
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_standby_reads_refuses_writes_and_takes_over_without_losing_an_acknowledged_event() {
    let t0 = Instant::now();
    let phase = |what: &str| println!("standby test: {what} at {:.1} s", t0.elapsed().as_secs_f64());
    let worker = ["shared_preload_libraries=aurora", "aurora.presence_sweep_interval=1", "aurora.presence_sweep_database=aurora_ha"];
    let primary = Cluster::prepare("primary");
    primary.initdb(HBA);
    primary.start(&[worker[0], worker[1], worker[2], "fsync=off"]);
    primary.aurora_database("aurora_ha");
    primary.psql("aurora_ha", &["-c", &format!(
        "insert into auth.users (id, email, email_confirmed_at) values ('{INES}', 'ines@example.fr', now());
         insert into salons (id, name, owner_id) values ('aaaaaaaa-0001-4000-8000-000000000001', 'Lectrices', '{INES}');
         insert into chat_messages (salon_id, user_id, content) values ('aaaaaaaa-0001-4000-8000-000000000001', '{INES}', 'Bonjour');
")]);
    phase("primary ready");
    let standby = Cluster::prepare("standby");
    standby.standby_of(&primary);
    standby.start(&[worker[0], worker[1], worker[2], "hot_standby=on", "fsync=off"]);
    // commits wait for the standby: what is acknowledged is on both
    primary.psql("postgres", &["-c", "alter system set synchronous_standby_names = '*'", "-c", "select pg_reload_conf()"]);
    let p = connect(&primary.url("aurora_ha")).await;
    assert!(eventually(&p, "select exists (select from pg_stat_replication where sync_state = 'sync')", 30).await);

    phase("standby in sync");
    // the standby: reads answer, writes are 25006 (not XX000), the worker is not running
    let mut s = connect(&standby.url("aurora_ha")).await;
    for read in ["select get_leaderboard(10)", "select to_jsonb(export_my_data())", "select * from my_profile()",
                 "select get_all_message_reactions_batch(array(select id from chat_messages))",
                 "select user_is_salon_member('aaaaaaaa-0001-4000-8000-000000000001', null)"] {
        assert_eq!(as_ines(&mut s, read).await, Ok(()), "{read} on the standby");
    }
    for write in ["select to_jsonb(toggle_message_reaction((select min(id) from chat_messages), '❤️'))",
                  "select to_jsonb(rpc_set_manual_status('away'))", "select to_jsonb(start_trial())"] {
        assert_eq!(as_ines(&mut s, write).await, Err("25006".into()), "{write} on the standby");
    }
    let workers: i64 = s.query_one("select count(*) from pg_stat_activity where backend_type = 'aurora presence sweep'", &[])
        .await.unwrap().get(0);
    assert_eq!(workers, 0, "the presence worker waits for the end of recovery");
    let helper = TestDb::new().await; // the shared cluster, for the edge helpers' role only
    let on_standby = Edge::spawn(&helper, &[("DATABASE_URL", &standby.url("aurora_ha")), ("AURORA_EMAIL_WORKER", "false")]).await;
    let r = reqwest::get(format!("{}/ready", on_standby.base)).await.unwrap();
    assert_eq!(r.status(), 503, "an edge connected to a standby is not ready for writes");
    on_standby.stop().await;

    phase("standby checks");
    // the failover, with traffic: 2 webhook senders and the outbox worker
    let brevo = MockServer::start().await;
    Mock::given(method("POST")).and(path("/v3/smtp/email"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "messageId": "<m@brevo>" })))
        .mount(&brevo).await;
    let both = format!("postgres://postgres@localhost:{},localhost:{}/aurora_ha?target_session_attrs=read-write",
                       primary.port, standby.port);
    let edge = Edge::spawn(&helper, &[("DATABASE_URL", both.as_str()), ("AURORA_READY_TIMEOUT_MS", "1000"),
                                      ("BREVO_API_KEY", "k"), ("BREVO_API_URL", &brevo.uri()),
                                      ("BREVO_TEMPLATE_PAYMENT_FAILED", "15"), ("AURORA_EMAIL_POLL_MS", "100"),
                                      ("AURORA_EMAIL_LEASE_SECONDS", "5"), ("BREVO_TIMEOUT_MS", "1000")]).await;
    p.batch_execute("select aurora_private.queue_email('payment-failed', p.id, '{}', 'ha:' || g)
                       from profiles p, generate_series(1, 100) g").await.unwrap();
    let log: Arc<Mutex<Vec<(String, u16, Instant)>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut senders = Vec::new();
    for n in 0..2 {
        let (log, stop, base) = (log.clone(), stop.clone(), edge.base.clone());
        senders.push(tokio::spawn(async move {
            let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                i += 1;
                let id = format!("evt_ha_{n}_{i}");
                let body = json!({ "id": id, "object": "event", "type": "customer.created", "created": now(), "livemode": false,
                                   "data": { "object": { "id": format!("cus_ha_{n}_{i}"), "object": "customer" } } }).to_string();
                let status = match http.post(format!("{base}/api/webhooks/stripe"))
                    .header("stripe-signature", sign(body.as_bytes(), "whsec_aurora_it", now())).body(body).send().await {
                    Ok(r) => r.status().as_u16(),
                    Err(_) => 599,
                };
                log.lock().unwrap().push((id, status, Instant::now()));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    phase("traffic flowing");
    let failed_at = Instant::now();
    assert!(primary.pg_ctl(&["-m", "immediate", "stop"]).status.success(), "the primary dies");
    assert!(standby.pg_ctl(&["promote", "-w"]).status.success(), "the standby is promoted");
    // traffic until the edge has been answering for 3 s again
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let back = log.lock().unwrap().iter().any(|(_, st, at)| *st == 200 && *at > failed_at + Duration::from_millis(100)
                                                     && at.elapsed() > Duration::from_secs(3));
        if back || Instant::now() > deadline {
            break;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for s in senders {
        s.await.unwrap();
    }
    phase("traffic done");
    let log = log.lock().unwrap().clone();
    let acknowledged: Vec<&String> = log.iter().filter(|(_, st, _)| *st == 200).map(|(id, _, _)| id).collect();
    let last_before = log.iter().filter(|(_, st, at)| *st == 200 && *at <= failed_at).map(|(_, _, at)| *at).max().unwrap();
    let first_after = log.iter().filter(|(_, st, at)| *st == 200 && *at > failed_at).map(|(_, _, at)| *at).min()
        .expect("the edge answers again after the failover, without a restart");
    let server_errors = log.iter().filter(|(_, st, _)| *st == 500).count();
    let refused: Vec<Instant> = log.iter().filter(|(_, st, _)| *st != 200).map(|(_, _, at)| *at).collect();
    let window = match (refused.first(), refused.last()) {
        (Some(a), Some(b)) => (*b - *a).as_secs_f64(),
        _ => 0.0,
    };
    println!("failover: {} webhooks sent, {} acknowledged, {} refused (503: Stripe delivers them again) over {:.1} s; \
              {:.1} s from the last 2xx before the kill to the first after; {} answered 500",
             log.len(), acknowledged.len(), refused.len(), window, (first_after - last_before).as_secs_f64(), server_errors);
    assert_eq!(server_errors, 0, "during the failover the edge answers 503 (Stripe retries), never 500");

    let t = Instant::now();
    let n = connect(&standby.url("aurora_ha")).await;
    let ids: Vec<String> = acknowledged.iter().map(|s| s.to_string()).collect();
    let kept: i64 = n.query_one("select count(*) from stripe_events where id = any($1)", &[&ids]).await.unwrap().get(0);
    assert_eq!(kept as usize, ids.len(), "no acknowledged webhook is lost");
    assert!(eventually(&n, "select count(*) = 0 from email_outbox where template = 'payment-failed' and status <> 'sent'", 60).await,
            "every email is sent, from the promoted node");
    let keys: std::collections::BTreeSet<String> = brevo.received_requests().await.unwrap().iter()
        .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
        .filter_map(|b| b["headers"]["idempotencyKey"].as_str().map(str::to_string)).collect();
    let rows: Vec<String> = n.query("select delivery_key::text from email_outbox where template = 'payment-failed'", &[])
        .await.unwrap().iter().map(|r| r.get(0)).collect();
    assert!(rows.iter().all(|k| keys.contains(k)), "every email reached Brevo under its own key (a resend reuses it)");
    assert!(eventually(&n, "select count(*) = 1 from pg_stat_activity where backend_type = 'aurora presence sweep'", 30).await,
            "the presence worker starts on the promoted node");
    n.execute(&format!("update profiles set presence_status = 'online', status = 'online',
                               presence_expires_at = now() - interval '1 minute' where id = '{INES}'"), &[]).await.unwrap();
    assert!(eventually(&n, &format!("select presence_status = 'offline' from profiles where id = '{INES}'"), 30).await,
            "and sweeps there");
    assert_eq!(reqwest::get(format!("{}/ready", edge.base)).await.unwrap().status(), 200);
    println!("after the failover: emails, worker and sweep checked in {:.1} s", t.elapsed().as_secs_f64());
    edge.stop().await;
    helper.drop().await;
}
