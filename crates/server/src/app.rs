//! The running server: shared state, opening the store, binding and serving, and the
//! background tasks (job runner, log pruning).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use messenger_protocol::FileId;
use rand::RngCore;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::channel::webhook::ChannelDirectory;
use crate::clock::{Clock, SystemClock};
use crate::config::ServerConfig;
use crate::error::AppError;
use crate::files::BlobStore;
use crate::files::signed_link::LinkSigner;
use crate::store::postgres::PostgresStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{Store, StoreError};

/// What every handler and background task can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<ServerConfig>,
    pub clock: Arc<dyn Clock>,
    pub blobs: BlobStore,
    pub channels: Arc<ChannelDirectory>,
    pub links: LinkSigner,
    /// How providers reach this server (`--public-url`, else the bound address).
    pub public_base: Arc<str>,
    pub presence: Arc<crate::presence::Presence>,
    /// This process's name among the instances that share the database (job leases,
    /// presence rows).
    pub instance_id: Arc<str>,
    pub reports: Arc<crate::reports::ReportIndex>,
    /// Cancelled when the server stops: long-lived connections (streams) end with it.
    pub stopping: tokio_util::sync::CancellationToken,
    pub sign_in_limits: Arc<crate::auth::sign_in_limits::SignInLimits>,
    pub hashing: crate::auth::hashing::PasswordHashing,
    pub session_ends: crate::auth::session_end::SessionEnds,
}

impl AppState {
    /// An absolute, time-limited link to a file that needs no sign-in (for providers).
    pub fn signed_file_url(&self, file: &FileId) -> String {
        let ttl = i64::try_from(self.config.file_link_ttl.as_secs()).unwrap_or(86_400);
        let expires = self.clock.now().millis() / 1000 + ttl;
        format!(
            "{}/api/v1/files/{}?{}",
            self.public_base,
            file,
            self.links.query(file.as_str(), expires)
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    Config(String),
    #[error("cannot use {path}: {source}")]
    Files {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Init(String),
}

impl From<AppError> for StartError {
    fn from(e: AppError) -> Self {
        StartError::Init(e.message)
    }
}

/// The store a configuration names.
pub enum Database {
    Sqlite(PathBuf),
    /// A `postgres://` or `postgresql://` URL.
    Postgres(String),
}

/// Which database a configuration names (`--database`, else `<data-dir>/messenger.db`).
pub fn database(config: &ServerConfig) -> Result<Database, StartError> {
    match config.database_url.as_deref() {
        None => Ok(Database::Sqlite(config.data_dir.join("messenger.db"))),
        Some(url) => {
            if let Some(path) = url.strip_prefix("sqlite://") {
                Ok(Database::Sqlite(PathBuf::from(path)))
            } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                Ok(Database::Postgres(url.to_owned()))
            } else {
                Err(StartError::Config(format!(
                    "--database must be sqlite://PATH or postgres://… (got {url:?})"
                )))
            }
        }
    }
}

/// Where the SQLite database of a configuration lives (refused for a PostgreSQL one).
pub fn sqlite_path(config: &ServerConfig) -> Result<PathBuf, StartError> {
    match database(config)? {
        Database::Sqlite(path) => Ok(path),
        Database::Postgres(_) => Err(StartError::Config(
            "this needs a SQLite database (sqlite://PATH), not PostgreSQL".into(),
        )),
    }
}

/// Opens the store a configuration names. PostgreSQL needs the Tokio runtime (its writers and
/// log follower run on it).
pub fn open_store(config: &ServerConfig) -> Result<Arc<dyn Store>, StartError> {
    Ok(match database(config)? {
        Database::Sqlite(path) => Arc::new(SqliteStore::open(
            &path,
            &config.secret_key,
            &config.data_dir,
        )?),
        Database::Postgres(url) => Arc::new(PostgresStore::open(
            &url,
            &config.secret_key,
            &config.data_dir,
        )?),
    })
}

/// The key of signed file links: made once, kept in the store.
async fn link_key(store: &dyn Store) -> Result<Vec<u8>, StartError> {
    let key = store
        .write(|tx| {
            if let Some(k) = tx.meta("file_link_key")? {
                return Ok(k);
            }
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            let k = STANDARD.encode(bytes);
            tx.put_meta("file_link_key", &k)?;
            Ok(k)
        })
        .await?;
    STANDARD
        .decode(key)
        .map_err(|e| StartError::Init(format!("the stored file link key is unreadable: {e}")))
}

/// A server bound to its port and serving until [`RunningServer::shutdown`] or drop.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    background: Vec<JoinHandle<()>>,
}

impl RunningServer {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets in-flight requests finish, and waits.
    pub async fn shutdown(mut self) {
        self.stop_and_wait().await;
    }

