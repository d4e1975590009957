//! PostgreSQL clusters of a test's own (TLS-only servers, a primary and its hot standby),
//! beside the shared test cluster: initdb'd in a temporary directory, run as `postgres` on
//! a free loopback port, stopped and removed on drop.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

pub struct Cluster {
    /// Holds the data directory, the socket, the log and any file a test puts there.
    pub dir: PathBuf,
    pub port: u16,
    data: PathBuf,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.pg_ctl(&["-m", "immediate", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Runs `program` (from PostgreSQL's bin directory unless absolute) as `postgres`.
pub fn as_postgres(program: &str, args: &[&str]) -> Output {
    let program = if program.starts_with('/') { program.to_string() } else { format!("{PG_BIN}/{program}") };
    Command::new("runuser").args(["-u", "postgres", "--", &program]).args(args).output().unwrap()
}

fn check(what: &str, out: Output) {
    assert!(out.status.success(), "{what}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

impl Cluster {
    /// A directory for a cluster (files may be put there before `initdb`).
    pub fn prepare(name: &str) -> Cluster {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("aurora-{name}-{port}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let data = dir.join("data");
        Cluster { dir, port, data }
    }

    pub fn file(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    pub fn data(&self) -> String {
        self.data.display().to_string()
    }

    fn own(&self) {
        Command::new("chown").args(["-R", "postgres:postgres"]).arg(&self.dir).status().unwrap();
    }

    /// initdb (trust), with `hba` as pg_hba.conf.
    pub fn initdb(&self, hba: &str) {
        self.own();
        check("initdb", as_postgres("initdb", &["-D", &self.data(), "-U", "postgres", "-A", "trust", "--no-sync"]));
        std::fs::write(self.data.join("pg_hba.conf"), hba).unwrap();
    }

    /// A copy of `primary` that follows it (pg_basebackup -R: a hot standby once started).
    pub fn standby_of(&self, primary: &Cluster) {
        self.own();
        check(
            "pg_basebackup",
            as_postgres("pg_basebackup", &["-h", "127.0.0.1", "-p", &primary.port.to_string(), "-U", "postgres",
                                           "-D", &self.data(), "-R", "-X", "stream", "--no-sync",
                                           "--checkpoint=fast"]),
        );
    }

    /// A base backup of `primary` as this cluster's data directory (for a point-in-time
    /// recovery: WAL comes from the archive).
    pub fn base_backup_of(&self, primary: &Cluster) {
        self.own();
        check(
            "pg_basebackup",
            as_postgres("pg_basebackup", &["-h", "127.0.0.1", "-p", &primary.port.to_string(), "-U", "postgres",
                                           "-D", &self.data(), "-X", "none", "--no-sync", "--checkpoint=fast"]),
        );
    }

    /// Starts the server with `settings` (`-c name=value` each) on its port and socket.
    pub fn start(&self, settings: &[&str]) {
        self.own();
        let mut opts = format!("-p {} -k {} -c listen_addresses=localhost", self.port, self.dir.display());
        for s in settings {
            opts.push_str(" -c ");
            opts.push_str(s);
        }
        let out = self.pg_ctl(&["-o", &opts, "-l", &self.file("log"), "-w", "-t", "60", "start"]);
        assert!(out.status.success(), "pg_ctl start: {}\n{}", String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(self.file("log")).unwrap_or_default());
    }

    pub fn pg_ctl(&self, args: &[&str]) -> Output {
        let mut all = vec!["-D", self.data.to_str().unwrap()];
        all.extend_from_slice(args);
        as_postgres("pg_ctl", &all)
    }

    /// psql as postgres over the socket, stopping at the first error.
    pub fn psql(&self, db: &str, args: &[&str]) {
        let mut all = vec!["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.dir.to_str().unwrap()];
        let port = self.port.to_string();
        all.extend_from_slice(&["-p", &port, "-d", db]);
        all.extend_from_slice(args);
        check(&format!("psql {args:?}"), as_postgres("psql", &all));
    }

    /// A database with the Supabase environment and aurora in it.
    pub fn aurora_database(&self, db: &str) {
        check("createdb", as_postgres("createdb", &["-h", self.dir.to_str().unwrap(), "-p", &self.port.to_string(), db]));
        let env = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../sql/supabase_env.sql")).unwrap();
        std::fs::write(self.dir.join("supabase_env.sql"), env).unwrap();
        self.own();
        self.psql(db, &["-c", "set client_min_messages = warning", "-f", &self.file("supabase_env.sql")]);
        self.psql(db, &["-c", "create extension aurora"]);
    }

    /// `postgres://postgres@localhost:<port>/<db>`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@localhost:{}/{db}", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.file("log")).unwrap_or_default()
    }
}

/// Runs openssl in `dir`.
pub fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").current_dir(dir).args(args).output().unwrap();
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}
