//! Server settings, from the command line or the `MESSENGER_*` environment.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::auth::failure_counter::FailurePolicy;
use crate::jobs::RetryPolicy;
use crate::secrets::SecretKeySetting;

#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `sqlite://path`, or `postgres://…` / `postgresql://…`; default `<data_dir>/messenger.db`.
    pub database_url: Option<String>,
    /// Where files live (default `<data_dir>/files`); shared by every instance of a
    /// PostgreSQL deployment.
    pub files_dir: Option<PathBuf>,
    /// The key that seals channel secrets at rest (default: `<data-dir>/secret.key`).
    pub secret_key: SecretKeySetting,
    /// How providers and browsers reach this server (used in signed file links).
    pub public_url: Option<String>,
    /// A session that was not used for this long is dead.
    pub session_idle_timeout: Duration,
    /// Largest JSON body accepted.
    pub max_json_bytes: usize,
    /// Largest file accepted (uploads and fetched attachments).
    pub max_upload_bytes: u64,
    /// How long a signed file link for providers stays valid.
    pub file_link_ttl: Duration,
    /// Time limit of one request to a provider's outbound URL.
    pub outbound_timeout: Duration,
    /// Time limit of fetching one attachment.
    pub fetch_timeout: Duration,
    /// Time limit of a channel's bot answering one message.
    pub bot_timeout: Duration,
    /// Run background jobs (tests that drive jobs by hand turn this off).
    pub run_jobs: bool,
    /// Retries of background jobs (delivery, fetches).
    pub retry: RetryPolicy,
    /// How long a claimed job is this instance's alone; renewed while it runs, so only an
    /// instance that died (or stalled) loses its jobs, to another one, after this long.
    pub job_lease: Duration,
    /// Events older than this are pruned; a client further behind re-bootstraps (410).
    pub event_retention: Duration,
    /// Ping interval on the event stream; a peer silent for three intervals is dropped.
    pub heartbeat: Duration,
    /// How long the stream waits for a reader's socket to take one frame before it gives up
    /// on the reader (who then resumes from the close frame's `since`).
    pub stream_send_timeout: Duration,
    /// Failed sign-ins per account (normalized email) before it is locked for a while.
    pub sign_in_account_limit: FailurePolicy,
    /// Failed sign-ins per client address (an IPv6 /64 counts as one address).
    pub sign_in_address_limit: FailurePolicy,
    /// Proxies whose `X-Forwarded-For` names the client; anyone else's is ignored and the
    /// socket's peer is the client.
    pub trusted_proxies: Vec<IpAddr>,
    /// Password hashes that may run at once (each holds ~19 MiB and a core).
    pub hashing_slots: usize,
    /// How long a request waits for a hashing slot before it is answered 503.
    pub hashing_wait: Duration,
}

impl ServerConfig {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir,
            database_url: None,
            files_dir: None,
            secret_key: SecretKeySetting::DataDir,
            public_url: None,
            session_idle_timeout: Duration::from_secs(30 * 24 * 3600),
            max_json_bytes: 1024 * 1024,
            max_upload_bytes: 25 * 1024 * 1024,
            file_link_ttl: Duration::from_secs(24 * 3600),
            outbound_timeout: Duration::from_secs(15),
            fetch_timeout: Duration::from_secs(30),
            bot_timeout: Duration::from_secs(10),
            run_jobs: true,
            retry: RetryPolicy::default(),
            job_lease: Duration::from_secs(60),
            event_retention: Duration::from_secs(90 * 24 * 3600),
            heartbeat: Duration::from_secs(20),
            stream_send_timeout: Duration::from_secs(10),
            sign_in_account_limit: FailurePolicy {
                max_failures: 5,
                window: Duration::from_secs(15 * 60),
                lockout: Duration::from_secs(15 * 60),
                max_lockout: Duration::from_secs(4 * 3600),
                remember: Duration::from_secs(24 * 3600),
                capacity: 100_000,
            },
            sign_in_address_limit: FailurePolicy {
                max_failures: 30,
                window: Duration::from_secs(60),
                lockout: Duration::from_secs(60),
                max_lockout: Duration::from_secs(15 * 60),
                remember: Duration::from_secs(3600),
                capacity: 100_000,
            },
            trusted_proxies: Vec::new(),
            hashing_slots: crate::auth::hashing::default_slots(),
            hashing_wait: Duration::from_millis(1500),
        }
    }

    /// The directory of the blob store.
    pub fn files_dir(&self) -> PathBuf {
        self.files_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("files"))
    }

    /// The public base URL, defaulting to the listen address.
    pub fn public_base(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{bound}"),
        }
    }
}