    /// Serves until the process is asked to stop (Ctrl-C, SIGTERM).
    pub async fn run_until_signal(mut self) -> std::io::Result<()> {
        shutdown_signal().await;
        tracing::info!("shutting down");
        self.stop_and_wait().await;
        Ok(())
    }

    async fn stop_and_wait(&mut self) {
        self.state.stopping.cancel();
        for task in self.background.drain(..) {
            task.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "server stopped with an error"),
                Err(e) => tracing::error!(error = %e, "server task failed"),
            }
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.state.stopping.cancel();
        for task in self.background.drain(..) {
            task.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Opens the store, binds the listen address, and starts serving in the background.
pub async fn start(config: ServerConfig) -> Result<RunningServer, StartError> {
    let store = open_store(&config)?;
    start_with(config, store, Arc::new(SystemClock)).await
}

/// Like [`start`], with the store and clock given (tests script time this way).
pub async fn start_with(
    config: ServerConfig,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
) -> Result<RunningServer, StartError> {
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.listen,
        source,
    })?;
    let files_dir = config.files_dir();
    let blobs = BlobStore::open(&files_dir).map_err(|source| StartError::Files {
        path: files_dir.clone(),
        source,
    })?;
    let links = LinkSigner::new(&link_key(store.as_ref()).await?);
    let channels = Arc::new(ChannelDirectory::default());
    for c in store.read(|tx| Ok(tx.channels()?)).await? {
        channels.insert(c);
    }
    let reports = Arc::new(crate::reports::ReportIndex::load(store.as_ref()).await?);
    let state = AppState {
        presence: Arc::new(crate::presence::Presence::new(clock.now())),
        instance_id: instance_name().into(),
        stopping: tokio_util::sync::CancellationToken::new(),
        reports,
        sign_in_limits: Arc::new(crate::auth::sign_in_limits::SignInLimits::new(&config)),
        hashing: crate::auth::hashing::PasswordHashing::new(
            config.hashing_slots,
            config.hashing_wait,
        ),
        session_ends: crate::auth::session_end::SessionEnds::default(),
        public_base: Arc::from(config.public_base(addr)),
        store,
        config: Arc::new(config),
        clock,
        blobs,
        channels,
        links,
    };
    let app = crate::api::router(state.clone())
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            crate::api::panic_response,
        ))
        .layer(axum::middleware::from_fn(
            crate::api::body_drain::keep_connection_usable,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        // The peer address feeds the sign-in limits (auth/client_address.rs).
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stopped.await;
        })
        .await
    });
    let mut background = vec![
        spawn_log_pruning(state.clone()),
        crate::presence::spawn_sweeper(state.clone()),
        crate::reports::spawn_follower(state.clone()),
    ];
    if state.config.run_jobs {
        background.push(crate::jobs::spawn(state.clone()));
    }
    tracing::info!(%addr, "listening");
    Ok(RunningServer {
        addr,
        state,
        stop: Some(stop),
        task: Some(task),
        background,
    })
}

/// Prunes events older than the retention, hourly.
fn spawn_log_pruning(state: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = prune_log(&state).await {
                tracing::error!(error = %e, "pruning the event log failed");
            }
        }
    })
}

/// Removes events older than the configured retention; returns how many.
pub async fn prune_log(state: &AppState) -> Result<u64, AppError> {
    let retention = i64::try_from(state.config.event_retention.as_millis()).unwrap_or(i64::MAX);
    let cutoff = state.clock.now().plus_millis(-retention);
    let pruned = state
        .store
        .write(move |tx| {
            let upto = tx.seq_before(cutoff)?;
            if upto == 0 {
                return Ok(0);
            }
            Ok(tx.prune_events(upto)?)
        })
        .await?;
    if pruned > 0 {
        tracing::info!(pruned, "pruned old events");
    }
    Ok(pruned)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// Unique per process start: host, process id and a random part (a restarted process on the
/// same host must not inherit the leases of its previous life).
fn instance_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}-{}", std::process::id(), &random[..8])
}
