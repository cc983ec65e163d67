//! Server settings, from the command line or the `MESSENGER_*` environment.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `sqlite://path` or a bare path; PostgreSQL URLs are refused until that store exists.
    pub database_url: Option<String>,
    /// How providers and browsers reach this server (used in signed file links).
    pub public_url: Option<String>,
    /// A session that was not used for this long is dead.
    pub session_idle_timeout: Duration,
    /// Largest JSON body accepted.
    pub max_json_bytes: usize,
}

impl ServerConfig {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir,
            database_url: None,
            public_url: None,
            session_idle_timeout: Duration::from_secs(30 * 24 * 3600),
            max_json_bytes: 1024 * 1024,
        }
    }

    /// The public base URL, defaulting to the listen address.
    pub fn public_base(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{bound}"),
        }
    }
}
