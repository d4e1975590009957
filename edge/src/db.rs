//! The database pool. Connections are opened lazily: the edge starts (and answers
//! /health) while the database is down, and /ready says so.
//!
//! This module speaks the database's language only: its own error type (`DbError`) and
//! typed outcomes; what they mean in HTTP is decided in `error.rs`.
use crate::config::Config;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::time::Duration;
// Every statement is sent unnamed with its parameter types (query_typed: Parse, Bind and
// Execute in one round trip, nothing left on the server), so the edge works through a
// transaction-mode pooler (pgbouncer, Supabase's pooler), which may run two statements of
// one client connection on different servers: a named prepared statement would be missing.
use tokio_postgres::types::{Json, ToSql, Type};

#[derive(Clone)]
pub struct Db {
    pub(crate) pool: Pool,
    ready_timeout: Duration,
}

/// Why a database call did not give an answer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection (pool exhausted, server down or restarting): worth retrying.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database did not answer within {0:?}")]
    Timeout(Duration),
    /// The database refused the statement, with its SQLSTATE and words.
    #[error("{code}: {message}")]
    Refused { code: String, message: String, detail: Option<String>, hint: Option<String> },
    /// An answer this edge does not understand (a release mismatch, a bug).
    #[error("unexpected answer from the database: {0}")]
    Unexpected(String),
}

impl From<tokio_postgres::Error> for DbError {
    fn from(e: tokio_postgres::Error) -> DbError {
        match e.as_db_error() {
            Some(d) => DbError::Refused {
                code: d.code().code().to_string(),
                message: d.message().to_string(),
                detail: d.detail().map(str::to_string),
                hint: d.hint().map(str::to_string),
            },
            None => DbError::Unavailable(e.to_string()),
        }
    }
}

impl From<deadpool_postgres::PoolError> for DbError {
    fn from(e: deadpool_postgres::PoolError) -> DbError {
        DbError::Unavailable(e.to_string())
    }
}

/// What the ledger did with a Stripe event (stripe_events.status, or `duplicate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StripeStatus {
    Applied,
    Duplicate,
    Stale,
    Pending,
    Ignored,
    Rejected,
}

impl StripeStatus {
    fn parse(s: &str) -> Option<StripeStatus> {
        Some(match s {
            "applied" => StripeStatus::Applied,
            "duplicate" => StripeStatus::Duplicate,
            "stale" => StripeStatus::Stale,
            "pending" => StripeStatus::Pending,
            "ignored" => StripeStatus::Ignored,
            "rejected" => StripeStatus::Rejected,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StripeStatus::Applied => "applied",
            StripeStatus::Duplicate => "duplicate",
            StripeStatus::Stale => "stale",
            StripeStatus::Pending => "pending",
            StripeStatus::Ignored => "ignored",
            StripeStatus::Rejected => "rejected",
        }
    }
}

/// A Stripe event's outcome; `reason` says why it was rejected, or what it carried that
/// aurora does not know (a new subscription status).
#[derive(Debug, Clone)]
pub struct StripeOutcome {
    pub event_id: String,
    pub status: StripeStatus,
    pub reason: Option<String>,
}

impl StripeOutcome {
    fn from_json(v: &serde_json::Value) -> Result<StripeOutcome, DbError> {
        let status = v["status"].as_str().and_then(StripeStatus::parse).ok_or_else(|| DbError::Unexpected(v.to_string()))?;
        Ok(StripeOutcome {
            event_id: v["event_id"].as_str().unwrap_or_default().to_string(),
            status,
            reason: v["reason"].as_str().map(str::to_string),
        })
    }
}

/// What `queue_member_email` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queued {
    Queued,
    /// The same kind of email went out less than a minute ago.
    TooSoon,
    /// The member has no address.
    NoRecipient,
}

/// The two leased queues the worker drains: claimed with `FOR UPDATE SKIP LOCKED` under a
/// lease, renewed right before each row is acted on, completed with an `Attempt`;
/// transient failures are retried with backoff until the retry horizon.
#[derive(Debug, Clone, Copy)]
pub enum LeasedQueue {
    Emails,
    ContactSyncs,
}

impl LeasedQueue {
    /// Its name in aurora_private.renew_lease / requeue_failed.
    pub fn as_str(self) -> &'static str {
        match self {
            LeasedQueue::Emails => "emails",
            LeasedQueue::ContactSyncs => "contact_syncs",
        }
    }
}

