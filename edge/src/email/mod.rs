//! The email outbox delivery worker. Emails are rows first (the database queues them);
//! every edge runs this loop: claim a batch with FOR UPDATE SKIP LOCKED under a lease,
//! send each through Brevo, record the outcome. Several edges share one outbox; an edge
//! that dies mid-batch leaves leased rows that another claims when the lease ends; a
//! retry reuses the row's UUID as Brevo's idempotency key. It wakes on NOTIFY
//! aurora_email_outbox and on a timer.
pub mod brevo;

use crate::config::EmailConfig;
use crate::db::{Attempt, ClaimedEmail, Db, LeasedQueue, RowStatus};
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
    database_url: String,
}

impl Worker {
    pub fn new(db: Db, config: EmailConfig, database_url: String) -> Result<Worker, String> {
        let brevo = match &config.brevo_api_key {
            Some(key) => Some(Brevo::new(&config.brevo_api_url, key.clone(), config.brevo_timeout)?),
            None => {
                tracing::warn!("BREVO_API_KEY is not set: emails are captured, not sent");
                None
            }
        };
        Ok(Worker { db, brevo, config, database_url })
    }

    /// Runs until `shutdown` turns true; a batch in flight is finished first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let (wake_tx, mut wake) = mpsc::channel::<()>(1);
        let listener = tokio::spawn(listen(self.database_url.clone(), wake_tx));
        let mut depth_reported = std::time::Instant::now() - DEPTH_EVERY;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let claimed = match self.db.claim_emails(self.config.batch, self.config.lease_seconds).await {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(error = %e, "email outbox: cannot claim");
                    Vec::new()
                }
            };
            if depth_reported.elapsed() >= DEPTH_EVERY {
                self.report_depth().await;
                depth_reported = std::time::Instant::now();
            }
            let contacts = self.sync_contacts().await;
            if !claimed.is_empty() || contacts > 0 {
                // more may be due: claim again without a nap
                self.deliver_all(claimed).await;
                continue;
            }
            tokio::select! {
                _ = shutdown.changed() => {}
                _ = wake.recv() => {}
                _ = tokio::time::sleep(self.config.poll) => {}
            }
        }
        listener.abort();
        tracing::info!("email worker stopped");
    }

    async fn deliver_all(&self, claimed: Vec<ClaimedEmail>) {
        futures_util::stream::iter(claimed)
            .for_each_concurrent(self.config.concurrency, |email| async move { self.deliver(email).await })
            .await;
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

    async fn deliver(&self, email: ClaimedEmail) {
        let attempt = match &self.brevo {
            None => {
                tracing::info!(email_id = email.id, template = %email.template, to = %email.recipient_email,
                               params = %email.params, "email captured (no BREVO_API_KEY)");
                Attempt::Captured
            }
            Some(brevo) => match self.config.templates.iter().find(|(t, _)| *t == email.template) {
                None => Attempt::Failed(format!("no Brevo template id configured for {}", email.template)),
                Some((_, template_id)) => self.attempt(
                    brevo.send(&email.recipient_email, *template_id, &email.params, &email.delivery_key).await,
                    email.attempts,
                ),
            },
        };
        match self.db.complete(LeasedQueue::Emails, email.id, &attempt, self.config.max_attempts).await {
            Ok(status) => {
                metrics::counter!("aurora_email_deliveries_total", "outcome" => status.as_str()).increment(1);
                match (&attempt, status) {
                    (_, RowStatus::Failed) => {
                        tracing::warn!(email_id = email.id, template = %email.template, ?attempt, "email failed for good")
                    }
                    (Attempt::Retry(error, after), _) => tracing::info!(email_id = email.id, retry_in_ms = after.as_millis() as u64,
                                                                         %error, "email will be retried"),
                    _ => {}
                }
            }
            Err(e) => tracing::warn!(email_id = email.id, error = %e, "email outbox: cannot record outcome (the lease will expire)"),
        }
    }

    /// Processes due contact list syncs; returns how many it handled.
    async fn sync_contacts(&self) -> usize {
        let claimed = match self.db.claim_contact_syncs(self.config.batch, self.config.lease_seconds).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "contact sync: cannot claim");
                return 0;
            }
        };
        let n = claimed.len();
        for sync in claimed {
            let list_of = |e: &str| self.config.lists.iter().find(|(k, _)| k == e).map(|(_, id)| *id);
            let target = list_of(&sync.entitlement).or_else(|| if sync.entitlement == "trial" { list_of("premium") } else { None });
            let attempt = match (&self.brevo, target, sync.email.as_deref()) {
                (_, _, None) => Attempt::Skipped("member has no email".into()),
                (None, _, Some(email)) => {
                    tracing::info!(sync_id = sync.id, %email, entitlement = %sync.entitlement, "contact sync captured (no BREVO_API_KEY)");
                    Attempt::Captured
                }
                (Some(_), None, Some(_)) => Attempt::Done(None), // no list configured for it
                (Some(brevo), Some(list), Some(email)) => {
                    let others: Vec<i64> = self.config.lists.iter().map(|(_, id)| *id).filter(|id| *id != list).collect();
                    self.attempt(brevo.sync_contact(email, sync.full_name.as_deref(), list, &others).await, sync.attempts)
                }
            };
            match self.db.complete(LeasedQueue::ContactSyncs, sync.id, &attempt, self.config.max_attempts).await {
                Ok(status) => metrics::counter!("aurora_brevo_contact_syncs_total", "outcome" => status.as_str()).increment(1),
                Err(e) => tracing::warn!(sync_id = sync.id, error = %e, "contact sync: cannot record outcome"),
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
async fn listen(database_url: String, wake: mpsc::Sender<()>) {
    loop {
        match tokio_postgres::connect(&database_url, tokio_postgres::NoTls).await {
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
                        let _ = wake.try_send(());
                    }
                }
                pump.abort();
            }
            Err(e) => tracing::debug!(error = %e, "email listener: cannot connect"),
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}
