//! The PostgreSQL store, for several server instances on one database: a few writer threads
//! with group commit, a pool of read connections, and a log follower that publishes what any
//! instance commits. The primitives give the same answers as the SQLite store's.
//!
//! Client: tokio-postgres with deadpool-postgres. The server is already on Tokio, the
//! primitives need prepared statements and LISTEN/NOTIFY more than a query builder, and both
//! crates are small; sqlx would bring its own pool, macros and compile-time checks that the
//! domain (which never sees SQL) does not use.

mod api_tokens;
mod automation;
pub(crate) mod connection;
mod contacts;
mod conversations;
mod convert;
mod custom_fields;
mod db;
mod events;
mod follower;
mod jobs;
mod messages;
mod migrations;
mod presence;
mod secrets_at_rest;
mod tx;
mod users;
mod workspace;
mod writer;

use std::path::Path;
use std::sync::Arc;

use deadpool_postgres::Pool;
use messenger_protocol::Seq;
use tokio::runtime::Handle;
use tokio::sync::{Mutex, broadcast, mpsc, oneshot};
use tokio_postgres::Config;
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::error::AppError;
use crate::secrets::{SecretCipher, SecretKeySetting};
use crate::store::{BoxAny, BoxFuture, Committed, ReadJob, Store, StoreError, WriteJob};
use db::Db;
pub use migrations::latest_version as schema_version;
use tx::{Lock, PostgresTx};
use writer::{WriteRequest, Writers};

/// Read connections (each read runs on one, on a blocking thread).
const MAX_READERS: usize = 8;
/// Writer threads, each with its own connection while it commits a batch.
const WRITERS: usize = 4;
/// How many queued writes the writers accept before callers wait.
const WRITE_QUEUE: usize = 4096;
/// Commits a subscriber may fall behind before it is told it lagged.
const COMMIT_FANOUT: usize = 16384;

pub struct PostgresStore {
    writes: mpsc::Sender<WriteRequest>,
    reads: Pool,
    cipher: Arc<SecretCipher>,
    commits: broadcast::Sender<Committed>,
    /// Stops the log follower with the store.
    _follower: DropGuard,
}

impl PostgresStore {
    /// Connects to `url`, migrates the database (one instance at a time), checks the secret
    /// key (`key`, else `<data_dir>/secret.key`) against it, and starts the writers and the log
    /// follower on the current Tokio runtime.
    pub fn open(url: &str, key: &SecretKeySetting, data_dir: &Path) -> Result<Self, StoreError> {
        let rt = Handle::try_current().map_err(|_| {
            StoreError::backend("the PostgreSQL store must be opened inside the Tokio runtime")
        })?;
        let config = connection::config(url)?;
        let (cipher, head) = start_up(&config, key, data_dir)?;
        let cipher = Arc::new(cipher);
        let reads = connection::pool(&config, MAX_READERS + 1)?;
        let (commits, _) = broadcast::channel(COMMIT_FANOUT);
        let follower = Arc::new(follower::Follower::new(head, commits.clone()));
        let stop = CancellationToken::new();
        rt.spawn(
            follower
                .clone()
                .run(reads.clone(), config.clone(), stop.clone()),
        );
        let (writes, queue) = mpsc::channel(WRITE_QUEUE);
        writer::spawn(
            Arc::new(Writers {
                rt,
                pool: connection::pool(&config, WRITERS)?,
                cipher: cipher.clone(),
                follower,
                commits: commits.clone(),
                queue: Mutex::new(queue),
            }),
            WRITERS,
        )?;
        Ok(Self {
            writes,
            reads,
            cipher,
            commits,
            _follower: stop.drop_guard(),
        })
    }
}

/// Migrates and checks the key under the start-up advisory lock, on a thread of its own (the
/// caller may be on a runtime thread, where blocking is not allowed); answers the cipher and
/// the log head, from where the follower publishes.
fn start_up(
    config: &Config,
    key: &SecretKeySetting,
    data_dir: &Path,
) -> Result<(SecretCipher, Seq), StoreError> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| StoreError::backend(format!("cannot start a runtime: {e}")))?;
                rt.block_on(async {
                    let (mut client, conn) = connection::connect(config).await.map_err(|e| {
                        StoreError::backend(format!(
                            "cannot reach PostgreSQL at {}: {e}",
                            connection::describe(config)
                        ))
                    })?;
                    let driver = tokio::spawn(conn);
                    let result = async {
                        client
                            .query_one("SELECT pg_advisory_lock($1)", &[&migrations::START_UP_LOCK])
                            .await
                            .map_err(convert::backend)?;
                        migrations::migrate(&mut client).await?;
                        let cipher = secrets_at_rest::prepare(&client, key, data_dir).await?;
                        let head: i64 = client
                            .query_one("SELECT seq FROM log_head WHERE id = 1", &[])
                            .await
                            .and_then(|r| r.try_get(0))
                            .map_err(convert::backend)?;
                        Ok((cipher, head))
                    }
                    .await;
                    // Closing the session releases the lock.
                    drop(client);
                    let _ = driver.await;
                    result
                })
            })
            .join()
            .unwrap_or_else(|_| Err(StoreError::backend("the start-up thread panicked")))
    })
}

impl Store for PostgresStore {
    fn run_read(&self, mut job: ReadJob) -> BoxFuture<Result<BoxAny, AppError>> {
        let pool = self.reads.clone();
        let cipher = self.cipher.clone();
        Box::pin(async move {
            let client = pool.get().await.map_err(|e| {
                AppError::from(StoreError::backend(format!("no database connection: {e}")))
            })?;
            let rt = Handle::current();
            tokio::task::spawn_blocking(move || {
                let db = Db::new(&client, &rt);
                // One snapshot for the whole job, as a SQLite read transaction gives.
                db.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
                let result = job(&mut PostgresTx::new(&db, &cipher, Lock::None));
                if db.batch("COMMIT").is_err() {
                    drop(deadpool_postgres::Object::take(client));
                }
                result
            })
            .await
            .map_err(|e| AppError::internal("reading the database", e))?
        })
    }

    fn subscribe(&self) -> broadcast::Receiver<Committed> {
        self.commits.subscribe()
    }

    fn run_write(&self, job: WriteJob) -> BoxFuture<Result<BoxAny, AppError>> {
        let writes = self.writes.clone();
        Box::pin(async move {
            let (reply, answer) = oneshot::channel();
            writes
                .send(WriteRequest { job, reply })
                .await
                .map_err(|_| AppError::from(StoreError::Closed))?;
            answer
                .await
                .map_err(|_| AppError::from(StoreError::Closed))?
        })
    }
}