/// A claimed row's lease: its id and the token only its holder knows.
#[derive(Debug, Clone, Copy)]
pub struct Lease {
    pub id: i64,
    pub token: uuid::Uuid,
}

/// How one attempt at a queued row ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    /// Done: sent (an email, with the provider's message id) or synced (a contact).
    Done(Option<String>),
    /// No provider configured: logged instead of sent.
    Captured,
    /// Done, with a note (e.g. a contact without an address: nothing to sync).
    Skipped(String),
    /// Will never work as is.
    Failed(String),
    /// Try again after this long.
    Retry(String, Duration),
}

/// A queued row's status after an attempt was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    Sent,
    Captured,
    Done,
    /// Back in the queue for a retry.
    Pending,
    Failed,
    /// Another worker took the row meanwhile (this one's lease had run out).
    LostLease,
}

impl RowStatus {
    fn parse(s: Option<&str>) -> Result<RowStatus, DbError> {
        Ok(match s {
            None => RowStatus::LostLease,
            Some("sent") => RowStatus::Sent,
            Some("captured") => RowStatus::Captured,
            Some("done") => RowStatus::Done,
            Some("pending") => RowStatus::Pending,
            Some("failed") => RowStatus::Failed,
            Some(other) => return Err(DbError::Unexpected(format!("queue row status {other}"))),
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Sent => "sent",
            RowStatus::Captured => "captured",
            RowStatus::Done => "done",
            RowStatus::Pending => "pending",
            RowStatus::Failed => "failed",
            RowStatus::LostLease => "lost_lease",
        }
    }
}

impl Db {
    pub fn new(config: &Config) -> Result<Db, String> {
        let mut pg = config.database.pg.clone();
        pg.application_name("aurora-edge");
        pg.connect_timeout(config.ready_timeout);
        let manager = Manager::from_config(
            pg,
            config.database.connector(),
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let pool = Pool::builder(manager)
            .max_size(config.db_pool_size)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(config.ready_timeout))
            .create_timeout(Some(config.ready_timeout))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Db { pool, ready_timeout: config.ready_timeout })
    }

    /// A round trip to the database, bounded by the readiness timeout: whether it takes
    /// writes (false on a hot standby, or a primary made read-only while a failover demotes
    /// it: every webhook would fail there).
    pub async fn ping(&self) -> Result<bool, DbError> {
        let check = async {
            let client = self.pool.get().await?;
            let rows = client
                .simple_query("select not pg_is_in_recovery() and current_setting('transaction_read_only') = 'off'")
                .await?;
            let writable = rows.iter().find_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(|v| v == "t"),
                _ => None,
            });
            Ok(writable.unwrap_or(false))
        };
        tokio::time::timeout(self.ready_timeout, check)
            .await
            .map_err(|_| DbError::Timeout(self.ready_timeout))?
    }
}

impl Db {
    /// Records and applies a verified Stripe event (aurora_private.apply_stripe_event).
    pub async fn apply_stripe_event(&self, event: &serde_json::Value) -> Result<StripeOutcome, DbError> {
        let row = self.pool.get().await?.query_typed_one("select aurora_private.apply_stripe_event($1)", &[(&Json(event), Type::JSONB)]).await?;
        let Json(v): Json<serde_json::Value> = row.get(0);
        StripeOutcome::from_json(&v)
    }

    /// Records a verified Stripe event that cannot be applied, with why
    /// (aurora_private.reject_stripe_event).
    pub async fn reject_stripe_event(&self, event: &serde_json::Value, reason: &str) -> Result<StripeOutcome, DbError> {
        let row = self
            .pool
            .get()
            .await?
            .query_typed_one("select aurora_private.reject_stripe_event($1, $2)", &[(&Json(event), Type::JSONB), (&reason, Type::TEXT)])
            .await?;
        let Json(v): Json<serde_json::Value> = row.get(0);
        StripeOutcome::from_json(&v)
    }
}

/// An email claimed from the outbox.
#[derive(Debug, Clone)]
pub struct ClaimedEmail {
    pub lease: Lease,
    pub template: String,
    pub recipient_email: String,
    pub params: serde_json::Value,
    pub delivery_key: String,
    pub attempts: i32,
}

