//! Trigger helpers every domain uses.
use pgrx::datum::{TimestampWithTimeZone, TryFromDatumError};
use pgrx::prelude::*;

/// What a Rust trigger returns: the row to write (BEFORE), or nothing.
pub type TriggerResult<'a> = Result<Option<PgHeapTuple<'a, AllocatedByRust>>, TryFromDatumError>;

/// BEFORE UPDATE on tables with an `updated_at`: stamp it with the transaction time,
/// which is what `now()` returns, so a row and the rows it touched agree.
#[pg_trigger]
pub fn set_updated_at<'a>(trigger: &'a PgTrigger<'a>) -> TriggerResult<'a> {
    let mut new = trigger
        .new()
        .ok_or(TryFromDatumError::NoSuchAttributeName("NEW".into()))?
        .into_owned();
    let now: TimestampWithTimeZone = pgrx::datetime::now();
    new.set_by_name("updated_at", now)?;
    Ok(Some(new))
}
