//! Who is calling, the way PostgREST tells it: `set local role <role>` plus
//! `request.jwt.claims`. Inside a SECURITY DEFINER function `current_user` is the
//! definer, but the `role` setting still names the role the request runs as.
use crate::platform::spi::{run_kept, text_plan_slot};
use core::ffi::CStr;
use pgrx::prelude::*;

/// A direct session (no JWT subject) of service_role, a superuser or a BYPASSRLS role.
fn privileged_session() -> bool {
    // a read: `select` asks for no transaction id (Spi::get_one would)
    Spi::connect(|client| {
        client
            .select(
                "select coalesce(auth.role() = 'service_role', false)
                        or exists (select 1 from pg_roles where rolname = session_user and (rolsuper or rolbypassrls))",
                Some(1),
                &[],
            )
            .and_then(|t| t.first().get_one::<bool>())
    })
    .ok()
    .flatten()
    .unwrap_or(false)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// No JWT subject and not privileged.
    Anon,
    /// An authenticated end user.
    User(pgrx::Uuid),
    /// `service_role`, a superuser session with no JWT subject, or a role with BYPASSRLS.
    Service,
}

impl Caller {
    pub fn current() -> Caller {
        // one kept plan on the hot path; the roles catalogue only when there is no subject
        let (caller, erased) = Self::identity();
        if erased {
            crate::platform::error::raise(
                PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
                "this account is being erased",
                None,
                Some("Ce compte est en cours de suppression."),
            );
        }
        caller
    }

    /// The caller, without refusing a member whose erasure has started: for the erasure's
    /// own entry, which answers her again with its state.
    pub fn current_even_if_erased() -> Caller {
        Self::identity().0
    }

    /// The caller, and whether she is a member whose erasure has started (from then on her
    /// token opens nothing: privacy/api.sql). Read without a statement on the hot path: the
    /// role and the JWT subject from their settings, the erasure from the backend's copy of
    /// the erased ids (below). A subject the fast reading does not take as a plain UUID goes
    /// through the statement, which answers as auth.uid() does (and raises its errors).
    fn identity() -> (Caller, bool) {
        let role = setting(c"role").unwrap_or_default();
        let (role, uid) = match jwt_subject() {
            Some(uid) => (role, uid),
            None => Self::identity_statement(),
        };
        let caller = match (role.as_str(), uid) {
            ("service_role", _) => Caller::Service,
            ("anon", _) => Caller::Anon,
            ("authenticated", Some(uid)) => Caller::User(uid),
            ("authenticated", None) => Caller::Anon,
            // role = none: a direct session (psql, the edge's own role)
            (_, Some(uid)) => Caller::User(uid),
            (_, None) if privileged_session() => Caller::Service,
            _ => Caller::Anon,
        };
        let erased = match caller {
            Caller::User(uid) => erasures::started(uid),
            _ => false,
        };
        (caller, erased)
    }

    /// The identity as SQL reads it: the role and auth.uid().
    fn identity_statement() -> (String, Option<pgrx::Uuid>) {
        Spi::connect_mut(|client| {
            let t = run_kept(
                client,
                text_plan_slot!(),
                "select current_setting('role'), auth.uid()",
                &[])
                .unwrap_or_else(|e| error!("aurora: cannot read the request identity: {e}"));
            let r = t.first();
            (
                r.get::<String>(1).ok().flatten().unwrap_or_default(),
                r.get::<pgrx::Uuid>(2).ok().flatten(),
            )
        })
    }
}

/// A setting's current value (None when it does not exist).
fn setting(name: &CStr) -> Option<String> {
    // SAFETY: GetConfigOption returns a pointer into the setting's own storage (or null when
    // missing_ok and absent), valid until the setting changes; it is copied at once.
    let value = unsafe { pg_sys::GetConfigOption(name.as_ptr(), true, false) };
    if value.is_null() {
        return None;
    }
    Some(unsafe { CStr::from_ptr(value) }.to_string_lossy().into_owned())
}

/// The JWT subject as auth.uid() reads it (`request.jwt.claim.sub`, else the `sub` of
/// `request.jwt.claims`), when that reading is plain: Some(None) without a subject,
/// Some(Some(uid)) for a canonical UUID (36 characters, hyphenated, any case). None for
/// anything else (malformed claims, a UUID in another spelling, a non-string subject): the
/// caller then asks auth.uid() itself, so every other case behaves exactly as SQL does.
fn jwt_subject() -> Option<Option<pgrx::Uuid>> {
    if let Some(sub) = setting(c"request.jwt.claim.sub").filter(|s| !s.is_empty()) {
        return canonical_uuid(&sub).map(Some);
    }
    let Some(claims) = setting(c"request.jwt.claims").filter(|s| !s.is_empty()) else {
        return Some(None);
    };
    match serde_json::from_str::<serde_json::Value>(&claims).ok()? {
        serde_json::Value::Object(map) => match map.get("sub") {
            None | Some(serde_json::Value::Null) => Some(None),
            Some(serde_json::Value::String(sub)) => canonical_uuid(sub).map(Some),
            Some(_) => None,
        },
        _ => None,
    }
}

