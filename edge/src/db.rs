//! The database pool. Connections are opened lazily: the edge starts (and answers
//! /health) while the database is down, and /ready says so.
use crate::config::Config;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use secrecy::ExposeSecret;
use std::time::Duration;

#[derive(Clone)]
pub struct Db {
    pub(crate) pool: Pool,
    ready_timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database unreachable: {0}")]
    Unreachable(String),
    #[error("database did not answer within {0:?}")]
    Timeout(Duration),
    #[error(transparent)]
    Query(#[from] tokio_postgres::Error),
}

impl Db {
    pub fn new(config: &Config) -> Result<Db, String> {
        let pg: tokio_postgres::Config =
            config.database_url.expose_secret().parse().map_err(|e| format!("DATABASE_URL: {e}"))?;
        let mut pg = pg;
        pg.application_name("aurora-edge");
        pg.connect_timeout(config.ready_timeout);
        let manager = Manager::from_config(
            pg,
            tokio_postgres::NoTls,
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

    /// A round trip to the database, bounded by the readiness timeout.
    pub async fn ping(&self) -> Result<(), DbError> {
        let check = async {
            let client = self.pool.get().await.map_err(|e| DbError::Unreachable(e.to_string()))?;
            client.simple_query("select 1").await?;
            Ok(())
        };
        tokio::time::timeout(self.ready_timeout, check)
            .await
            .map_err(|_| DbError::Timeout(self.ready_timeout))?
    }
}

impl Db {
    /// Records and applies a verified Stripe event (aurora_private.apply_stripe_event).
    pub async fn apply_stripe_event(&self, event: &serde_json::Value) -> Result<serde_json::Value, crate::error::AppError> {
        self.stripe_call("select aurora_private.apply_stripe_event($1::jsonb)", event, None).await
    }

    /// Records a verified Stripe event that cannot be applied, with why
    /// (aurora_private.reject_stripe_event).
    pub async fn reject_stripe_event(
        &self,
        event: &serde_json::Value,
        reason: &str,
    ) -> Result<serde_json::Value, crate::error::AppError> {
        self.stripe_call("select aurora_private.reject_stripe_event($1::jsonb, $2)", event, Some(reason)).await
    }

    async fn stripe_call(
        &self,
        sql: &str,
        event: &serde_json::Value,
        reason: Option<&str>,
    ) -> Result<serde_json::Value, crate::error::AppError> {
        use crate::error::AppError;
        let client = self.request_client().await?;
        let event = tokio_postgres::types::Json(event);
        let row = match reason {
            Some(reason) => client.query_one(sql, &[&event, &reason]).await,
            None => client.query_one(sql, &[&event]).await,
        }
        .map_err(|e| match e.as_db_error() {
            Some(d) if *d.code() == tokio_postgres::error::SqlState::INVALID_PARAMETER_VALUE => {
                AppError::BadRequest(d.message().to_string())
            }
            // the database's own words, for the operator (the client gets no detail)
            Some(d) => AppError::Internal(format!("{}: {}", d.code().code(), d.message())),
            None => AppError::Unavailable(e.to_string()),
        })?;
        let tokio_postgres::types::Json(outcome): tokio_postgres::types::Json<serde_json::Value> = row.get(0);
        Ok(outcome)
    }
}

/// An email claimed from the outbox.
#[derive(Debug, Clone)]
pub struct ClaimedEmail {
    pub id: i64,
    pub template: String,
    pub recipient_email: String,
    pub params: serde_json::Value,
    pub delivery_key: String,
    pub attempts: i32,
}

impl Db {
    pub async fn claim_emails(&self, batch: i32, lease_seconds: i32) -> Result<Vec<ClaimedEmail>, String> {
        let rows = self
            .worker_query(
                "select id, template, recipient_email, params, delivery_key::text, attempts
                   from aurora_private.claim_emails($1, $2)",
                &[&batch, &lease_seconds],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let tokio_postgres::types::Json(params): tokio_postgres::types::Json<serde_json::Value> = r.get(3);
                ClaimedEmail {
                    id: r.get(0),
                    template: r.get(1),
                    recipient_email: r.get(2),
                    params,
                    delivery_key: r.get(4),
                    attempts: r.get(5),
                }
            })
            .collect())
    }

    pub async fn complete_email(
        &self,
        id: i64,
        outcome: &str,
        message_id: Option<String>,
        error: Option<String>,
        retry_in: std::time::Duration,
        max_attempts: i32,
    ) -> Result<String, String> {
        let retry_ms = retry_in.as_millis().min(i32::MAX as u128) as i32;
        self.outcome(
            "select aurora_private.complete_email($1, $2, $3, $4, $5, $6)",
            &[&id, &outcome, &message_id, &error, &retry_ms, &max_attempts],
        )
        .await
    }

