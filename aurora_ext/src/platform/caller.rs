//! Who is calling, the way PostgREST tells it: `set local role <role>` plus
//! `request.jwt.claims`. Inside a SECURITY DEFINER function `current_user` is the
//! definer, but the `role` setting still names the role the request runs as.
use crate::platform::spi::{run_kept, text_plan_slot};
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
    /// token opens nothing: privacy/api.sql). One kept statement: the erasure probe is a
    /// primary-key lookup in a table that holds only the erased.
    fn identity() -> (Caller, bool) {
        let (role, uid, erased) = Spi::connect_mut(|client| {
            let t = run_kept(
                client,
                text_plan_slot!(),
                "select current_setting('role'), auth.uid(),
                        exists (select from aurora_private.erasures e where e.user_id = auth.uid())",
                &[])
                .unwrap_or_else(|e| error!("aurora: cannot read the request identity: {e}"));
            let r = t.first();
            (
                r.get::<String>(1).ok().flatten().unwrap_or_default(),
                r.get::<pgrx::Uuid>(2).ok().flatten(),
                r.get::<bool>(3).ok().flatten().unwrap_or(false),
            )
        });
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
        (caller, erased && matches!(caller, Caller::User(_)))
    }
}
