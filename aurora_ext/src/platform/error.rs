//! Raising a user-facing error: a deliberate SQLSTATE, an English message for logs and
//! developers, and French text for the member in `hint` where it helps.
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// Raise `code` with `message`; `detail` explains, `hint` is what to tell the member.
#[track_caller]
pub fn raise(
    code: PgSqlErrorCode,
    message: impl Into<String>,
    detail: Option<String>,
    hint: Option<&str>,
) -> ! {
    let mut report = ErrorReport::new(code, message.into(), "aurora");
    if let Some(detail) = detail {
        report = report.set_detail(detail);
    }
    if let Some(hint) = hint {
        report = report.set_hint(hint);
    }
    report.report(PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}