impl Db {
    pub async fn claim_emails(&self, batch: i32, lease_seconds: i32) -> Result<Vec<ClaimedEmail>, DbError> {
        let rows = self
            .pool
            .get()
            .await?
            .query_typed(
                "select id, template, recipient_email, params, delivery_key::text, attempts, lease_token
                   from aurora_private.claim_emails($1, $2)",
                &[(&batch, Type::INT4), (&lease_seconds, Type::INT4)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let Json(params): Json<serde_json::Value> = r.get(3);
                ClaimedEmail {
                    lease: Lease { id: r.get(0), token: r.get(6) },
                    template: r.get(1),
                    recipient_email: r.get(2),
                    params,
                    delivery_key: r.get(4),
                    attempts: r.get(5),
                }
            })
            .collect())
    }

    pub async fn claim_contact_syncs(&self, batch: i32, lease_seconds: i32) -> Result<Vec<ContactSync>, DbError> {
        let rows = self
            .pool
            .get()
            .await?
            .query_typed(
                "select id, email, full_name, coalesce(entitlement, 'freemium'), attempts, lease_token
                   from aurora_private.claim_contact_syncs($1, $2)",
                &[(&batch, Type::INT4), (&lease_seconds, Type::INT4)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| ContactSync {
                lease: Lease { id: r.get(0), token: r.get(5) },
                email: r.get(1),
                full_name: r.get(2),
                entitlement: r.get(3),
                attempts: r.get(4),
            })
            .collect())
    }

    /// Extends a row's lease right before acting on it; false when another worker holds it
    /// now (its lease had run out and it was claimed again): then do nothing with it.
    pub async fn renew_lease(&self, queue: LeasedQueue, lease: Lease, lease_seconds: i32) -> Result<bool, DbError> {
        let row = self
            .pool
            .get()
            .await?
            .query_typed_one(
                "select aurora_private.renew_lease($1, $2, $3, $4)",
                &[(&queue.as_str(), Type::TEXT), (&lease.id, Type::INT8), (&lease.token, Type::UUID), (&lease_seconds, Type::INT4)],
            )
            .await?;
        Ok(row.get(0))
    }

    /// Records how an attempt at a leased row ended: the one completion path of both queues.
    /// A retry is failed once the row is `horizon` old.
    pub async fn complete(&self, queue: LeasedQueue, lease: Lease, attempt: &Attempt, horizon: Duration) -> Result<RowStatus, DbError> {
        // the words each queue's completion function takes for success and for "kept locally"
        let (done, captured) = match queue {
            LeasedQueue::Emails => ("sent", "captured"),
            LeasedQueue::ContactSyncs => ("done", "done"),
        };
        let (outcome, message_id, error, retry_in): (&str, Option<&str>, Option<&str>, Duration) = match attempt {
            Attempt::Done(id) => (done, id.as_deref(), None, Duration::ZERO),
            Attempt::Captured => (captured, None, None, Duration::ZERO),
            Attempt::Skipped(note) => (done, None, Some(note.as_str()), Duration::ZERO),
            Attempt::Failed(e) => ("failed", None, Some(e.as_str()), Duration::ZERO),
            Attempt::Retry(e, after) => ("retry", None, Some(e.as_str()), *after),
        };
        let retry_ms = retry_in.as_millis().min(i32::MAX as u128) as i32;
        let horizon_s = horizon.as_secs().min(i32::MAX as u64) as i32;
        let client = self.pool.get().await?;
        let row = match queue {
            LeasedQueue::Emails => {
                client
                    .query_typed_one(
                        "select aurora_private.complete_email($1, $2, $3, $4, $5, $6, $7)",
                        &[(&lease.id, Type::INT8), (&lease.token, Type::UUID), (&outcome, Type::TEXT), (&message_id, Type::TEXT),
                          (&error, Type::TEXT), (&retry_ms, Type::INT4), (&horizon_s, Type::INT4)],
                    )
                    .await?
            }
            LeasedQueue::ContactSyncs => {
                client
                    .query_typed_one(
                        "select aurora_private.complete_contact_sync($1, $2, $3, $4, $5, $6)",
                        &[(&lease.id, Type::INT8), (&lease.token, Type::UUID), (&outcome, Type::TEXT), (&error, Type::TEXT),
                          (&retry_ms, Type::INT4), (&horizon_s, Type::INT4)],
                    )
                    .await?
            }
        };
        RowStatus::parse(row.get::<_, Option<String>>(0).as_deref())
    }

    /// Outbox depth: (pending or sending, age of the oldest in seconds, failed).
    pub async fn email_outbox_stats(&self) -> Result<(i64, f64, i64), DbError> {
        let row = self
            .pool
            .get()
            .await?
            .query_typed_one("select pending, oldest_pending_seconds, failed from aurora_private.email_outbox_stats()", &[])
            .await?;
        Ok((row.get(0), row.get(1), row.get(2)))
    }

    /// Erasures in progress: (running, age of the oldest in seconds, failing steps).
    pub async fn erasure_stats(&self) -> Result<(i64, f64, i64), DbError> {
        let row = self
            .pool
            .get()
            .await?
            .query_typed_one("select running, oldest_running_seconds, failing_steps from aurora_private.erasure_stats()", &[])
            .await?;
        Ok((row.get(0), row.get(1), row.get(2)))
    }

    /// Runs `sql` (one jsonb column) as the member, the way PostgREST does: in a
    /// transaction, `set local role authenticated` and her claims in request.jwt.claims.
    pub async fn as_member(
        &self,
        member: &crate::auth::Member,
        sql: &str,
        params: &[(&(dyn ToSql + Sync), Type)],
    ) -> Result<serde_json::Value, DbError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // `set local role` and the claims in one round trip (set_config('role', …, true) is SET LOCAL ROLE)
        tx.query_typed(
            "select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)",
            &[(&member.claims.to_string(), Type::TEXT)],
        )
        .await?;
        let row = tx.query_typed_one(sql, params).await?;
        let value: Option<Json<serde_json::Value>> = row.get(0);
        tx.commit().await?;
        Ok(value.map(|j| j.0).unwrap_or(serde_json::Value::Null))
    }

    /// Queues an email for a member (aurora_private.queue_member_email).
    pub async fn queue_member_email(
        &self,
        member: &str,
        template: &str,
        params: &serde_json::Value,
        key: &str,
    ) -> Result<Queued, DbError> {
        let row = self
            .pool
            .get()
            .await?
            .query_typed_one(
                "select aurora_private.queue_member_email($1::text::uuid, $2, $3, $4)",
                &[(&member, Type::TEXT), (&template, Type::TEXT), (&Json(params), Type::JSONB), (&key, Type::TEXT)],
            )
            .await?;
        match row.get::<_, String>(0).as_str() {
            "queued" => Ok(Queued::Queued),
            "too_soon" => Ok(Queued::TooSoon),
            "no_recipient" => Ok(Queued::NoRecipient),
            other => Err(DbError::Unexpected(format!("queue_member_email: {other}"))),
        }
    }
}

