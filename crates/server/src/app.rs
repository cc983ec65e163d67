//! The running server: shared state, opening the store, binding and serving.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::clock::{Clock, SystemClock};
use crate::config::ServerConfig;
use crate::store::sqlite::SqliteStore;
use crate::store::{Store, StoreError};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<ServerConfig>,
    pub clock: Arc<dyn Clock>,
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
}

/// Where the SQLite database of a configuration lives.
pub fn sqlite_path(config: &ServerConfig) -> Result<PathBuf, StartError> {
    match config.database_url.as_deref() {
        None => Ok(config.data_dir.join("messenger.db")),
        Some(url) => {
            if let Some(path) = url.strip_prefix("sqlite://") {
                Ok(PathBuf::from(path))
            } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                Err(StartError::Config(
                    "this build has the embedded SQLite store only; PostgreSQL is not available yet \
                     (leave --database unset to use <data-dir>/messenger.db)"
                        .into(),
                ))
            } else {
                Err(StartError::Config(format!(
                    "--database must be sqlite://PATH (got {url:?})"
                )))
            }
        }
    }
}

/// Opens the store a configuration names.
pub fn open_store(config: &ServerConfig) -> Result<Arc<dyn Store>, StartError> {
    let path = sqlite_path(config)?;
    Ok(Arc::new(SqliteStore::open(&path)?))
}

/// A server bound to its port and serving until [`RunningServer::shutdown`] or drop.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
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
    let state = AppState {
        store,
        config: Arc::new(config),
        clock,
    };
    let app = crate::api::router(state.clone())
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            crate::api::panic_response,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    tracing::info!(%addr, "listening");
    Ok(RunningServer {
        addr,
        state,
        stop: Some(stop),
        task: Some(task),
    })
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
