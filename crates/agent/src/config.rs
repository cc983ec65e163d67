//! Where the agent keeps its files.

use std::path::PathBuf;

use crate::error::{AgentError, AgentResult};

/// Environment variable that overrides the data directory (tests use a temp dir per run).
pub const DATA_DIR_ENV: &str = "MESSENGER_AGENT_DATA_DIR";

#[derive(Clone, Debug)]
pub struct AgentConfig {
    pub data_dir: PathBuf,
    /// Show desktop notifications (the app: yes; the command line: no).
    pub notifications: bool,
    /// Most bytes of downloaded file bodies kept on disk.
    pub file_cache_bytes: u64,
}

impl AgentConfig {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            notifications: false,
            file_cache_bytes: 512 * 1024 * 1024,
        }
    }

    pub fn with_notifications(mut self, on: bool) -> Self {
        self.notifications = on;
        self
    }

    /// `MESSENGER_AGENT_DATA_DIR`, else the OS's per-user data directory
    /// (`~/.local/share/is-messenger` on Linux, `~/Library/Application Support/...` on macOS,
    /// `%APPDATA%\...` on Windows).
    pub fn from_env() -> AgentResult<Self> {
        if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
            return Ok(Self::new(PathBuf::from(dir)));
        }
        directories::ProjectDirs::from("", "", "is-messenger")
            .map(|d| Self::new(d.data_dir().to_path_buf()))
            .ok_or_else(|| {
                AgentError::Io(format!(
                    "Cannot find a home directory for the agent's data; set {DATA_DIR_ENV}."
                ))
            })
    }
}