    pub async fn email_outbox_stats(&self) -> Result<(i64, f64, i64), String> {
        let rows = self
            .worker_query("select pending, oldest_pending_seconds, failed from aurora_private.email_outbox_stats()", &[])
            .await?;
        let r = rows.first().ok_or("email_outbox_stats returned no row")?;
        Ok((r.get(0), r.get(1), r.get(2)))
    }
}

impl Db {
    /// Runs `sql` (one jsonb column) as the member, the way PostgREST does: in a
    /// transaction, `set local role authenticated` and her claims in request.jwt.claims.
    pub async fn as_member(
        &self,
        member: &crate::auth::Member,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<serde_json::Value, crate::error::AppError> {
        use crate::error::from_db;
        let mut client = self.request_client().await?;
        let tx = client.transaction().await.map_err(|e| from_db(&e))?;
        // `set local role` and the claims in one round trip (set_config('role', …, true) is SET LOCAL ROLE)
        tx.execute(
            "select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)",
            &[&member.claims.to_string()],
        )
        .await
        .map_err(|e| from_db(&e))?;
        let row = tx.query_one(sql, params).await.map_err(|e| from_db(&e))?;
        let value: Option<tokio_postgres::types::Json<serde_json::Value>> = row.get(0);
        tx.commit().await.map_err(|e| from_db(&e))?;
        Ok(value.map(|j| j.0).unwrap_or(serde_json::Value::Null))
    }
}

impl Db {
    /// Queues an email for a member (aurora_private.queue_member_email).
    pub async fn queue_member_email(
        &self,
        member: &str,
        template: &str,
        params: &serde_json::Value,
        key: &str,
    ) -> Result<String, crate::error::AppError> {
        use crate::error::from_db;
        let client = self.request_client().await?;
        let row = client
            .query_one(
                "select aurora_private.queue_member_email($1::text::uuid, $2, $3::jsonb, $4)",
                &[&member, &template, &tokio_postgres::types::Json(params), &key],
            )
            .await
            .map_err(|e| from_db(&e))?;
        Ok(row.get(0))
    }
}

/// A contact list sync claimed from brevo_contact_sync, with the member's current state.
#[derive(Debug, Clone)]
pub struct ContactSync {
    pub id: i64,
    pub email: Option<String>,
    pub full_name: Option<String>,
    pub entitlement: String,
    pub attempts: i32,
}

impl Db {
    pub async fn claim_contact_syncs(&self, batch: i32, lease_seconds: i32) -> Result<Vec<ContactSync>, String> {
        let rows = self
            .worker_query(
                "select id, email, full_name, coalesce(entitlement, 'freemium'), attempts
                   from aurora_private.claim_contact_syncs($1, $2)",
                &[&batch, &lease_seconds],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| ContactSync { id: r.get(0), email: r.get(1), full_name: r.get(2), entitlement: r.get(3), attempts: r.get(4) })
            .collect())
    }

    pub async fn complete_contact_sync(
        &self,
        id: i64,
        outcome: &str,
        error: Option<String>,
        retry_in: std::time::Duration,
        max_attempts: i32,
    ) -> Result<String, String> {
        let retry_ms = retry_in.as_millis().min(i32::MAX as u128) as i32;
        self.outcome(
            "select aurora_private.complete_contact_sync($1, $2, $3, $4, $5)",
            &[&id, &outcome, &error, &retry_ms, &max_attempts],
        )
        .await
    }
}

impl Db {
    /// Records a queue row's outcome; the row's new status, or `lost_lease` when another
    /// worker took the row meanwhile (the lease had run out).
    async fn outcome(&self, sql: &str, params: &[&(dyn tokio_postgres::types::ToSql + Sync)]) -> Result<String, String> {
        let client = self.worker_client().await?;
        let row = client.query_opt(sql, params).await.map_err(|e| e.to_string())?;
        Ok(row.and_then(|r| r.get::<_, Option<String>>(0)).unwrap_or_else(|| "lost_lease".into()))
    }
}

impl Db {
    /// A pooled connection for the background worker (errors are logged, not answered).
    async fn worker_client(&self) -> Result<deadpool_postgres::Object, String> {
        self.pool.get().await.map_err(|e| e.to_string())
    }

    /// The worker's queries: rows, or the error as text.
    async fn worker_query(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, String> {
        self.worker_client().await?.query(sql, params).await.map_err(|e| e.to_string())
    }

    /// A pooled connection for a request: none available is 503 (Stripe and clients retry).
    async fn request_client(&self) -> Result<deadpool_postgres::Object, crate::error::AppError> {
        self.pool.get().await.map_err(|e| crate::error::AppError::Unavailable(e.to_string()))
    }
}