/// A UUID in its canonical text form only (8-4-4-4-12 hex digits, any case).
fn canonical_uuid(text: &str) -> Option<pgrx::Uuid> {
    let b = text.as_bytes();
    let canonical = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() });
    if !canonical {
        return None;
    }
    crate::platform::api::parse_uuid(text)
}

/// Whose erasure has started, as this backend knows it: a copy of `aurora_private.erasures`'
/// ids, read once and read again after the table changes. Every write to the table
/// (statement trigger `erasures_changed`) sends a relcache invalidation for it, which
/// PostgreSQL delivers to this backend's callback at its next command or transaction
/// (and at once for its own writes), exactly when a new SQL snapshot would see the change.
pub mod erasures {
    use pgrx::prelude::*;
    use std::cell::{Cell, RefCell};
    use std::collections::HashSet;

    thread_local! {
        /// bumped by every invalidation of the table (or of every relation)
        static GENERATION: Cell<u64> = const { Cell::new(1) };
        static TABLE: Cell<pg_sys::Oid> = const { Cell::new(pg_sys::Oid::INVALID) };
        static REGISTERED: Cell<bool> = const { Cell::new(false) };
        /// (generation it was read at, the erased ids)
        static ERASED: RefCell<(u64, HashSet<pgrx::Uuid>)> = RefCell::new((0, HashSet::new()));
    }

    #[pg_guard]
    unsafe extern "C-unwind" fn invalidated(_arg: pg_sys::Datum, relid: pg_sys::Oid) {
        let table = TABLE.get();
        if relid == pg_sys::Oid::INVALID || table == pg_sys::Oid::INVALID || relid == table {
            GENERATION.set(GENERATION.get() + 1);
        }
    }

    /// Has her erasure started?
    pub fn started(uid: pgrx::Uuid) -> bool {
        if !REGISTERED.get() {
            // SAFETY: registers a plain function for this backend's lifetime; it only bumps
            // a thread-local counter. Once per backend (PostgreSQL allows ten such callbacks).
            unsafe { pg_sys::CacheRegisterRelcacheCallback(Some(invalidated), pg_sys::Datum::from(0)) };
            REGISTERED.set(true);
        }
        let current = GENERATION.get();
        if ERASED.with(|e| e.borrow().0) != current {
            // an invalidation arriving while this reads bumps the generation again: the
            // copy is then read again at the next call
            let (table, ids) = read();
            TABLE.set(table);
            ERASED.with(|e| *e.borrow_mut() = (current, ids));
        }
        ERASED.with(|e| e.borrow().1.contains(&uid))
    }

    fn read() -> (pg_sys::Oid, HashSet<pgrx::Uuid>) {
        Spi::connect_mut(|client| {
            // a library newer than the database's aurora refuses before reading its tables
            crate::platform::release::ensure_installed_matches(client);
            let t = client
                .select(
                    "select 'aurora_private.erasures'::regclass::oid, e.user_id
                       from (select 1) one left join aurora_private.erasures e on true",
                    None,
                    &[],
                )
                .unwrap_or_else(|e| error!("aurora: cannot read the erasures: {e}"));
            let mut table = pg_sys::Oid::INVALID;
            let mut ids = HashSet::new();
            for row in t {
                table = row.get::<pg_sys::Oid>(1).ok().flatten().unwrap_or(table);
                if let Some(uid) = row.get::<pgrx::Uuid>(2).ok().flatten() {
                    ids.insert(uid);
                }
            }
            (table, ids)
        })
    }

    /// aurora_private.erasures AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE, per statement:
    /// tells every backend (at commit) and this one (at its next command) to read the
    /// erased ids again.
    #[pg_trigger]
    pub fn erasures_changed<'a>(trigger: &'a PgTrigger<'a>) -> crate::platform::TriggerResult<'a> {
        let relid = trigger.relation().map(|r| r.oid()).unwrap_or(pg_sys::Oid::INVALID);
        if relid != pg_sys::Oid::INVALID {
            // SAFETY: queues an invalidation message for a relation that exists (the
            // trigger's own table); PostgreSQL sends it with the transaction.
            unsafe { pg_sys::CacheInvalidateRelcacheByRelid(relid) };
        }
        Ok(None)
    }

    pgrx::extension_sql!(
        "create trigger erasures_changed after insert or update or delete or truncate on aurora_private.erasures
    for each statement execute function erasures_changed();",
        name = "erasures_changed_trigger",
        requires = ["privacy_schema", erasures_changed]
    );
}
