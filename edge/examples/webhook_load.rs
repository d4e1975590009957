//! Load generator for the Stripe webhook route: every request is a Stripe event signed the
//! documented way at send time (a fixed-request tool like oha or wrk cannot sign each
//! request). `unique`: distinct events (the ledger records each and applies it);
//! `duplicate`: one event redelivered, the same body each time, which the ledger holds as
//! final (answered `duplicate` without taking the customer's lock). Prints requests/s and
//! latency percentiles.
//! Usage: webhook_load URL SECRET CONCURRENCY SECONDS unique|duplicate
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 6 {
        eprintln!("usage: webhook_load URL SECRET CONCURRENCY SECONDS unique|duplicate");
        std::process::exit(2);
    }
    let (url, secret) = (args[1].clone(), args[2].clone());
    let concurrency: usize = args[3].parse().expect("concurrency");
    let seconds: u64 = args[4].parse().expect("seconds");
    let unique = args[5] == "unique";
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().unwrap();
    let counter = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let run_id = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, secret, counter, failures) =
            (client.clone(), url.clone(), secret.clone(), counter.clone(), failures.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                // a duplicate is the redelivery of one event the ledger holds as final (a type
                // aurora records and ignores): the same body every time
                let (id, n) = if unique { (format!("evt_bench_{run_id}_{n}"), n) } else { (format!("evt_bench_{run_id}_dup"), 0) };
                let body = if !unique {
                    format!(r#"{{"id":"{id}","object":"event","type":"customer.updated","created":1700000000,"livemode":false,"data":{{"object":{{"id":"cus_bench_dup","object":"customer"}}}}}}"#)
                } else { format!(
                    r#"{{"id":"{id}","object":"event","type":"customer.subscription.updated","created":{},"livemode":false,"data":{{"object":{{"id":"sub_bench_{}","object":"subscription","customer":"cus_bench_{}","status":"active","items":{{"data":[{{"price":{{"id":"price_m","unit_amount":4700,"currency":"eur","recurring":{{"interval":"month"}}}}}}]}}}}}}}}"#,
                    1_700_000_000 + n, n % 1000, n % 1000
                ) };
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
                let signature = aurora_edge::stripe::sign(body.as_bytes(), &secret, now);
                let started = Instant::now();
                let ok = client
                    .post(&url)
                    .header("stripe-signature", signature)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .map(|r| r.status().is_success())
                    .unwrap_or(false);
                latencies.push(started.elapsed());
                if !ok {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
            }
            latencies
        }));
    }
    let started = Instant::now();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64().max(seconds as f64);
    all.sort();
    let pct = |p: f64| all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1))).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0);
    println!(
        "requests {} failures {} rps {:.0} p50_ms {:.2} p99_ms {:.2}",
        all.len(),
        failures.load(Ordering::Relaxed),
        all.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99)
    );
}
