//! Jobs: the work that runs on a clock, above the domains (it calls them; they do not know
//! it). The optional background worker: every `aurora.presence_sweep_interval` seconds it
//! turns idle members offline, folds the salon counters, ends trials past their end and
//! queues subscription reminders, so no pg_cron is needed (each step is also a function
//! service_role or pg_cron may call). A step that fails is logged, and the others still
//! run. It exists only when the library is preloaded (`shared_preload_libraries =
//! 'aurora'`) and does nothing while the interval is 0 (the default).
use pgrx::bgworkers::{BackgroundWorker, BackgroundWorkerBuilder, SignalWakeFlags};
use pgrx::guc::{GucContext, GucFlags, GucRegistry, GucSetting};
use crate::platform::release::{self, Installed};
use pgrx::prelude::*;
use std::ffi::CString;
use std::time::Duration;

pub static SWEEP_INTERVAL: GucSetting<i32> = GucSetting::<i32>::new(0);
pub static SWEEP_DATABASE: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(Some(c"postgres"));

pub const WORKER_NAME: &str = "aurora presence sweep";

pub fn init() {
    GucRegistry::define_int_guc(
        c"aurora.presence_sweep_interval",
        c"Seconds between presence sweeps by aurora's background worker; 0 turns it off.",
        c"Needs shared_preload_libraries = 'aurora'. Each run also folds the salon counters.",
        &SWEEP_INTERVAL,
        0,
        86_400,
        GucContext::Sighup,
        GucFlags::UNIT_S,
    );
    GucRegistry::define_string_guc(
        c"aurora.presence_sweep_database",
        c"The database whose presence aurora's background worker sweeps.",
        c"A reload (SIGHUP) that changes it restarts the worker, connected there.",
        &SWEEP_DATABASE,
        GucContext::Sighup,
        GucFlags::default(),
    );
    // SAFETY: a plain flag the postmaster sets while it loads preloaded libraries.
    if unsafe { pg_sys::process_shared_preload_libraries_in_progress } {
        BackgroundWorkerBuilder::new(WORKER_NAME)
            .set_type(WORKER_NAME)
            .set_function("aurora_sweep_worker_main")
            .set_library("aurora")
            .enable_spi_access()
            .set_restart_time(Some(Duration::from_secs(5)))
            .load();
    }
}

#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn aurora_sweep_worker_main(_arg: pg_sys::Datum) {
    BackgroundWorker::attach_signal_handlers(SignalWakeFlags::SIGHUP | SignalWakeFlags::SIGTERM);
    let database = SWEEP_DATABASE
        .get()
        .and_then(|c| c.into_string().ok())
        .unwrap_or_else(|| "postgres".to_string());
    BackgroundWorker::connect_worker_to_spi(Some(&database), None);
    let mut mismatch_logged = false;
    let mut read_only_logged = false;
    loop {
        let interval = SWEEP_INTERVAL.get();
        // while off, look again every 10 s (a SIGHUP wakes it at once)
        let wait = Duration::from_secs(if interval > 0 { interval as u64 } else { 10 });
        if !BackgroundWorker::wait_latch(Some(wait)) {
            break; // SIGTERM
        }
        if BackgroundWorker::sighup_received() {
            // SAFETY: the documented way for a background worker to reload its settings.
            unsafe { pg_sys::ProcessConfigFile(pg_sys::GucContext::PGC_SIGHUP) };
            // a worker's connection is for one database: pointed at another, it exits and
            // the postmaster starts it again (in 5 s), connected there
            let wanted = SWEEP_DATABASE.get().and_then(|c| c.into_string().ok()).unwrap_or_else(|| "postgres".into());
            if wanted != database {
                log!("aurora: the presence worker moves from database \"{database}\" to \"{wanted}\"");
                break;
            }
        }
        if SWEEP_INTERVAL.get() <= 0 {
            continue;
        }
        // A hot standby (or a primary made read-only, as failover tools do while they demote
        // it) takes no writes: wait quietly, saying so once, and sweep again once promoted.
        // SAFETY: a plain read of shared state, valid outside a transaction.
        if unsafe { pg_sys::RecoveryInProgress() } {
            if !read_only_logged {
                log!("aurora: the presence worker waits: this server is a standby (it sweeps once promoted)");
                read_only_logged = true;
            }
            continue;
        }
        let installed = BackgroundWorker::transaction(|| {
            let read_only = Spi::connect(|c| {
                c.select("select current_setting('transaction_read_only') = 'on'", Some(1), &[])
                    .and_then(|t| t.first().get_one::<bool>())
            })
            .ok()
            .flatten()
            .unwrap_or(false);
            if read_only {
                return None;
            }
            let installed = Installed::read();
            if installed == Installed::ThisRelease {
                let swept = crate::profiles::presence::sweep();
                let folded = crate::salons::fold_salon_counters();
                // trials that ended become freemium (their Brevo list follows), then reminders
                let count = |sql: &str| match Spi::get_one::<i32>(sql) {
                    Ok(n) => n.unwrap_or(0),
                    Err(e) => {
                        log!("aurora: the presence worker could not run `{sql}`: {e}");
                        0
                    }
                };
                let trials = count("select aurora_private.end_expired_trials()");
                count("select public.queue_subscription_reminders()");
                if swept > 0 || folded > 0 || trials > 0 {
                    log!("aurora: {swept} members went offline, {folded} salon counters folded, {trials} trials ended");
                }
            }
            Some(installed)
        });
        let Some(installed) = installed else {
            if !read_only_logged {
                log!("aurora: the presence worker waits: transactions are read-only here (default_transaction_read_only)");
                read_only_logged = true;
            }
            continue;
        };
        read_only_logged = false;
        // Another release's objects (new files installed, `alter extension aurora update` not
        // run yet): wait, saying so once, rather than fail every run.
        match installed {
            Installed::OtherRelease(v) => {
                if !mismatch_logged {
                    log!(
                        "aurora: the presence worker (release {}) waits: database \"{database}\" holds aurora {v}; run ALTER EXTENSION aurora UPDATE there",
                        release::LIBRARY_VERSION
                    );
                    mismatch_logged = true;
                }
            }
            _ => mismatch_logged = false,
        }
    }
    // Exit non-zero so the postmaster restarts the worker (e.g. after pg_terminate_backend
    // to make it pick up a new aurora.presence_sweep_database); at shutdown it does not.
    // SAFETY: ends this worker process the way PostgreSQL expects.
    unsafe { pg_sys::proc_exit(1) };
}
