//! The database pool. Connections are opened lazily: the edge starts (and answers
//! /health) while the database is down, and /ready says so.
use crate::config::Config;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use secrecy::ExposeSecret;
use std::time::Duration;

#[derive(Clone)]
pub struct Db {
    pool: Pool,
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
        use crate::error::AppError;
        let client = self.pool.get().await.map_err(|e| AppError::Unavailable(e.to_string()))?;
        let row = client
            .query_one(
                "select aurora_private.apply_stripe_event($1::jsonb)",
                &[&tokio_postgres::types::Json(event)],
            )
            .await
            .map_err(|e| match e.code() {
                Some(c) if *c == tokio_postgres::error::SqlState::INVALID_PARAMETER_VALUE => {
                    AppError::BadRequest(e.as_db_error().map(|d| d.message().to_string()).unwrap_or_default())
                }
                Some(_) => AppError::Internal(e.to_string()),
                None => AppError::Unavailable(e.to_string()),
            })?;
        let tokio_postgres::types::Json(outcome): tokio_postgres::types::Json<serde_json::Value> = row.get(0);
        Ok(outcome)
    }
}
