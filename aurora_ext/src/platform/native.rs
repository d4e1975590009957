//! RPCs as native functions: the public function is the C symbol itself, with no PL/pgSQL
//! wrapper, no `{"ok": …}` envelope and no jsonb in between.
//!
//! A core answers `Result<Value, ApiError>` (platform/api.rs). [`rpc`] runs it inside pgrx's
//! guard, forms its answer as the function's declared result type (a composite the type
//! generator sees), and raises its error with the error's own SQLSTATE (PT402, PT404…).
//! pgrx re-raises any SQLSTATE outside PostgreSQL's list as XX000, so the error is raised
//! here, after the guard has returned and every Rust value of the call has been dropped:
//! the only frame the error's longjmp leaves is this function's, which owns nothing.
//! A panic or a PostgreSQL error inside the core is reported by the guard as before.
use crate::platform::api::ApiError;
use core::ffi::{c_char, c_int, CStr};
use pgrx::pg_sys;
use pgrx::prelude::*;
use serde_json::{Map, Value};
use std::ffi::CString;

// PostgreSQL's error API (left out of pgrx's bindings, as pgrx declares it for itself).
unsafe extern "C-unwind" {
    fn errstart(elevel: c_int, domain: *const c_char) -> bool;
    fn errcode(sqlerrcode: c_int) -> c_int;
    fn errmsg(fmt: *const c_char, ...) -> c_int;
    fn errdetail(fmt: *const c_char, ...) -> c_int;
    fn errhint(fmt: *const c_char, ...) -> c_int;
    fn errfinish(filename: *const c_char, lineno: c_int, funcname: *const c_char);
}

/// An error to raise once the core's frames are gone: its SQLSTATE and texts.
struct Raise {
    sqlstate: c_int,
    message: CString,
    detail: Option<CString>,
    hint: Option<CString>,
}

/// PostgreSQL's MAKE_SQLSTATE: five characters, six bits each.
fn sqlstate(code: &str) -> c_int {
    code.bytes().take(5).enumerate().fold(0, |acc, (i, ch)| acc + ((((ch as c_int) - ('0' as c_int)) & 0x3F) << (6 * i)))
}

fn c_text(text: String) -> CString {
    CString::new(text.replace('\0', "")).unwrap_or_default()
}

impl From<ApiError> for Raise {
    fn from(e: ApiError) -> Self {
        let (code, message, detail, hint) = e.parts();
        Raise {
            sqlstate: sqlstate(code),
            message: c_text(message),
            detail: detail.map(c_text),
            hint: Some(c_text(hint.to_string())),
        }
    }
}

/// Raises `r` at ERROR. The texts are copied into the error by errmsg/errdetail/errhint,
/// so they are dropped before errfinish, which does not return.
unsafe fn raise(r: Raise) -> ! {
    const PERCENT_S: &CStr = c"%s";
    unsafe {
        if errstart(PgLogLevel::ERROR as c_int, std::ptr::null()) {
            errcode(r.sqlstate);
            errmsg(PERCENT_S.as_ptr(), r.message.as_ptr());
            if let Some(d) = &r.detail {
                errdetail(PERCENT_S.as_ptr(), d.as_ptr());
            }
            if let Some(h) = &r.hint {
                errhint(PERCENT_S.as_ptr(), h.as_ptr());
            }
            drop(r);
            errfinish(c"aurora/platform/native.rs".as_ptr(), line!() as c_int, c"rpc".as_ptr());
        }
        unreachable!("an ERROR returned")
    }
}

/// An answer SQL already formed as the function's declared composite type
/// (`row(…)::type`, read with [`crate::platform::spi::row_one`]): returned as it is, no
/// JSON in between. `None`: the function answers null.
pub struct Row(pub Option<pg_sys::Datum>);

impl Row {
    /// The row as JSON, for the `aurora_private` cores that answer jsonb (the upgrade
    /// window's callers): every attribute by name, as row_to_json writes it.
    pub fn to_json(&self) -> Value {
        match self.0 {
            None => Value::Null,
            Some(datum) => unsafe { pgrx::direct_function_call::<pgrx::Json>(pg_sys::row_to_json, &[Some(datum)]) }
                .map(|j| j.0)
                .unwrap_or(Value::Null),
        }
    }
}

/// What a core answers: a JSON object formed here as the declared type, or a [`Row`].
pub trait Answer {
    /// # Safety
    /// `fcinfo` is the calling function's, and the function returns a composite type.
    unsafe fn into_result(self, fcinfo: pg_sys::FunctionCallInfo) -> Option<pg_sys::Datum>;
}

