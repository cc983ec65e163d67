//! The embedded SQLite store: one writer thread with group commit, a pool of readers.

mod api_tokens;
mod automation;
mod checkpoint;
mod connection;
mod contacts;
mod conversations;
pub(in crate::store) mod convert;
mod custom_fields;
mod events;
mod jobs;
mod messages;
mod migrations;
mod presence;
mod secrets_at_rest;
mod tx;
mod users;
mod workspace;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::sync::{Semaphore, broadcast, mpsc, oneshot};

use crate::error::AppError;
use crate::secrets::{SecretCipher, SecretKeySetting};
use crate::store::{BoxAny, BoxFuture, Committed, ReadJob, Store, StoreError, WriteJob};
pub use migrations::latest_version as schema_version;
use tx::SqliteTx;
use writer::WriteRequest;

/// How many reads run at once (each on its own connection and blocking thread).
const MAX_READERS: usize = 8;
/// How many queued writes the writer accepts before callers wait.
const WRITE_QUEUE: usize = 4096;
/// Commits a subscriber may fall behind before it is told it lagged.
const COMMIT_FANOUT: usize = 16384;

pub struct SqliteStore {
    writes: mpsc::Sender<WriteRequest>,
    readers: Arc<ReadPool>,
    commits: broadcast::Sender<Committed>,
}

impl SqliteStore {
    /// Opens (creating if needed) `path`, migrates it, loads the secret key that seals
    /// channel secrets (`key`, else `<data_dir>/secret.key`), and starts the writer thread.
    pub fn open(path: &Path, key: &SecretKeySetting, data_dir: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::backend(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let mut conn = connection::open_writer(path)?;
        migrations::migrate(&mut conn)?;
        let cipher = Arc::new(secrets_at_rest::prepare(&mut conn, key, data_dir)?);
        let (tx, rx) = mpsc::channel(WRITE_QUEUE);
        let (commits, _) = broadcast::channel(COMMIT_FANOUT);
        writer::spawn(conn, rx, commits.clone(), cipher.clone())?;
        let readers = Arc::new(ReadPool {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(MAX_READERS),
            cipher,
        });
        checkpoint::spawn(path, Arc::downgrade(&readers))?;
        Ok(Self {
            commits,
            writes: tx,
            readers,
        })
    }
}

impl Store for SqliteStore {
    fn run_read(&self, job: ReadJob) -> BoxFuture<Result<BoxAny, AppError>> {
        let pool = self.readers.clone();
        Box::pin(async move {
            let _permit = pool
                .permits
                .acquire()
                .await
                .map_err(|_| AppError::from(StoreError::Closed))?;
            let pool2 = pool.clone();
            tokio::task::spawn_blocking(move || pool2.run(job))
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

struct ReadPool {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
    permits: Semaphore,
    cipher: Arc<SecretCipher>,
}

impl ReadPool {
    fn run(&self, mut job: ReadJob) -> Result<BoxAny, AppError> {
        let conn = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match conn {
            Some(c) => c,
            None => connection::open_reader(&self.path)?,
        };
        let result = {
            // A read transaction gives the job one consistent snapshot.
            let tx = conn.unchecked_transaction().map_err(StoreError::from)?;
            let mut stx = SqliteTx::new(&tx, &self.cipher);
            let r = job(&mut stx);
            drop(tx);
            r
        };
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(conn);
        result
    }
}
