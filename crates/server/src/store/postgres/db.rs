//! [`Db`]: one PostgreSQL connection driven synchronously from a blocking thread.
//!
//! The store primitives are synchronous (they run inside the domain's closures), and the
//! client is async: each call here drives the client with `Handle::block_on`, which is allowed
//! on a thread of `spawn_blocking` or one of the store's own writer threads, never on a
//! runtime worker. Statements are prepared once per connection (deadpool's statement cache).

use std::cell::{Cell, RefCell};

use deadpool_postgres::ClientWrapper;
use tokio::runtime::Handle;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::automation::ConfigMemo;
use super::convert::{backend, is_retryable};
use crate::store::StoreError;

pub type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

pub struct Db<'c> {
    client: &'c ClientWrapper,
    rt: &'c Handle,
    /// Set when a statement failed in a way that re-running the transaction may cure: the
    /// writer then re-runs its whole batch, whatever the job made of the error.
    retryable: Cell<bool>,
    /// Configuration read in this transaction (see [`ConfigMemo`]).
    pub config: RefCell<ConfigMemo>,
}

impl<'c> Db<'c> {
    pub fn new(client: &'c ClientWrapper, rt: &'c Handle) -> Self {
        Self {
            client,
            rt,
            retryable: Cell::new(false),
            config: RefCell::default(),
        }
    }

    /// Forgets the remembered configuration: it was written, or a rollback to a savepoint may
    /// have undone what was read.
    pub fn forget_config(&self) {
        *self.config.borrow_mut() = ConfigMemo::default();
    }

    pub fn retryable(&self) -> bool {
        self.retryable.get()
    }

    fn fail(&self, e: tokio_postgres::Error) -> StoreError {
        if is_retryable(&e) {
            self.retryable.set(true);
        }
        backend(e)
    }

    pub fn query(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, StoreError> {
        self.rt
            .block_on(async {
                let stmt = self.client.prepare_cached(sql).await?;
                self.client.query(&stmt, params).await
            })
            .map_err(|e| self.fail(e))
    }

    pub fn query_opt(&self, sql: &str, params: Params<'_>) -> Result<Option<Row>, StoreError> {
        self.rt
            .block_on(async {
                let stmt = self.client.prepare_cached(sql).await?;
                self.client.query_opt(&stmt, params).await
            })
            .map_err(|e| self.fail(e))
    }

    pub fn query_one(&self, sql: &str, params: Params<'_>) -> Result<Row, StoreError> {
        self.query_opt(sql, params)?
            .ok_or_else(|| StoreError::backend(format!("no row came back from: {sql}")))
    }

    pub fn execute(&self, sql: &str, params: Params<'_>) -> Result<u64, StoreError> {
        self.rt
            .block_on(async {
                let stmt = self.client.prepare_cached(sql).await?;
                self.client.execute(&stmt, params).await
            })
            .map_err(|e| self.fail(e))
    }

    /// Runs statements without parameters (transaction control).
    pub fn batch(&self, sql: &str) -> Result<(), StoreError> {
        self.rt
            .block_on(self.client.batch_execute(sql))
            .map_err(|e| self.fail(e))
    }

    /// Runs `f` inside its own savepoint, so that a statement it expects to fail (a unique
    /// rule) leaves the transaction usable: PostgreSQL aborts the whole transaction on an
    /// error otherwise, where SQLite only fails the statement.
    pub fn guarded<T>(
        &self,
        f: impl FnOnce(&Self) -> Result<T, tokio_postgres::Error>,
    ) -> Result<Result<T, tokio_postgres::Error>, StoreError> {
        self.batch("SAVEPOINT statement")?;
        match f(self) {
            Ok(v) => {
                self.batch("RELEASE SAVEPOINT statement")?;
                Ok(Ok(v))
            }
            Err(e) if is_retryable(&e) => Err(self.fail(e)),
            Err(e) => {
                self.forget_config();
                self.batch("ROLLBACK TO SAVEPOINT statement; RELEASE SAVEPOINT statement")?;
                Ok(Err(e))
            }
        }
    }

    /// Executes one statement for [`guarded`](Self::guarded), keeping the driver's error.
    pub fn execute_raw(&self, sql: &str, params: Params<'_>) -> Result<u64, tokio_postgres::Error> {
        self.rt.block_on(async {
            let stmt = self.client.prepare_cached(sql).await?;
            self.client.execute(&stmt, params).await
        })
    }
}

/// Whether a driver error is a unique-rule violation.
pub fn is_unique_violation(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION)
}