impl Answer for Value {
    unsafe fn into_result(self, fcinfo: pg_sys::FunctionCallInfo) -> Option<pg_sys::Datum> {
        match self {
            Value::Object(answer) => Some(unsafe { result_datum(fcinfo, &answer) }),
            _ => None,
        }
    }
}

impl Answer for Row {
    unsafe fn into_result(self, _fcinfo: pg_sys::FunctionCallInfo) -> Option<pg_sys::Datum> {
        self.0
    }
}

/// The body of a native RPC: `core`'s answer as the function's declared composite result
/// (null when the core answers null or a non-object), or its error raised with its SQLSTATE.
///
/// # Safety
/// `fcinfo` is the calling function's, and the function returns a composite type.
pub unsafe fn rpc<A: Answer>(fcinfo: pg_sys::FunctionCallInfo, core: impl FnOnce() -> Result<A, ApiError>) -> pg_sys::Datum {
    let outcome = unsafe {
        pg_sys::submodules::panic::pgrx_extern_c_guard(|| match core() {
            Ok(answer) => Ok(answer.into_result(fcinfo)),
            Err(e) => Err(Raise::from(e)),
        })
    };
    match outcome {
        Ok(Some(datum)) => datum,
        Ok(None) => unsafe {
            (*fcinfo).isnull = true;
            pg_sys::Datum::from(0)
        },
        Err(r) => unsafe { raise(r) },
    }
}

/// The answer as the function's result row.
unsafe fn result_datum(fcinfo: pg_sys::FunctionCallInfo, answer: &Map<String, Value>) -> pg_sys::Datum {
    unsafe {
        let mut tupdesc: pg_sys::TupleDesc = std::ptr::null_mut();
        if pg_sys::get_call_result_type(fcinfo, std::ptr::null_mut(), &mut tupdesc) != pg_sys::TypeFuncClass::TYPEFUNC_COMPOSITE {
            error!("aurora: a native RPC must return a composite type");
        }
        row_datum(pg_sys::BlessTupleDesc(tupdesc), answer)
    }
}

/// An object as a row of `tupdesc`, by attribute name (absent keys are null): what
/// jsonb_populate_record does, without jsonb.
unsafe fn row_datum(tupdesc: pg_sys::TupleDesc, object: &Map<String, Value>) -> pg_sys::Datum {
    unsafe {
        let natts = (*tupdesc).natts as usize;
        let mut values = vec![pg_sys::Datum::from(0); natts];
        let mut nulls = vec![true; natts];
        for i in 0..natts {
            let att = (*tupdesc).attrs.as_slice(natts)[i];
            if att.attisdropped {
                continue;
            }
            let name = CStr::from_ptr(att.attname.data.as_ptr()).to_str().unwrap_or_default();
            if let Some(datum) = object.get(name).and_then(|v| value_datum(v, att.atttypid, att.atttypmod)) {
                values[i] = datum;
                nulls[i] = false;
            }
        }
        let tuple = pg_sys::heap_form_tuple(tupdesc, values.as_mut_ptr(), nulls.as_mut_ptr());
        pg_sys::HeapTupleHeaderGetDatum((*tuple).t_data)
    }
}

/// A JSON value as a datum of type `typid`: objects as rows of a composite type, arrays as
/// arrays of its element type, jsonb as itself, anything else through the type's input
/// function from its text (a string's own text, a number's or a boolean's literal).
unsafe fn value_datum(value: &Value, typid: pg_sys::Oid, typmod: i32) -> Option<pg_sys::Datum> {
    unsafe {
        match value {
            Value::Null => None,
            Value::Object(object) if pg_sys::type_is_rowtype(typid) => {
                let tupdesc = pg_sys::lookup_rowtype_tupdesc(typid, typmod);
                let datum = row_datum(tupdesc, object);
                pg_sys::DecrTupleDescRefCount(tupdesc);
                Some(datum)
            }
            Value::Array(items) if pg_sys::get_element_type(typid) != pg_sys::InvalidOid => {
                let elem = pg_sys::get_element_type(typid);
                let mut datums = Vec::with_capacity(items.len());
                let mut nulls = Vec::with_capacity(items.len());
                for item in items {
                    let d = value_datum(item, elem, -1);
                    nulls.push(d.is_none());
                    datums.push(d.unwrap_or(pg_sys::Datum::from(0)));
                }
                let (mut len, mut byval, mut align) = (0i16, false, 0 as c_char);
                pg_sys::get_typlenbyvalalign(elem, &mut len, &mut byval, &mut align);
                let mut dims = [items.len() as c_int];
                let mut lbs = [1 as c_int];
                let array = pg_sys::construct_md_array(
                    datums.as_mut_ptr(),
                    nulls.as_mut_ptr(),
                    1,
                    dims.as_mut_ptr(),
                    lbs.as_mut_ptr(),
                    elem,
                    len as c_int,
                    byval,
                    align,
                );
                Some(pg_sys::Datum::from(array))
            }
            other => {
                let text = match other {
                    Value::String(s) if typid != pg_sys::JSONBOID && typid != pg_sys::JSONOID => s.clone(),
                    v => v.to_string(),
                };
                let text = c_text(text);
                let (mut input, mut ioparam) = (pg_sys::InvalidOid, pg_sys::InvalidOid);
                pg_sys::getTypeInputInfo(typid, &mut input, &mut ioparam);
                Some(pg_sys::OidInputFunctionCall(input, text.as_ptr() as *mut c_char, ioparam, typmod))
            }
        }
    }
}

