//! Helpers for tests that need aurora in a real database: a fresh database per test with
//! the Supabase environment and the extension, and sessions that act as a user the way
//! PostgREST does.
use tokio_postgres::{Client, NoTls};

pub mod cluster;
pub mod fakes;
use uuid::Uuid;

const SUPABASE_ENV: &str = include_str!("../../sql/supabase_env.sql");

/// Admin URL of the test cluster's `postgres` database (scripts/test.sh sets it).
pub fn admin_url() -> String {
    std::env::var("AURORA_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5433/postgres".into())
}

pub async fn connect(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// A database of its own for one test, dropped by `drop().await`.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub async fn new() -> TestDb {
        let name = format!("aurora_it_{}", Uuid::new_v4().simple());
        let admin = connect(&admin_url()).await;
        admin.batch_execute(&format!("create database {name}")).await.unwrap();
        let base = admin_url();
        let url = match base.rfind('/') {
            Some(i) => format!("{}/{name}", &base[..i]),
            None => panic!("AURORA_TEST_DATABASE_URL has no database part: {base}"),
        };
        let db = connect(&url).await;
        db.batch_execute("set client_min_messages = warning").await.unwrap();
        db.batch_execute(SUPABASE_ENV).await.unwrap();
        db.batch_execute("create extension aurora").await.unwrap();
        TestDb { name, url }
    }

    pub async fn admin(&self) -> Client {
        connect(&self.url).await
    }

    pub async fn drop(self) {
        let admin = connect(&admin_url()).await;
        admin
            .batch_execute(&format!("drop database if exists {} with (force)", self.name))
            .await
            .unwrap();
    }
}

/// Creates a confirmed user (the auth.users triggers make her profile, her welcome email
/// and her first contact sync) and returns her id.
pub async fn create_user(admin: &Client, email: &str) -> Uuid {
    let row = admin
        .query_one(
            "insert into auth.users (id, aud, role, email, email_confirmed_at)
             values (gen_random_uuid(), 'authenticated', 'authenticated', $1, now()) returning id",
            &[&email],
        )
        .await
        .unwrap();
    row.get(0)
}

/// Runs `sql` with `params` as user `uid`, in a transaction, the PostgREST way.
pub async fn as_user(
    client: &mut Client,
    uid: Uuid,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<u64, tokio_postgres::Error> {
    let tx = client.transaction().await?;
    tx.batch_execute("set local role authenticated").await?;
    let claims = serde_json::json!({ "sub": uid.to_string(), "role": "authenticated" }).to_string();
    tx.execute("select set_config('request.jwt.claims', $1, true)", &[&claims]).await?;
    let n = tx.execute(sql, params).await?;
    tx.commit().await?;
    Ok(n)
}

/// The JWT secret the test edges verify members' tokens with.
pub const JWT_SECRET: &str = "super-secret-jwt-token-with-at-least-32-characters";

/// The configuration of a test edge for `db` (its variables, as the process would get them
/// from its environment): connected as a non-superuser login role inside `aurora_edge`.
pub async fn edge_env(db: &TestDb, vars: &[(&str, &str)]) -> std::collections::HashMap<String, String> {
    let admin = connect(&admin_url()).await;
    admin
        .batch_execute(
            "do $$ begin
                 if not exists (select from pg_roles where rolname = 'aurora_edge_it') then
                     create role aurora_edge_it login in role aurora_edge;
                 end if;
             exception when duplicate_object or unique_violation then null;
             end $$",
        )
        .await
        .unwrap();
    let url = db.url.replacen("postgres://postgres@", "postgres://aurora_edge_it@", 1);
    let mut map: std::collections::HashMap<String, String> = [
        ("DATABASE_URL", url.as_str()),
        ("AURORA_EDGE_ADDR", "127.0.0.1:0"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_aurora_it"),
        ("AURORA_EMAIL_POLL_MS", "50"),
        ("NEXT_PUBLIC_SUPABASE_URL", "http://127.0.0.1:9"),
        ("NEXT_PUBLIC_SUPABASE_ANON_KEY", "anon-key-it"),
        ("SUPABASE_JWT_SECRET", JWT_SECRET),
        // every test client is 127.0.0.1: rate limits and connection caps have their own tests
        ("AURORA_AUTH_RATE_BURST", "100000"),
        ("AURORA_MAX_CONNECTIONS_PER_IP", "100000"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in vars {
        map.insert(k.to_string(), v.to_string());
    }
    map
}

/// The edge, started on port 0 against `db`, connected as a non-superuser login role
/// inside `aurora_edge` (as in production). `vars` adds or overrides configuration.
pub struct Edge {
    pub base: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Edge {
    pub async fn spawn(db: &TestDb, vars: &[(&str, &str)]) -> Edge {
        let map = edge_env(db, vars).await;
        let config = aurora_edge::config::Config::from_lookup(|k| map.get(k).cloned()).expect("test config");
        let app = aurora_edge::App::build(config).await.expect("edge starts");
        let base = format!("http://{}", app.local_addr());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(app.serve(async {
            let _ = rx.await;
        }));
        Edge { base, shutdown: Some(tx), handle }
    }

    /// Graceful shutdown: returns once requests and the email batch in flight are done.
    pub async fn stop(mut self) {
        let _ = self.shutdown.take().map(|tx| tx.send(()));
        (&mut self.handle).await.unwrap().unwrap();
    }
}

/// Polls `sql` (one boolean) until true or `secs` pass; returns the last answer.
pub async fn eventually(db: &Client, sql: &str, secs: u64) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let ok: bool = db.query_one(sql, &[]).await.unwrap().get(0);
        if ok || std::time::Instant::now() > deadline {
            return ok;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The edge binary beside this test's own (cargo builds the workspace's binaries into the
/// same target directory).
pub fn edge_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let bin = dir.join("aurora-edge");
    assert!(bin.exists(), "build the edge first (cargo test --bins builds it): {}", bin.display());
    bin
}

/// The edge binary as a process of its own (to kill it, or limit its descriptors), with
/// `env` as its whole environment; `wrapper` runs it (e.g. `prlimit --nofile=…`).
pub fn spawn_edge_process(env: &std::collections::HashMap<String, String>, wrapper: &[&str]) -> std::process::Child {
    let bin = edge_binary();
    let mut command = match wrapper.split_first() {
        Some((program, args)) => {
            let mut c = std::process::Command::new(program);
            c.args(args).arg(&bin);
            c
        }
        None => std::process::Command::new(&bin),
    };
    command
        .env_clear()
        .envs(env)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the edge binary starts")
}
