//! Connecting to PostgreSQL: the URL, the pool of connections, and the start-up session.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::{Client, Config, NoTls};

use super::convert::backend;
use crate::store::StoreError;

/// Parses `postgres://` / `postgresql://` URLs (and libpq key=value strings).
pub fn config(url: &str) -> Result<Config, StoreError> {
    let mut config: Config = url.parse().map_err(|e: tokio_postgres::Error| {
        StoreError::backend(format!("--database is not a usable PostgreSQL URL: {e}"))
    })?;
    if config.get_application_name().is_none() {
        config.application_name("messenger-server");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    Ok(config)
}

/// Where a configuration connects, for messages (never its password).
pub fn describe(config: &Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .zip(config.get_ports().iter().chain(std::iter::repeat(&5432)))
        .map(|(host, port)| match host {
            tokio_postgres::config::Host::Tcp(name) => format!("{name}:{port}"),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(path) => format!("{}:{port}", path.display()),
        })
        .collect();
    format!(
        "{} (database {})",
        hosts.join(","),
        config.get_dbname().unwrap_or("of the user's name")
    )
}

/// A pool of `size` connections, opened on first use and replaced when one breaks.
pub fn pool(config: &Config, size: usize) -> Result<Pool, StoreError> {
    let manager = Manager::from_config(
        config.clone(),
        NoTls,
        ManagerConfig {
            // A broken connection shows as closed; a fast check is enough.
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size)
        .build()
        .map_err(|e| StoreError::backend(format!("cannot build the connection pool: {e}")))
}

/// One connection outside the pool, with its driver task spawned on the current runtime.
pub async fn connect(
    config: &Config,
) -> Result<
    (
        Client,
        tokio_postgres::Connection<tokio_postgres::Socket, tokio_postgres::tls::NoTlsStream>,
    ),
    StoreError,
> {
    config.connect(NoTls).await.map_err(backend)
}
