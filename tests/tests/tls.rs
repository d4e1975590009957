//! TLS from the edge to PostgreSQL: a cluster of its own that accepts TLS connections only
//! (`ssl = on`, pg_hba `hostssl` and nothing else on TCP), a CA made here, the edge with
//! each sslmode: what connects, what is refused, and that its connections are encrypted.
use aurora_edge::stripe::sign;
use aurora_it::cluster::{openssl, Cluster};
use aurora_it::{Edge, TestDb};
use serde_json::json;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// A CA, a server certificate it signs for `localhost` only (no IP address in it), and
/// another CA that signed nothing here.
fn certificates(dir: &Path) {
    for ca in ["ca", "other-ca"] {
        openssl(dir, &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", &format!("/CN=aurora test {ca}"),
                       "-keyout", &format!("{ca}.key"), "-out", &format!("{ca}.crt")]);
    }
    openssl(dir, &["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"]);
    std::fs::write(dir.join("san.ext"), "subjectAltName=DNS:localhost\n").unwrap();
    openssl(dir, &["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
                   "-extfile", "san.ext", "-out", "server.crt"]);
}

/// A cluster that takes TCP connections with TLS only (the socket, for setup, trusted).
fn tls_cluster() -> Cluster {
    let cluster = Cluster::prepare("tls");
    certificates(&cluster.dir);
    cluster.initdb("local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n");
    Command::new("chmod").args(["0600", &cluster.file("server.key")]).status().unwrap();
    let cert = format!("ssl_cert_file={}", cluster.file("server.crt"));
    let key = format!("ssl_key_file={}", cluster.file("server.key"));
    cluster.start(&["ssl=on", &cert, &key, "fsync=off"]);
    cluster.aurora_database("aurora_tls");
    cluster
}

async fn ready(db: &TestDb, url: &str) -> u16 {
    let edge = Edge::spawn(db, &[("DATABASE_URL", url), ("AURORA_EMAIL_WORKER", "false"), ("AURORA_READY_TIMEOUT_MS", "1500")]).await;
    let status = reqwest::get(format!("{}/ready", edge.base)).await.unwrap().status().as_u16();
    edge.stop().await;
    status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_edge_reaches_a_tls_only_server_and_checks_it_as_sslmode_says() {
    let cluster = tls_cluster();
    let db = TestDb::new().await; // only for the helpers' edge role; the edges below use the TLS cluster
    let port = cluster.port;
    let ca = cluster.file("ca.crt");
    let other = cluster.file("other-ca.crt");
    let url = |host: &str, query: &str| format!("postgres://postgres@{host}:{port}/aurora_tls?{query}");

    // verify-full: encrypted, the chain and the name checked; webhooks go through
    let full = url("localhost", &format!("sslmode=verify-full&sslrootcert={ca}"));
    let edge = Edge::spawn(&db, &[("DATABASE_URL", full.as_str()), ("AURORA_EMAIL_WORKER", "false")]).await;
    let http = reqwest::Client::new();
    assert_eq!(http.get(format!("{}/ready", edge.base)).send().await.unwrap().status(), 200);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let body = json!({ "id": "evt_tls_1", "object": "event", "type": "customer.created", "created": now, "livemode": false,
                       "data": { "object": { "id": "cus_tls", "object": "customer" } } }).to_string();
    let r = http.post(format!("{}/api/webhooks/stripe", edge.base))
        .header("stripe-signature", sign(body.as_bytes(), "whsec_aurora_it", now)).body(body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // the server says the edge's connections are encrypted
    let (client, conn) = full_client(&full).await;
    let encrypted: bool = client
        .query_one("select bool_and(s.ssl) and count(*) > 0 from pg_stat_ssl s join pg_stat_activity a using (pid)
                     where a.application_name = 'aurora-edge'", &[])
        .await.unwrap().get(0);
    assert!(encrypted, "every connection of the edge is TLS");
    let stored: i64 = client.query_one("select count(*) from stripe_events where id = 'evt_tls_1'", &[]).await.unwrap().get(0);
    assert_eq!(stored, 1);
    drop(client);
    conn.abort();
    edge.stop().await;

    // what each mode accepts and refuses
    assert_eq!(ready(&db, &url("localhost", "sslmode=disable")).await, 503, "a plain connection is refused (hostssl only)");
    assert_eq!(ready(&db, &url("localhost", "sslmode=require")).await, 200, "require: encrypted, not checked");
    assert_eq!(ready(&db, &url("localhost", "")).await, 200, "prefer (libpq's default) uses TLS when offered");
    assert_eq!(ready(&db, &url("127.0.0.1", &format!("sslmode=verify-full&sslrootcert={ca}"))).await, 503,
               "verify-full refuses a certificate not issued for the host connected to");
    assert_eq!(ready(&db, &url("127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={ca}"))).await, 200,
               "verify-ca checks the chain only");
    assert_eq!(ready(&db, &url("localhost", &format!("sslmode=verify-ca&sslrootcert={other}"))).await, 503,
               "a server whose certificate another CA signed is refused");
    assert_eq!(ready(&db, &url("localhost", &format!("sslmode=require&sslrootcert={other}"))).await, 503,
               "require with a root file checks the chain, as libpq does");
    db.drop().await;
    drop(cluster);
}

async fn full_client(url: &str) -> (tokio_postgres::Client, tokio::task::JoinHandle<()>) {
    let target = aurora_edge::tls::DbTarget::parse(url, None, None).unwrap();
    let (client, connection) = target.pg.connect(target.connector()).await.unwrap();
    let handle = tokio::spawn(async move {
        let _ = connection.await;
    });
    tokio::time::sleep(Duration::from_millis(10)).await;
    (client, handle)
}