/// The body of a native set-returning function: `core`'s rows (each its attributes, in
/// the declared row type's order) returned all at once in materialize mode: the function is
/// entered once for the whole set, its SECURITY DEFINER switch and SET clause paid once.
/// Errors inside `core` are PostgreSQL's (standard SQLSTATEs), reported by pgrx's guard.
///
/// # Safety
/// `fcinfo` is the calling function's; the function returns SETOF a composite type whose
/// attributes are the datums `core` gives, in order.
pub unsafe fn materialized_srf<const N: usize>(
    fcinfo: pg_sys::FunctionCallInfo,
    core: impl FnOnce() -> Vec<[Option<pg_sys::Datum>; N]>,
) -> pg_sys::Datum {
    unsafe {
        pg_sys::submodules::panic::pgrx_extern_c_guard(|| {
            // the tuplestore and its descriptor, in the query's memory: a caller that cannot
            // take a materialized set is refused before any work is done
            pg_sys::InitMaterializedSRF(fcinfo, 0);
            let rows = core();
            let rsinfo = (*fcinfo).resultinfo as *mut pg_sys::ReturnSetInfo;
            let desc = (*rsinfo).setDesc;
            if (*desc).natts as usize != N {
                error!("aurora: the set's row type has {} attributes, this library forms {N}", (*desc).natts);
            }
            for row in rows {
                let mut nulls: [bool; N] = row.map(|a| a.is_none());
                let mut values: [pg_sys::Datum; N] = row.map(|a| a.unwrap_or(pg_sys::Datum::from(0)));
                pg_sys::tuplestore_putvalues((*rsinfo).setResult, desc, values.as_mut_ptr(), nulls.as_mut_ptr());
            }
        });
        pg_sys::Datum::from(0)
    }
}

/// Declares a native RPC: `$symbol` (the C symbol the SQL names) with its V1 info record,
/// its arguments read from `fcinfo` as `Option`s of the listed Rust types (SQL null is
/// `None`), and `$core` called with them.
#[macro_export]
macro_rules! native_rpc {
    ($symbol:ident, $finfo:ident, |$($arg:ident : $ty:ty),*| $core:expr) => {
        #[unsafe(no_mangle)]
        #[doc(hidden)]
        pub extern "C" fn $finfo() -> &'static ::pgrx::pg_sys::Pg_finfo_record {
            const V1: ::pgrx::pg_sys::Pg_finfo_record = ::pgrx::pg_sys::Pg_finfo_record { api_version: 1 };
            &V1
        }
        #[unsafe(no_mangle)]
        #[doc(hidden)]
        #[allow(unused_assignments)]
        pub unsafe extern "C-unwind" fn $symbol(fcinfo: ::pgrx::pg_sys::FunctionCallInfo) -> ::pgrx::pg_sys::Datum {
            unsafe {
                $crate::platform::native::rpc(fcinfo, || {
                    #[allow(unused_mut, unused_variables)]
                    let mut n = 0usize;
                    $( let $arg: Option<$ty> = ::pgrx::fcinfo::pg_getarg(fcinfo, n); n += 1; )*
                    $core
                })
            }
        }
    };
}

