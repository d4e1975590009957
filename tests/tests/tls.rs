//! TLS from the edge to PostgreSQL: a cluster of its own that accepts TLS connections only
//! (`ssl = on`, pg_hba `hostssl` and nothing else on TCP), a CA made here, the edge with
//! each sslmode: what connects, what is refused, and that its connections are encrypted.
use aurora_edge::stripe::sign;
use aurora_it::{Edge, TestDb};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

struct TlsCluster {
    dir: PathBuf,
    port: u16,
}

impl Drop for TlsCluster {
    fn drop(&mut self) {
        let _ = as_postgres(&format!("{PG_BIN}/pg_ctl"), &["-D", &self.data(), "-m", "immediate", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl TlsCluster {
    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }
    fn file(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
    fn psql(&self, sql: &str) {
        let out = Command::new("runuser")
            .args(["-u", "postgres", "--", &format!("{PG_BIN}/psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                   "-h", &self.dir.display().to_string(), "-p", &self.port.to_string(), "-d", "aurora_tls", "-c", sql])
            .output()
            .unwrap();
        assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

fn as_postgres(program: &str, args: &[&str]) -> std::process::Output {
    Command::new("runuser").args(["-u", "postgres", "--", program]).args(args).output().unwrap()
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").current_dir(dir).args(args).output().unwrap();
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

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

fn tls_cluster() -> TlsCluster {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = std::env::temp_dir().join(format!("aurora-tls-{port}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    certificates(&dir);
    Command::new("chown").args(["-R", "postgres:postgres"]).arg(&dir).status().unwrap();
    Command::new("chmod").args(["0600"]).arg(dir.join("server.key")).status().unwrap();
    // the CA must be readable by the tests (root) and the server key by postgres only
    let cluster = TlsCluster { dir, port };
    let out = as_postgres(&format!("{PG_BIN}/initdb"), &["-D", &cluster.data(), "-U", "postgres", "-A", "trust", "--no-sync"]);
    assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
    // TCP only with TLS; the unix socket (for this test's own setup) trusted
    std::fs::write(
        cluster.dir.join("data/pg_hba.conf"),
        "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n",
    )
    .unwrap();
    let opts = format!(
        "-p {port} -k {sock} -c listen_addresses=localhost -c ssl=on -c ssl_cert_file={cert} -c ssl_key_file={key} -c fsync=off",
        sock = cluster.dir.display(),
        cert = cluster.file("server.crt"),
        key = cluster.file("server.key"),
    );
    let out = as_postgres(&format!("{PG_BIN}/pg_ctl"), &["-D", &cluster.data(), "-o", &opts, "-l", &cluster.file("log"), "-w", "start"]);
    assert!(out.status.success(), "pg_ctl start: {} {}", String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(cluster.file("log")).unwrap_or_default());
    let out = as_postgres(&format!("{PG_BIN}/createdb"), &["-h", &cluster.dir.display().to_string(), "-p", &port.to_string(), "aurora_tls"]);
    assert!(out.status.success(), "createdb: {}", String::from_utf8_lossy(&out.stderr));
    let env = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../sql/supabase_env.sql")).unwrap();
    std::fs::write(cluster.dir.join("env.sql"), env).unwrap();
    let out = Command::new("runuser")
        .args(["-u", "postgres", "--", &format!("{PG_BIN}/psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
               "-h", &cluster.dir.display().to_string(), "-p", &port.to_string(), "-d", "aurora_tls", "-f", &cluster.file("env.sql")])
        .output()
        .unwrap();
    assert!(out.status.success(), "supabase_env: {}", String::from_utf8_lossy(&out.stderr));
    cluster.psql("create extension aurora");
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
