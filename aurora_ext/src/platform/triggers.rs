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

/// The label of an enum value in a trigger's row (`NEW.role`, say): closed sets are enums
/// (a `String` does not decode one), and an enum datum is the OID of its label, which
/// `enum_out` turns into text. Null when the column is null.
pub struct EnumLabel(pub String);

impl FromDatum for EnumLabel {
    unsafe fn from_polymorphic_datum(datum: pg_sys::Datum, is_null: bool, _: pg_sys::Oid) -> Option<Self> {
        if is_null {
            return None;
        }
        let label: Option<&core::ffi::CStr> = pgrx::direct_function_call(pg_sys::enum_out, &[Some(datum)]);
        label.map(|l| EnumLabel(l.to_string_lossy().into_owned()))
    }
}

impl IntoDatum for EnumLabel {
    fn into_datum(self) -> Option<pg_sys::Datum> {
        self.0.into_datum()
    }
    fn type_oid() -> pg_sys::Oid {
        pg_sys::ANYENUMOID
    }
    fn is_compatible_with(other: pg_sys::Oid) -> bool {
        unsafe { pg_sys::type_is_enum(other) }
    }
}

unsafe impl pgrx::datum::UnboxDatum for EnumLabel {
    type As<'src> = EnumLabel;
    unsafe fn unbox<'src>(datum: pgrx::datum::Datum<'src>) -> Self::As<'src>
    where
        Self: 'src,
    {
        unsafe { Self::from_datum(datum.sans_lifetime(), false).unwrap_or(EnumLabel(String::new())) }
    }
}