/// A contact list sync claimed from brevo_contact_sync, with the member's current state.
#[derive(Debug, Clone)]
pub struct ContactSync {
    pub lease: Lease,
    pub email: Option<String>,
    pub full_name: Option<String>,
    pub entitlement: String,
    pub attempts: i32,
}

/// One step of an erasure, claimed under a lease (aurora_private.claim_erasure_step).
#[derive(Debug, Clone)]
pub struct ErasureStep {
    pub user_id: uuid::Uuid,
    pub step: String,
    pub attempts: i32,
    pub token: uuid::Uuid,
    pub input: serde_json::Value,
}

impl Db {
    pub async fn claim_erasure_step(&self, lease_seconds: i32) -> Result<Option<ErasureStep>, DbError> {
        let row = self
            .pool
            .get()
            .await?
            .query_typed_opt(
                "select user_id, step, attempts, lease_token, input from aurora_private.claim_erasure_step($1)",
                &[(&lease_seconds, Type::INT4)],
            )
            .await?;
        Ok(row.map(|r| {
            let Json(input): Json<serde_json::Value> = r.get(4);
            ErasureStep { user_id: r.get(0), step: r.get(1), attempts: r.get(2), token: r.get(3), input }
        }))
    }

    /// Records a step's outcome: `Ok(result)` done, `Err((error, retry_in))` again later.
    /// None when the lease was lost (another edge holds the step now).
    pub async fn complete_erasure_step(
        &self,
        step: &ErasureStep,
        outcome: &Result<serde_json::Value, (String, Duration)>,
    ) -> Result<Option<String>, DbError> {
        let (kind, result, error, retry_ms) = match outcome {
            Ok(v) => ("done", Some(Json(v)), None, 0i32),
            Err((e, after)) => ("retry", None, Some(e.as_str()), after.as_millis().min(i32::MAX as u128) as i32),
        };
        let row = self
            .pool
            .get()
            .await?
            .query_typed_one(
                "select aurora_private.complete_erasure_step($1, $2, $3, $4, $5, $6, $7)",
                &[(&step.user_id, Type::UUID), (&step.step, Type::TEXT), (&step.token, Type::UUID), (&kind, Type::TEXT),
                  (&result, Type::JSONB), (&error, Type::TEXT), (&retry_ms, Type::INT4)],
            )
            .await?;
        Ok(row.get(0))
    }
}
