//! Where the agent keeps its files.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::{AgentError, AgentResult};

/// Environment variable that overrides the data directory (tests use a temp dir per run).
pub const DATA_DIR_ENV: &str = "MESSENGER_AGENT_DATA_DIR";

/// `off` keeps the session token in the fallback file even where a keychain exists (tests).
pub const KEYCHAIN_ENV: &str = "MESSENGER_AGENT_KEYCHAIN";

/// Environment variable that shortens the voice-note length cap (seconds; tests use it).
pub const VOICE_MAX_ENV: &str = "MESSENGER_VOICE_MAX_SECONDS";

#[derive(Clone, Debug)]
pub struct AgentConfig {
    pub data_dir: PathBuf,
    /// Show desktop notifications (the app: yes; the command line: no).
    pub notifications: bool,
    /// Most bytes of downloaded file bodies kept on disk.
    pub file_cache_bytes: u64,
    /// The longest voice note; a recording stops by itself there.
    pub voice_max: Duration,
    /// Keep the session token in the OS keychain when there is one (else a 0600 file);
    /// `MESSENGER_AGENT_KEYCHAIN=off` turns it off.
    pub keychain: bool,
}

impl AgentConfig {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            notifications: false,
            file_cache_bytes: 512 * 1024 * 1024,
            voice_max: crate::voice::DEFAULT_MAX_LENGTH,
            keychain: keychain_wanted_by_env(),
        }
    }

    /// Keeps the session token in the fallback file, whatever the machine offers.
    pub fn without_keychain(mut self) -> Self {
        self.keychain = false;
        self
    }

    pub fn with_notifications(mut self, on: bool) -> Self {
        self.notifications = on;
        self
    }

    /// `MESSENGER_AGENT_DATA_DIR`, else the OS's per-user data directory
    /// (`~/.local/share/is-messenger` on Linux, `~/Library/Application Support/...` on macOS,
    /// `%APPDATA%\...` on Windows).
    /// `MESSENGER_VOICE_MAX_SECONDS` shortens the voice-note cap.
    pub fn from_env() -> AgentResult<Self> {
        let mut config = Self::data_dir_from_env()?;
        if let Some(max) = voice_max_from_env()? {
            config.voice_max = max;
        }
        Ok(config)
    }

    fn data_dir_from_env() -> AgentResult<Self> {
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

/// Whether `MESSENGER_AGENT_KEYCHAIN` leaves the keychain on (anything but off/0/false/no).
fn keychain_wanted_by_env() -> bool {
    std::env::var(KEYCHAIN_ENV).map_or(true, |v| {
        !matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "off" | "0" | "false" | "no"
        )
    })
}

fn voice_max_from_env() -> AgentResult<Option<Duration>> {
    let Some(value) = std::env::var(VOICE_MAX_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
    else {
        return Ok(None);
    };
    match value.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s <= crate::voice::DEFAULT_MAX_LENGTH.as_secs_f64() => {
            Ok(Some(Duration::from_secs_f64(s)))
        }
        _ => Err(AgentError::Invalid(format!(
            "{VOICE_MAX_ENV} must be a number of seconds from 0 to {}, not {value:?}.",
            crate::voice::DEFAULT_MAX_LENGTH.as_secs()
        ))),
    }
}
