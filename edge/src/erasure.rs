//! Erasure's steps outside the database (privacy/api.sql starts an erasure and queues
//! them). Every edge runs this loop beside the email worker: claim one due step under a
//! lease, carry it out, record the outcome; a step that fails (a third party down, slow,
//! refusing, or a key not set) is retried with backoff (AURORA_EMAIL_RETRY_BASE_MS doubling
//! up to AURORA_EMAIL_RETRY_MAX_MS), never given up: its `last_error` says why it waits.
//! Each step is idempotent (a 404 counts as done), so an edge killed mid-step leaves a lease
//! that runs out, and whichever edge claims the step next does it again safely.
//!
//! - `sign_out`: GoTrue bans her (no sign-in, no refresh) — the member's route has already
//!   revoked her sessions with her own token; the database refuses her token meanwhile.
//! - `stripe`: each of her subscriptions still running is canceled at once, then each
//!   customer is deleted; Stripe's answers update aurora's records of the subscriptions.
//! - `brevo`: her contact is deleted, under every address aurora knew her by.
//! - `storage`: every object she owns or that sits in her folders is deleted through the
//!   Storage API, the bytes with the rows (listed again at each attempt).
//! - `auth_user` (last): GoTrue deletes her user; the database's rows keyed to it go with it.
use crate::auth::gotrue::GoTrue;
use crate::config::Config;
use crate::db::{Db, ErasureStep};
use crate::email::brevo::Brevo;
use crate::storage::Storage;
use crate::stripe::StripeApi;
use crate::third_party::Answer;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Objects per Storage delete request.
const STORAGE_BATCH: usize = 100;

pub struct Worker {
    db: Db,
    gotrue: GoTrue,
    stripe: StripeApi,
    brevo: Option<Brevo>,
    storage: Storage,
    config: Arc<Config>,
}

impl Worker {
    /// With the clients the edge already made (App::build): one GoTrue, Storage and Brevo
    /// client per edge, shared with the routes.
    pub fn new(db: Db, gotrue: GoTrue, storage: Storage, brevo: Option<Brevo>, config: Arc<Config>) -> Result<Worker, String> {
        let stripe = StripeApi::new(&config.stripe_api_url, config.stripe_secret_key.clone(), config.third_party_timeout)?;
        Ok(Worker { db, gotrue, stripe, brevo, storage, config })
    }

