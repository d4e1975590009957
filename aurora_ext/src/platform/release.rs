//! Releases: the version of aurora's SQL this library was built for, and the guard that
//! keeps it from running against another release's objects.
//!
//! Installing a new release puts a new library on disk while the database still holds the
//! previous release's functions, tables and policies until `alter extension aurora update`
//! runs. In that window the new code must not run against the old objects: every SPI
//! statement of the library (platform/spi.rs) first checks that the installed extension is
//! the library's own version, and otherwise refuses with SQLSTATE 55000 and the command
//! that fixes it. The answer is kept per backend until a function changes in this database
//! (an update always replaces some), so the check costs one catalogue read per backend and
//! update, not one per call. The presence worker checks before each run (worker.rs).
use crate::platform::error::raise;
use pgrx::prelude::*;
use pgrx::spi::SpiClient;
use std::cell::Cell;

/// The extension version this library implements (the crate's version, which is also
/// `default_version` in aurora.control).
pub const LIBRARY_VERSION: &str = env!("CARGO_PKG_VERSION");

thread_local! {
    /// The installed extension was seen to be LIBRARY_VERSION since the last invalidation.
    static MATCHED: Cell<bool> = const { Cell::new(false) };
    static CALLBACK_REGISTERED: Cell<bool> = const { Cell::new(false) };
}

pub const INSTALLED_VERSION_SQL: &str =
    "select extversion from pg_catalog.pg_extension where extname = 'aurora'";

/// What this database holds, compared with the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installed {
    /// aurora at the library's own release.
    ThisRelease,
    /// aurora at another release (the update has not run yet).
    OtherRelease(String),
    /// no aurora (being created or dropped, or another database).
    Absent,
}

impl Installed {
    fn from_version(version: Option<String>) -> Installed {
        match version {
            Some(v) if v == LIBRARY_VERSION => Installed::ThisRelease,
            Some(v) => Installed::OtherRelease(v),
            None => Installed::Absent,
        }
    }

    /// For callers outside SPI (the presence worker, in its own transaction).
    pub fn read() -> Installed {
        // a read (`select`): no transaction id, so it also runs on a hot standby
        Installed::from_version(
            Spi::connect(|c| c.select(INSTALLED_VERSION_SQL, Some(1), &[]).and_then(|t| t.first().get_one::<String>()))
                .ok()
                .flatten(),
        )
    }
}

/// Refuses (55000) when this database holds another release of aurora than the library's.
pub fn ensure_installed_matches(client: &mut SpiClient<'_>) {
    if MATCHED.get() {
        return;
    }
    let version = client
        .select(INSTALLED_VERSION_SQL, Some(1), &[])
        .ok()
        .and_then(|t| if t.is_empty() { None } else { t.first().get::<String>(1).ok().flatten() });
    match Installed::from_version(version) {
        Installed::ThisRelease => remember_match(),
        Installed::OtherRelease(v) => raise(
            PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            format!("aurora's library is release {LIBRARY_VERSION}, but this database holds aurora {v}"),
            Some(format!(
                "The files of aurora {LIBRARY_VERSION} are installed on the server; the database has not been updated yet."
            )),
            Some("Run ALTER EXTENSION aurora UPDATE; in this database (as its owner), then retry."),
        ),
        // not installed (being created or dropped): nothing to compare with
        Installed::Absent => {}
    }
}

fn remember_match() {
    if !CALLBACK_REGISTERED.get() {
        // SAFETY: registers a plain function for this backend's lifetime; it only writes a
        // thread-local flag. Called at most once per backend (the callback table is small).
        unsafe {
            pg_sys::CacheRegisterSyscacheCallback(
                pg_sys::SysCacheIdentifier::PROCOID as i32,
                Some(forget_match),
                pg_sys::Datum::from(0),
            );
        }
        CALLBACK_REGISTERED.set(true);
    }
    MATCHED.set(true);
}

/// A function changed in this database (as every `alter extension aurora update` does):
/// check the installed version again before the next statement.
#[pg_guard]
unsafe extern "C-unwind" fn forget_match(_arg: pg_sys::Datum, _cache_id: i32, _hash: u32) {
    MATCHED.set(false);
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    /// A Rust function that runs SQL (the presence sweep, as the back office calls it).
    fn sweep() {
        Spi::run("select public.check_inactive_users()").unwrap();
    }

    #[pg_test]
    fn the_library_runs_on_its_own_release() {
        sweep();
        assert_eq!(
            Spi::get_one::<String>(super::INSTALLED_VERSION_SQL).unwrap().as_deref(),
            Some(super::LIBRARY_VERSION)
        );
    }

    /// A backend that already checked keeps its answer until a function changes (as every
    /// update does): then it reads the version again and refuses another release's objects.
    #[pg_test]
    fn another_release_is_refused_once_a_function_changed() {
        sweep();
        Spi::run("update pg_catalog.pg_extension set extversion = '0.0.1' where extname = 'aurora'").unwrap();
        sweep(); // the answer is kept: no catalogue read per statement
        Spi::run("create function pg_temp.aurora_release_probe() returns int language sql as 'select 1'").unwrap();
        let refusal = PgTryBuilder::new(|| {
            sweep();
            None
        })
        .catch_others(|e| match e {
            pgrx::pg_sys::panic::CaughtError::PostgresError(r)
            | pgrx::pg_sys::panic::CaughtError::ErrorReport(r) => {
                Some((r.sql_error_code(), r.message().to_string(), r.hint().map(str::to_string)))
            }
            _ => None,
        })
        .execute();
        let (code, message, hint) = refusal.expect("the statement ran against another release's objects");
        assert_eq!(code, PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE);
        assert_eq!(
            message,
            format!("aurora's library is release {}, but this database holds aurora 0.0.1", super::LIBRARY_VERSION)
        );
        assert_eq!(hint.as_deref(), Some("Run ALTER EXTENSION aurora UPDATE; in this database (as its owner), then retry."));
    }
}
