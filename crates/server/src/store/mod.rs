//! The store: where the workspace's state and event log live.
//!
//! Domain code talks to the store through two small traits of primitives, [`ReadTx`] and
//! [`WriteTx`], inside closures that the store runs in one transaction each. The domain rules
//! never see SQL, so a PostgreSQL store is a second implementation of these traits and of
//! [`Store`], nothing more. The SQLite store (the default, embedded) runs all writes on one
//! thread and commits concurrent writes together (group commit): one fsync for many requests.

pub mod records;
pub mod sqlite;

use std::any::Any;
use std::future::Future;
use std::pin::Pin;

use messenger_protocol::UserId;

use crate::error::AppError;
pub use records::{NewUser, SessionRecord, UserRecord};

/// Failures of the storage layer, independent of the backend.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule refused the write; the text says which, for people.
    #[error("{0}")]
    Conflict(String),
    /// A row that must exist does not.
    #[error("{0}")]
    NotFound(String),
    /// The database answered with an error.
    #[error("database error: {0}")]
    Backend(String),
    /// The store is shutting down or its writer died.
    #[error("the store is closed")]
    Closed,
    /// The data on disk is not what this version understands.
    #[error("unsupported database: {0}")]
    Schema(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        StoreError::Backend(err.to_string())
    }
}

/// Reads, inside one consistent snapshot.
pub trait ReadTx {
    fn user(&mut self, id: &UserId) -> Result<Option<UserRecord>, StoreError>;
    fn user_by_email(&mut self, email: &str) -> Result<Option<UserRecord>, StoreError>;
    fn count_users(&mut self) -> Result<u64, StoreError>;
    fn session(&mut self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError>;
}

/// Writes, inside one transaction that commits only when the whole closure succeeds.
pub trait WriteTx: ReadTx {
    /// Fails with [`StoreError::Conflict`] when the email is taken.
    fn insert_user(&mut self, user: &NewUser) -> Result<UserRecord, StoreError>;
    fn insert_session(&mut self, session: &SessionRecord) -> Result<(), StoreError>;
    /// Returns whether a session was removed.
    fn delete_session(&mut self, token_hash: &str) -> Result<bool, StoreError>;
    fn touch_session(
        &mut self,
        token_hash: &str,
        last_used_at: messenger_protocol::Timestamp,
    ) -> Result<(), StoreError>;
}

pub type BoxAny = Box<dyn Any + Send>;
pub type ReadJob = Box<dyn FnOnce(&mut dyn ReadTx) -> Result<BoxAny, AppError> + Send>;
pub type WriteJob = Box<dyn FnOnce(&mut dyn WriteTx) -> Result<BoxAny, AppError> + Send>;
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A storage backend. Use the typed helpers on `dyn Store` ([`read`](Self::read),
/// [`write`](Self::write)); the boxed methods are what a backend implements.
pub trait Store: Send + Sync + 'static {
    fn run_read(&self, job: ReadJob) -> BoxFuture<Result<BoxAny, AppError>>;
    fn run_write(&self, job: WriteJob) -> BoxFuture<Result<BoxAny, AppError>>;
}

impl dyn Store {
    /// Runs `f` in a read transaction.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn ReadTx) -> Result<T, AppError> + Send + 'static,
    {
        let boxed = self
            .run_read(Box::new(move |tx| f(tx).map(|v| Box::new(v) as BoxAny)))
            .await?;
        downcast(boxed)
    }

    /// Runs `f` in a write transaction; its changes commit (durably) before this returns `Ok`.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn WriteTx) -> Result<T, AppError> + Send + 'static,
    {
        let boxed = self
            .run_write(Box::new(move |tx| f(tx).map(|v| Box::new(v) as BoxAny)))
            .await?;
        downcast(boxed)
    }
}

fn downcast<T: 'static>(boxed: BoxAny) -> Result<T, AppError> {
    boxed
        .downcast::<T>()
        .map(|b| *b)
        .map_err(|_| AppError::internal("reading a store result", "type mismatch"))
}