    /// Runs until `shutdown` turns true; a step in flight is finished first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let lease = self.lease_seconds();
        loop {
            if *shutdown.borrow() {
                break;
            }
            match self.db.claim_erasure_step(lease).await {
                Ok(Some(step)) => {
                    self.work(step).await;
                    continue;
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "erasure: cannot claim a step"),
            }
            tokio::select! {
                _ = tokio::time::sleep(self.config.email.poll) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("erasure worker stopped");
    }

    /// A step's lease: the email queue's (AURORA_EMAIL_LEASE_SECONDS). A step that outlives
    /// it may be claimed by another edge meanwhile; both doing it is harmless (idempotent),
    /// it only costs calls.
    fn lease_seconds(&self) -> i32 {
        self.config.email.lease_seconds
    }

    fn backoff(&self, attempts: i32) -> Duration {
        let base = self.config.email.retry_base.as_millis() as u64;
        let exp = base.saturating_mul(1u64 << attempts.clamp(1, 30).saturating_sub(1).min(20));
        let capped = exp.min(self.config.email.retry_max.as_millis() as u64);
        // ±20 %: steps of many erasures do not come back in lockstep
        Duration::from_millis(capped.saturating_mul(80 + fastrand::u64(0..=40)) / 100)
    }

    async fn work(&self, step: ErasureStep) {
        let user = step.user_id.to_string();
        let outcome = match step.step.as_str() {
            "sign_out" => self.sign_out(&user).await,
            "stripe" => self.stripe(&step.input).await,
            "brevo" => self.brevo(&step.input).await,
            "storage" => self.storage(&step.input).await,
            "auth_user" => self.auth_user(&user).await,
            other => Err(format!("unknown erasure step {other}")),
        };
        let outcome = outcome.map_err(|e| (e, self.backoff(step.attempts)));
        let label = if outcome.is_ok() { "done" } else { "retry" };
        metrics::counter!("aurora_erasure_steps_total", "step" => step.step.clone(), "outcome" => label).increment(1);
        match &outcome {
            Ok(result) => tracing::info!(user = %user, step = %step.step, %result, "erasure step done"),
            Err((error, after)) => {
                tracing::warn!(user = %user, step = %step.step, attempts = step.attempts, %error, retry_in_ms = after.as_millis() as u64, "erasure step failed")
            }
        }
        match self.db.complete_erasure_step(&step, &outcome).await {
            Ok(Some(_)) => {}
            Ok(None) => tracing::warn!(user = %user, step = %step.step, "erasure step's lease was lost; another edge carries it"),
            Err(e) => tracing::warn!(user = %user, step = %step.step, error = %e, "erasure: cannot record a step; it is retried when its lease ends"),
        }
    }

    async fn sign_out(&self, user: &str) -> Result<Value, String> {
        match self.gotrue.ban(user).await {
            Answer::Done(_) => Ok(json!({ "banned": true })),
            Answer::Gone => Ok(json!({ "banned": false, "user": "gone" })),
            Answer::Retry(e) => Err(e),
        }
    }

    async fn auth_user(&self, user: &str) -> Result<Value, String> {
        match self.gotrue.delete_user(user).await {
            Answer::Done(_) => Ok(json!({ "deleted": true })),
            Answer::Gone => Ok(json!({ "deleted": false, "user": "gone" })),
            Answer::Retry(e) => Err(e),
        }
    }

    async fn stripe(&self, input: &Value) -> Result<Value, String> {
        let mut subscriptions = Vec::new();
        let mut missing = Vec::new();
        for id in strings(&input["subscriptions"]) {
            let current = match self.stripe.subscription(&id).await {
                Answer::Done(v) => v,
                Answer::Gone => {
                    missing.push(id);
                    continue;
                }
                Answer::Retry(e) => return Err(e),
            };
            let last = if matches!(current["status"].as_str(), Some("canceled" | "incomplete_expired")) {
                current
            } else {
                match self.stripe.cancel_subscription(&id).await {
                    Answer::Done(v) => v,
                    Answer::Gone => {
                        missing.push(id);
                        continue;
                    }
                    Answer::Retry(e) => return Err(e),
                }
            };
            subscriptions.push(json!({
                "id": id, "status": last["status"], "canceled_at": last["canceled_at"], "ended_at": last["ended_at"],
            }));
        }
        let (mut deleted, mut gone) = (Vec::new(), Vec::new());
        for customer in strings(&input["customers"]) {
            match self.stripe.delete_customer(&customer).await {
                Answer::Done(_) => deleted.push(customer),
                Answer::Gone => gone.push(customer),
                Answer::Retry(e) => return Err(e),
            }
        }
        Ok(json!({
            "subscriptions": subscriptions, "subscriptions_missing": missing,
            "customers_deleted": deleted, "customers_missing": gone,
        }))
    }

    async fn brevo(&self, input: &Value) -> Result<Value, String> {
        let Some(brevo) = &self.brevo else {
            return Err("BREVO_API_KEY is not set".into());
        };
        let (mut deleted, mut absent) = (0, 0);
        for email in strings(&input["emails"]) {
            match brevo.delete_contact(&email).await {
                Answer::Done(_) => deleted += 1,
                Answer::Gone => absent += 1,
                Answer::Retry(e) => return Err(e),
            }
        }
        Ok(json!({ "contacts_deleted": deleted, "contacts_absent": absent }))
    }

    async fn storage(&self, input: &Value) -> Result<Value, String> {
        let by_bucket = crate::storage::by_bucket(&input["files"]);
        let mut deleted = 0usize;
        for (bucket, names) in &by_bucket {
            for chunk in names.chunks(STORAGE_BATCH) {
                match self.storage.delete(bucket, chunk).await {
                    Answer::Done(v) => deleted += v.as_array().map_or(0, Vec::len),
                    Answer::Gone => {}
                    Answer::Retry(e) => return Err(e),
                }
            }
        }
        Ok(json!({ "files": by_bucket.values().map(Vec::len).sum::<usize>(), "deleted": deleted }))
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_string)).collect()
}
