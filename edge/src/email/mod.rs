//! The email outbox delivery worker. Emails are rows first (the database queues them);
//! every edge runs two loops, one per leased queue (emails; Brevo contact syncs), so
//! neither starves the other: claim a batch with FOR UPDATE SKIP LOCKED under a lease,
//! renew each row's lease right before acting on it (a row another worker took over is
//! left alone: never sent twice), act, record the outcome with the lease token. A batch
//! stops starting rows at half its lease; the rest are put back. Several edges share one
//! outbox; an edge that dies mid-batch leaves leased rows that another claims when the
//! lease ends; a retry reuses the row's UUID as Brevo's idempotency key.
//!
//! Brevo saying 429 or failing (5xx, timeout, unreachable) pauses the whole worker for
//! Brevo (both loops; `Retry-After` honoured, else the backoff), not each row; transient
//! failures are retried until the retry horizon (three days by default), never failed
//! sooner. The loops wake on NOTIFY aurora_email_outbox and on a timer.
pub mod brevo;

use crate::config::EmailConfig;
use crate::db::{Attempt, ClaimedEmail, Db, LeasedQueue, RowStatus};
use std::sync::Mutex;
use std::time::Instant;
use brevo::{Brevo, Delivery};
use futures_util::StreamExt;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// How often the outbox depth gauges are refreshed (a query, not on every loop).
const DEPTH_EVERY: Duration = Duration::from_secs(5);

pub struct Worker {
    db: Db,
    brevo: Option<Brevo>,
    config: EmailConfig,
    database: crate::tls::DbTarget,
    /// Brevo asked us to wait (429) or is failing: nothing is sent to it before then.
    paused_until: Mutex<Option<Instant>>,
    /// Consecutive transient failures, for the pause's backoff.
    failures: Mutex<i32>,
}

impl Worker {
    pub fn new(db: Db, config: EmailConfig, database: crate::tls::DbTarget) -> Result<Worker, String> {
        let brevo = match &config.brevo_api_key {
            Some(key) => Some(Brevo::new(&config.brevo_api_url, key.clone(), config.brevo_timeout)?),
            None => {
                tracing::warn!("BREVO_API_KEY is not set: emails are captured, not sent");
                None
            }
        };
        Ok(Worker { db, brevo, config, database, paused_until: Mutex::new(None), failures: Mutex::new(0) })
    }

