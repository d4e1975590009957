//! SPI with plans prepared once per backend and call site and kept (`SPI_keepplan`), the way
//! PL/pgSQL caches its statements. Postgres' plan cache revalidates kept plans after DDL.
//! A plan is taken out of its slot while it runs, so a statement whose triggers come back to
//! the same call site (recursion) prepares a second plan instead of aliasing the first.
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::PgOid;
use pgrx::spi::{OwnedPreparedStatement, SpiClient, SpiResult, SpiTupleTable};
use std::cell::RefCell;
use std::thread::LocalKey;

/// A slot that also remembers its statement's text, for call sites whose SQL may vary.
pub type TextPlanSlot = LocalKey<RefCell<Option<(String, OwnedPreparedStatement)>>>;

/// A per-call-site slot for the kept plan of that site's statement (and its text).
macro_rules! text_plan_slot {
    () => {{
        thread_local! {
            static SLOT: std::cell::RefCell<Option<(String, pgrx::spi::OwnedPreparedStatement)>> =
                const { std::cell::RefCell::new(None) };
        }
        &SLOT
    }};
}
pub(crate) use text_plan_slot;

/// Runs `sql` with `args` through the plan kept for this call site (parameter types come
/// from the arguments); re-prepares when the site's text changed. Refuses when the database
/// holds another release of aurora than this library (platform/release.rs).
pub fn run_kept<'conn>(
    client: &mut SpiClient<'conn>,
    slot: &'static TextPlanSlot,
    sql: &str,
    args: &[DatumWithOid<'_>],
) -> SpiResult<SpiTupleTable<'conn>> {
    crate::platform::release::ensure_installed_matches(client);
    let plan = match slot.with(|cell| cell.borrow_mut().take()) {
        Some((text, plan)) if text == sql => plan,
        _ => {
            let types: Vec<PgOid> = args.iter().map(|a| PgOid::from(a.oid())).collect();
            client.prepare_mut(sql, &types)?.keep()
        }
    };
    // read_only = false (the plan is prepared as mutating: fresh snapshot, command counter),
    // but no transaction id is asked for up front (pgrx's `update` would): PostgreSQL
    // assigns one when a row is written, so a read writes no WAL, commits without a flush
    // and runs on a hot standby, and a write there fails with 25006 (read-only transaction)
    let result = client.select(&plan, None, args);
    slot.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = Some((sql.to_string(), plan));
        }
    });
    result
}

/// First column of the first row (None when no row), through a kept plan.
macro_rules! query_one {
    ($t:ty, $sql:expr, $args:expr $(,)?) => {{
        let slot = $crate::platform::spi::text_plan_slot!();
        pgrx::Spi::connect_mut(|client| {
            let table = $crate::platform::spi::run_kept(client, slot, $sql, $args)
                .unwrap_or_else(|e| pgrx::error!("aurora: {e}"));
            if table.is_empty() {
                None
            } else {
                table.first().get::<$t>(1).unwrap_or_else(|e| pgrx::error!("aurora: {e}"))
            }
        })
    }};
}
pub(crate) use query_one;

/// Like Spi::get_one_with_args (an empty result is an error), through a kept plan.
macro_rules! get_one {
    ($t:ty, $sql:expr, $args:expr $(,)?) => {{
        let slot = $crate::platform::spi::text_plan_slot!();
        pgrx::Spi::connect_mut(|client| {
            $crate::platform::spi::run_kept(client, slot, $sql, $args).and_then(|t| t.first().get_one::<$t>())
        })
    }};
}
pub(crate) use get_one;

/// A statement for its effect, through a kept plan.
macro_rules! exec {
    ($sql:expr, $args:expr $(,)?) => {{
        let slot = $crate::platform::spi::text_plan_slot!();
        pgrx::Spi::connect_mut(|client| $crate::platform::spi::run_kept(client, slot, $sql, $args).map(|_| ()))
    }};
}
pub(crate) use exec;

/// A jsonb value (None when no row), through a kept plan.
macro_rules! json_one {
    ($sql:expr, $args:expr $(,)?) => {{
        $crate::platform::spi::query_one!(pgrx::JsonB, $sql, $args).map(|j| j.0)
    }};
}
pub(crate) use json_one;

/// The first column of the first row, a composite formed by SQL (`row(…)::type`), as a
/// [`crate::platform::native::Row`] that outlives the SPI connection (copied to the
/// caller's memory); no row or null: `Row(None)`.
macro_rules! row_one {
    ($sql:expr, $args:expr $(,)?) => {{
        let slot = $crate::platform::spi::text_plan_slot!();
        $crate::platform::native::Row(pgrx::Spi::connect_mut(|client| {
            let table = $crate::platform::spi::run_kept(client, slot, $sql, $args)
                .unwrap_or_else(|e| pgrx::error!("aurora: {e}"));
            if table.is_empty() {
                return None;
            }
            let datum = table.first().get_datum_by_ordinal(1).unwrap_or_else(|e| pgrx::error!("aurora: {e}"))?;
            // SAFETY: a composite datum (varlena) of this connection's result, copied into
            // the memory that was current when the connection opened
            Some(unsafe { pgrx::pg_sys::SPI_datumTransfer(datum, false, -1) })
        }))
    }};
}
pub(crate) use row_one;

/// Counter shard for this backend: concurrent writers are different backends, so they
/// land on different shard rows (see salon_counter_shards).
pub fn counter_shard() -> i16 {
    const SHARDS: i32 = 16;
    // SAFETY: MyProcPid is set once at backend start and only read afterwards.
    (unsafe { pgrx::pg_sys::MyProcPid }.rem_euclid(SHARDS)) as i16
}
