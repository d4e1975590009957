//! Who is calling, the way PostgREST tells it: `set local role <role>` plus
//! `request.jwt.claims`. Inside a SECURITY DEFINER function `current_user` is the
//! definer, but the `role` setting still names the role the request runs as.
use pgrx::prelude::*;

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
        let row = Spi::get_three::<String, pgrx::Uuid, bool>(
            "select current_setting('role'), auth.uid(),
                    coalesce(auth.role() = 'service_role', false)
                    or exists (select 1 from pg_roles
                               where rolname = session_user and (rolsuper or rolbypassrls))",
        );
        let (role, uid, privileged) = match row {
            Ok(row) => row,
            Err(e) => error!("aurora: cannot read the request identity: {e}"),
        };
        let role = role.unwrap_or_default();
        match (role.as_str(), uid) {
            ("service_role", _) => Caller::Service,
            ("anon", _) => Caller::Anon,
            ("authenticated", Some(uid)) => Caller::User(uid),
            ("authenticated", None) => Caller::Anon,
            // role = none: a direct session (psql, the edge's own role)
            (_, Some(uid)) => Caller::User(uid),
            (_, None) if privileged.unwrap_or(false) => Caller::Service,
            _ => Caller::Anon,
        }
    }
}