    /// Runs until `shutdown` turns true; a batch in flight is finished first.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        let (wake_tx, wake) = watch::channel(());
        let listener = tokio::spawn(listen(self.database.clone(), wake_tx));
        let worker = std::sync::Arc::new(self);
        let emails = tokio::spawn({
            let (w, shutdown, wake) = (worker.clone(), shutdown.clone(), wake.clone());
            async move { w.drain(LeasedQueue::Emails, shutdown, wake).await }
        });
        let contacts = tokio::spawn({
            let (w, shutdown, wake) = (worker.clone(), shutdown.clone(), wake.clone());
            async move { w.drain(LeasedQueue::ContactSyncs, shutdown, wake).await }
        });
        let _ = tokio::join!(emails, contacts);
        listener.abort();
        tracing::info!("email worker stopped");
    }

    /// One queue's loop: claim, work, again at once while rows are due; else wait for a
    /// notification, the poll timer, the end of a pause or shutdown.
    async fn drain(&self, queue: LeasedQueue, mut shutdown: watch::Receiver<bool>, mut wake: watch::Receiver<()>) {
        let mut depth_reported = Instant::now() - DEPTH_EVERY;
        loop {
            if *shutdown.borrow() {
                break;
            }
            if matches!(queue, LeasedQueue::Emails) && depth_reported.elapsed() >= DEPTH_EVERY {
                self.report_depth().await;
                depth_reported = Instant::now();
            }
            let nap = match self.pause_left() {
                Some(left) => left,
                None => {
                    let worked = match queue {
                        LeasedQueue::Emails => self.deliver_batch().await,
                        LeasedQueue::ContactSyncs => self.sync_contacts().await,
                    };
                    if worked > 0 {
                        continue; // more may be due: claim again without a nap
                    }
                    self.config.poll
                }
            };
            tokio::select! {
                _ = shutdown.changed() => {}
                _ = wake.changed() => {}
                _ = tokio::time::sleep(nap) => {}
            }
        }
    }

    /// How long Brevo's pause still runs, if it does.
    fn pause_left(&self) -> Option<Duration> {
        let until = (*self.paused_until.lock().unwrap_or_else(|p| p.into_inner()))?;
        until.checked_duration_since(Instant::now()).filter(|d| !d.is_zero())
    }

    /// Brevo failed transiently: pause sending to it (as long as it asked, else the backoff
    /// of consecutive pauses); a success ends the series. Requests that were in flight
    /// together fail together: only the first failure of a pause makes the next one longer.
    fn note(&self, delivery: &Delivery) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match delivery {
            Delivery::Retry(_, after) => {
                if self.pause_left().is_none() {
                    *failures += 1;
                }
                let pause = after.unwrap_or_else(|| self.backoff(*failures));
                let until = Instant::now() + pause;
                let mut paused = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
                if paused.is_none_or(|p| p < until) {
                    *paused = Some(until);
                }
                metrics::counter!("aurora_brevo_pauses_total").increment(1);
            }
            _ => *failures = 0,
        }
    }

    async fn deliver_batch(&self) -> usize {
        let claimed = match self.db.claim_emails(self.config.batch, self.config.lease_seconds).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "email outbox: cannot claim");
                return 0;
            }
        };
        let n = claimed.len();
        // rows not started by half the lease are put back, so a slow provider cannot keep
        // a batch's rows from other workers
        let stop_starting = Instant::now() + Duration::from_secs(self.config.lease_seconds.max(1) as u64) / 2;
        futures_util::stream::iter(claimed)
            .for_each_concurrent(self.config.concurrency, |email| async move { self.deliver(email, stop_starting).await })
            .await;
        n
    }

    /// What an attempt at Brevo came to, as the queues record it.
    fn attempt(&self, delivery: Delivery, attempts: i32) -> Attempt {
        match delivery {
            Delivery::Sent(id) => Attempt::Done(id),
            Delivery::Failed(e) => Attempt::Failed(e),
            Delivery::Retry(e, after) => {
                let backoff = self.backoff(attempts);
                Attempt::Retry(e, after.map_or(backoff, |a| a.max(backoff)))
            }
        }
    }

    /// Renews the row's lease right before acting; false: leave it (another worker has it).
    async fn still_ours(&self, queue: LeasedQueue, lease: crate::db::Lease) -> bool {
        match self.db.renew_lease(queue, lease, self.config.lease_seconds).await {
            Ok(true) => true,
            Ok(false) => {
                metrics::counter!("aurora_queue_leases_lost_total", "queue" => queue.as_str()).increment(1);
                false
            }
            Err(e) => {
                tracing::warn!(error = %e, row = lease.id, queue = queue.as_str(), "cannot renew a lease: leaving the row");
                false
            }
        }
    }

    /// Why a row is not tried now: Brevo is paused, or the batch ran out of time.
    fn not_now(&self, stop_starting: Instant) -> Option<Attempt> {
        if let Some(left) = self.pause_left() {
            return Some(Attempt::Retry("Brevo paused (429 or failing)".into(), left));
        }
        (Instant::now() >= stop_starting).then(|| Attempt::Retry("batch out of time".into(), Duration::ZERO))
    }

    async fn deliver(&self, email: ClaimedEmail, stop_starting: Instant) {
        let attempt = match (self.not_now(stop_starting), &self.brevo) {
            (Some(later), Some(_)) => later,
            (_, None) => {
                tracing::info!(email_id = email.lease.id, template = %email.template, to = %email.recipient_email,
                               params = %email.params, "email captured (no BREVO_API_KEY)");
                Attempt::Captured
            }
            (None, Some(brevo)) => match self.config.templates.iter().find(|(t, _)| *t == email.template) {
                None => Attempt::Failed(format!("no Brevo template id configured for {}", email.template)),
                Some((_, template_id)) => {
                    if !self.still_ours(LeasedQueue::Emails, email.lease).await {
                        return;
                    }
                    let delivery = brevo.send(&email.recipient_email, *template_id, &email.params, &email.delivery_key).await;
                    self.note(&delivery);
                    self.attempt(delivery, email.attempts)
                }
            },
        };
        match self.db.complete(LeasedQueue::Emails, email.lease, &attempt, self.config.retry_horizon).await {
            Ok(status) => {
                metrics::counter!("aurora_email_deliveries_total", "outcome" => status.as_str()).increment(1);
                match (&attempt, status) {
                    (_, RowStatus::Failed) => {
                        tracing::warn!(email_id = email.lease.id, template = %email.template, ?attempt, "email failed for good")
                    }
                    (Attempt::Retry(error, after), _) => tracing::info!(email_id = email.lease.id, retry_in_ms = after.as_millis() as u64,
                                                                         %error, "email will be retried"),
                    _ => {}
                }
            }
            Err(e) => tracing::warn!(email_id = email.lease.id, error = %e, "email outbox: cannot record outcome (the lease will expire)"),
        }
    }

    /// Processes due contact list syncs; returns how many it claimed.
    async fn sync_contacts(&self) -> usize {
        let claimed = match self.db.claim_contact_syncs(self.config.batch, self.config.lease_seconds).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "contact sync: cannot claim");
                return 0;
            }
        };
        let n = claimed.len();
        let stop_starting = Instant::now() + Duration::from_secs(self.config.lease_seconds.max(1) as u64) / 2;
        for sync in claimed {
            let list_of = |e: &str| self.config.lists.iter().find(|(k, _)| k == e).map(|(_, id)| *id);
            let target = list_of(&sync.entitlement).or_else(|| if sync.entitlement == "trial" { list_of("premium") } else { None });
            let attempt = match (&self.brevo, target, sync.email.as_deref()) {
                (_, _, None) => Attempt::Skipped("member has no email".into()),
                (None, _, Some(email)) => {
                    tracing::info!(sync_id = sync.lease.id, %email, entitlement = %sync.entitlement, "contact sync captured (no BREVO_API_KEY)");
                    Attempt::Captured
                }
                (Some(_), None, Some(_)) => Attempt::Done(None), // no list configured for it
                (Some(brevo), Some(list), Some(email)) => match self.not_now(stop_starting) {
                    Some(later) => later,
                    None => {
                        if !self.still_ours(LeasedQueue::ContactSyncs, sync.lease).await {
                            continue;
                        }
                        let others: Vec<i64> = self.config.lists.iter().map(|(_, id)| *id).filter(|id| *id != list).collect();
                        let delivery = brevo.sync_contact(email, sync.full_name.as_deref(), list, &others).await;
                        self.note(&delivery);
                        self.attempt(delivery, sync.attempts)
                    }
                },
            };
            match self.db.complete(LeasedQueue::ContactSyncs, sync.lease, &attempt, self.config.retry_horizon).await {
                Ok(status) => metrics::counter!("aurora_brevo_contact_syncs_total", "outcome" => status.as_str()).increment(1),
                Err(e) => tracing::warn!(sync_id = sync.lease.id, error = %e, "contact sync: cannot record outcome"),
            }
        }
        n
    }

    /// Exponential backoff with jitter: base · 2^(attempts-1), capped, then a random
    /// point in its upper half, so retries of many rows do not arrive together.
    fn backoff(&self, attempts: i32) -> Duration {
        let exp = (attempts.max(1) - 1).min(30) as u32;
        let full = self.config.retry_base.saturating_mul(2u32.saturating_pow(exp)).min(self.config.retry_max);
        let half = full / 2;
        half + Duration::from_millis(fastrand::u64(0..=half.as_millis() as u64))
    }

    async fn report_depth(&self) {
        if let Ok((pending, oldest, failed)) = self.db.email_outbox_stats().await {
            metrics::gauge!("aurora_email_outbox_pending").set(pending as f64);
            metrics::gauge!("aurora_email_outbox_oldest_pending_seconds").set(oldest);
            metrics::gauge!("aurora_email_outbox_failed").set(failed as f64);
        }
    }
}

/// LISTEN aurora_email_outbox on a connection of its own; each notification wakes the
/// worker. If the connection drops, the timer still drives the worker; it reconnects.
async fn listen(database: crate::tls::DbTarget, wake: watch::Sender<()>) {
    let tls = database.connector();
    loop {
        match database.pg.connect(tls.clone()).await {
            Ok((client, mut connection)) => {
                let (tx, mut rx) = mpsc::unbounded_channel();
                let pump = tokio::spawn(async move {
                    let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                    while let Some(Ok(message)) = messages.next().await {
                        if let tokio_postgres::AsyncMessage::Notification(_) = message {
                            let _ = tx.send(());
                        }
                    }
                });
                if client.batch_execute("listen aurora_email_outbox").await.is_ok() {
                    while rx.recv().await.is_some() {
                        wake.send_replace(());
                    }
                }
                pump.abort();
            }
            Err(e) => tracing::debug!(error = %e, "email listener: cannot connect"),
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}
