//! SPI with plans prepared once per backend and kept (`SPI_keepplan`), the way PL/pgSQL
//! caches its statements. Postgres' plan cache revalidates kept plans after DDL.
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::PgOid;
use pgrx::spi::{OwnedPreparedStatement, SpiClient, SpiResult, SpiTupleTable};
use std::cell::RefCell;
use std::thread::LocalKey;

pub type PlanSlot = LocalKey<RefCell<Option<OwnedPreparedStatement>>>;

/// A per-backend slot for one statement's kept plan.
macro_rules! plan_slot {
    () => {{
        thread_local! {
            static SLOT: std::cell::RefCell<Option<pgrx::spi::OwnedPreparedStatement>> =
                const { std::cell::RefCell::new(None) };
        }
        &SLOT
    }};
}
pub(crate) use plan_slot;

/// Runs `sql` through the plan kept in `slot`, preparing it on first use.
///
/// The plan is taken out of its slot while it runs, so a statement whose triggers come
/// back here (recursion) simply prepares a second plan instead of aliasing the first.
pub fn run<'conn>(
    client: &mut SpiClient<'conn>,
    slot: &'static PlanSlot,
    sql: &str,
    types: &[PgOid],
    args: &[DatumWithOid<'_>],
) -> SpiResult<SpiTupleTable<'conn>> {
    let plan = match slot.with(|cell| cell.borrow_mut().take()) {
        Some(plan) => plan,
        None => client.prepare_mut(sql, types)?.keep(),
    };
    let result = client.update(&plan, None, args);
    slot.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = Some(plan);
        }
    });
    result
}

/// Counter shard for this backend: concurrent writers are different backends, so they
/// land on different shard rows (see salon_counter_shards).
pub fn counter_shard() -> i16 {
    const SHARDS: i32 = 16;
    // SAFETY: MyProcPid is set once at backend start and only read afterwards.
    (unsafe { pgrx::pg_sys::MyProcPid }.rem_euclid(SHARDS)) as i16
}

/// The first column of the first row, or `None` when the statement yields no row (pgrx's
/// `Spi::get_one` treats an empty result as an error).
pub fn one<T: pgrx::FromDatum + pgrx::IntoDatum>(sql: &str, args: &[DatumWithOid<'_>]) -> Option<T> {
    pgrx::Spi::connect_mut(|client| {
        let table = client.update(sql, None, args).unwrap_or_else(|e| pgrx::error!("aurora: {e}"));
        if table.is_empty() {
            None
        } else {
            table.first().get::<T>(1).unwrap_or_else(|e| pgrx::error!("aurora: {e}"))
        }
    })
}