thread_local! {
    /// Types looked up by name in this backend, until any type changes (an upgrade
    /// recreates some): then the syscache callback below forgets them all.
    static TYPES: std::cell::RefCell<Vec<(&'static str, pg_sys::Oid)>> = const { std::cell::RefCell::new(Vec::new()) };
    static TYPES_CALLBACK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

unsafe extern "C-unwind" fn forget_types(_arg: pg_sys::Datum, _cache_id: i32, _hash: u32) {
    TYPES.with(|t| t.borrow_mut().clear());
}

/// A type of aurora's by its qualified name (`public.reactor`): looked up once per backend
/// and kept until a type changes (a page forms hundreds of rows of a few types).
pub fn named_type(name: &'static str) -> pg_sys::Oid {
    if let Some(oid) = TYPES.with(|t| t.borrow().iter().find(|(n, _)| *n == name).map(|(_, oid)| *oid)) {
        return oid;
    }
    if !TYPES_CALLBACK.get() {
        // SAFETY: registers a plain function for this backend's lifetime; it only clears a
        // thread-local cache. Once per backend.
        unsafe {
            pg_sys::CacheRegisterSyscacheCallback(pg_sys::SysCacheIdentifier::TYPEOID as i32, Some(forget_types), pg_sys::Datum::from(0));
        }
        TYPES_CALLBACK.set(true);
    }
    let oid = unsafe { pgrx::direct_function_call::<pg_sys::Oid>(pg_sys::to_regtype, &[name.into_datum()]) }
        .unwrap_or_else(|| error!("aurora: type {name} is missing"));
    TYPES.with(|t| t.borrow_mut().push((name, oid)));
    oid
}

/// A row of composite type `typid` from its attributes' datums (`None`: null), in order.
///
/// # Safety
/// Each datum is of its attribute's type.
pub unsafe fn form_row(typid: pg_sys::Oid, attributes: &[Option<pg_sys::Datum>]) -> pg_sys::Datum {
    unsafe {
        let tupdesc = pg_sys::lookup_rowtype_tupdesc(typid, -1);
        let natts = (*tupdesc).natts as usize;
        if natts != attributes.len() {
            // a type that is not the one this library was built for: never form it
            pg_sys::DecrTupleDescRefCount(tupdesc);
            error!("aurora: type {typid:?} has {natts} attributes, this library forms {}", attributes.len());
        }
        let mut nulls: Vec<bool> = attributes.iter().map(Option::is_none).collect();
        let mut values: Vec<pg_sys::Datum> = attributes.iter().map(|a| a.unwrap_or(pg_sys::Datum::from(0))).collect();
        let tuple = pg_sys::heap_form_tuple(tupdesc, values.as_mut_ptr(), nulls.as_mut_ptr());
        pg_sys::DecrTupleDescRefCount(tupdesc);
        pg_sys::HeapTupleHeaderGetDatum((*tuple).t_data)
    }
}

/// A one-dimensional array of `elem` from its elements' datums.
///
/// # Safety
/// Each datum is of type `elem`.
pub unsafe fn form_array(elem: pg_sys::Oid, elements: Vec<pg_sys::Datum>) -> pg_sys::Datum {
    unsafe {
        let mut elements = elements;
        let (mut len, mut byval, mut align) = (0i16, false, 0 as c_char);
        pg_sys::get_typlenbyvalalign(elem, &mut len, &mut byval, &mut align);
        let array = pg_sys::construct_array(elements.as_mut_ptr(), elements.len() as c_int, elem, len as c_int, byval, align);
        pg_sys::Datum::from(array)
    }
}

/// A Rust type returned as one of aurora's SQL types (`$sql`, e.g. `"reactor[]"`): its SQL
/// for the generated schema, and its return through its IntoDatum. The type must exist
/// before the functions that return it (`requires` on them).
#[macro_export]
macro_rules! returned_as {
    ($ty:ident, $sql:literal) => {
        unsafe impl ::pgrx::pgrx_sql_entity_graph::metadata::SqlTranslatable for $ty {
            const TYPE_IDENT: &'static str = ::pgrx::pgrx_resolved_type!($ty);
            const TYPE_ORIGIN: ::pgrx::pgrx_sql_entity_graph::metadata::TypeOrigin =
                ::pgrx::pgrx_sql_entity_graph::metadata::TypeOrigin::External;
            const ARGUMENT_SQL: Result<
                ::pgrx::pgrx_sql_entity_graph::metadata::SqlMappingRef,
                ::pgrx::pgrx_sql_entity_graph::metadata::ArgumentError,
            > = Err(::pgrx::pgrx_sql_entity_graph::metadata::ArgumentError::NotValidAsArgument(stringify!($ty)));
            const RETURN_SQL: Result<
                ::pgrx::pgrx_sql_entity_graph::metadata::ReturnsRef,
                ::pgrx::pgrx_sql_entity_graph::metadata::ReturnsError,
            > = Ok(::pgrx::pgrx_sql_entity_graph::metadata::ReturnsRef::One(
                ::pgrx::pgrx_sql_entity_graph::metadata::SqlMappingRef::literal($sql),
            ));
        }
        unsafe impl ::pgrx::callconv::BoxRet for $ty {
            unsafe fn box_into<'fcx>(self, fcinfo: &mut ::pgrx::callconv::FcInfo<'fcx>) -> ::pgrx::datum::Datum<'fcx> {
                match ::pgrx::IntoDatum::into_datum(self) {
                    Some(datum) => unsafe { fcinfo.return_raw_datum(datum) },
                    None => fcinfo.return_null(),
                }
            }
        }
    };
}
