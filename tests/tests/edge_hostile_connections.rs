//! The edge under a slowloris-style client: a thousand connections that never finish their
//! headers, from one address, never take it offline for anyone else; unfinished and idle
//! connections are closed after the header timeout; refusals are a 503 and counted.
use aurora_it::TestDb;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// A connection from `from` (another loopback address is another client to the edge).
async fn connect_from(from: &str, to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(format!("{from}:0").parse().unwrap())?;
    socket.connect(to).await
}

/// Reads until the peer closes (Ok(bytes read)) or `within` passes (Err).
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Result<Vec<u8>, ()> {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Ok(got),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return Err(()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slowloris_client_never_takes_the_edge_offline() {
    let db = TestDb::new().await;
    let edge = aurora_it::Edge::spawn(&db, &[("AURORA_EMAIL_WORKER", "false"), ("AURORA_HEADER_TIMEOUT_MS", "3000"),
                                            ("AURORA_MAX_CONNECTIONS", "400"), ("AURORA_MAX_CONNECTIONS_PER_IP", "50")])
        .await;
    let addr: SocketAddr = edge.base.trim_start_matches("http://").parse().unwrap();

    // 1,000 half-sent requests from one client (127.0.0.2), held open
    let t0 = Instant::now();
    let mut attackers = Vec::new();
    for _ in 0..1000 {
        let mut s = connect_from("127.0.0.2", addr).await.expect("connect");
        let _ = s.write_all(b"GET /health HTTP/1.1\r\nHost: aurora\r\nX-Slow: ").await;
        attackers.push(s);
    }
    // the attacker got its share (50) and a 503 for the rest, at once
    let classified = futures_util::future::join_all(attackers.into_iter().map(|mut s| async move {
        match closed_within(&mut s, Duration::from_millis(500)).await {
            Ok(bytes) => Err(bytes),
            Err(()) => Ok(s),
        }
    }))
    .await;
    let mut held = Vec::new();
    let mut refused = 0;
    for c in classified {
        match c {
            Ok(s) => held.push(s),
            Err(bytes) => {
                assert!(bytes.starts_with(b"HTTP/1.1 503"), "a refused connection is told why: {:?}", String::from_utf8_lossy(&bytes));
                refused += 1;
            }
        }
    }
    assert_eq!(held.len(), 50, "one address holds at most its share; {refused} refused");
    // everyone else is served meanwhile (127.0.0.1), while the attacker holds its share
    let client = reqwest::Client::builder().timeout(Duration::from_secs(3)).build().unwrap();
    for i in 0..20 {
        let r = client.get(format!("{}/health", edge.base)).send().await;
        assert!(matches!(&r, Ok(r) if r.status() == 200), "request {i} during the attack: {r:?}");
    }
    assert!(t0.elapsed() < Duration::from_millis(3000), "(the checks above ran while the attack held: {:?})", t0.elapsed());
    // and the unfinished requests are closed once the header timeout passes
    let closed = futures_util::future::join_all(held.into_iter().map(|mut s| async move {
        closed_within(&mut s, Duration::from_millis(3000 + 2000).saturating_sub(t0.elapsed())).await.is_ok()
    }))
    .await;
    assert!(closed.iter().all(|c| *c), "an unfinished request is closed after the header timeout");

    // an idle keep-alive connection is closed after the same time
    let mut idle = connect_from("127.0.0.3", addr).await.unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: aurora\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 512];
    let n = idle.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buf[..n]));
    let started = Instant::now();
    assert!(closed_within(&mut idle, Duration::from_secs(6)).await.is_ok(), "an idle keep-alive connection is closed");
    assert!(started.elapsed() >= Duration::from_millis(2500), "but not before the timeout: {:?}", started.elapsed());

    let metrics = client.get(format!("{}/metrics", edge.base)).send().await.unwrap().text().await.unwrap();
    let refused_metric = metrics
        .lines()
        .find(|l| l.starts_with("aurora_connections_refused_total"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0);
    assert!(refused_metric >= 950.0, "refusals are counted: {refused_metric}");
    edge.stop().await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn more_half_open_connections_than_the_edge_has_descriptors_do_not_take_it_down() {
    let db = TestDb::new().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let env = aurora_it::edge_env(&db, &[("AURORA_EMAIL_WORKER", "false"), ("AURORA_EDGE_ADDR", &addr.to_string()),
                                         ("AURORA_HEADER_TIMEOUT_MS", "3000"), ("AURORA_MAX_CONNECTIONS_PER_IP", "64")])
        .await;
    // a real edge process that may open 256 descriptors at most (soft and hard)
    let mut edge = aurora_it::spawn_edge_process(&env, &["prlimit", "--nofile=256:256"]);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(3)).build().unwrap();
    let health = format!("http://{addr}/health");
    let t0 = Instant::now();
    while client.get(&health).send().await.is_err() {
        assert!(t0.elapsed() < Duration::from_secs(20), "the edge never came up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // 1,000 half-sent requests, four times what the process may hold
    let mut attackers = Vec::new();
    for _ in 0..1000 {
        if let Ok(mut s) = connect_from("127.0.0.2", addr).await {
            let _ = s.write_all(b"GET /health HTTP/1.1\r\nHost: aurora\r\nX-Slow: ").await;
            attackers.push(s);
        }
    }
    for i in 0..20 {
        let r = client.get(&health).send().await;
        assert!(matches!(&r, Ok(r) if r.status() == 200), "request {i} with 1,000 half-open connections: {r:?}");
    }
    assert!(edge.try_wait().unwrap().is_none(), "the edge is still running");
    drop(attackers);
    edge.kill().unwrap();
    edge.wait().unwrap();
    db.drop().await;
}
