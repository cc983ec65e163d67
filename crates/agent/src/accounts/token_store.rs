//! Where the session token lives: the OS keychain (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows), or — where none can be reached — a file beside `agent.db`
//! readable only by its owner. Never in a SQLite file.
//!
//! Every call may block (a D-Bus round trip on Linux): async code runs them on a blocking
//! thread (see `Agent::with_accounts`).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{AgentError, AgentResult};
use crate::view::TokenStorage;

/// The keychain's service name for our entries; the account is `<server url> <user id>`.
pub const KEYCHAIN_SERVICE: &str = "IS-Messenger";
/// The fallback file, in the agent's data directory.
pub const TOKEN_FILE: &str = "session-token";

pub enum TokenStore {
    Keychain,
    File {
        path: PathBuf,
        /// `MESSENGER_AGENT_KEYCHAIN=off` rather than no keychain.
        turned_off: bool,
    },
}

impl TokenStore {
    /// The keychain when it answers, else the fallback file with the reason.
    pub fn choose(data_dir: &Path, keychain_wanted: bool) -> Self {
        let path = data_dir.join(TOKEN_FILE);
        if !keychain_wanted {
            return Self::File {
                path,
                turned_off: true,
            };
        }
        match keychain_probe() {
            Ok(()) => Self::Keychain,
            Err(reason) => {
                tracing::info!(%reason, "no system keychain; keeping the session token in a file");
                Self::File {
                    path,
                    turned_off: false,
                }
            }
        }
    }

    /// What the UI and the command line tell the user about it.
    pub fn status(&self) -> TokenStorage {
        match self {
            Self::Keychain => TokenStorage::Keychain,
            Self::File { path, turned_off } => TokenStorage::file(path, *turned_off),
        }
    }

    pub fn get(&self, account: &str) -> AgentResult<Option<String>> {
        match self {
            Self::Keychain => match entry(account)?.get_password() {
                Ok(token) => Ok(Some(token)),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(keychain_error("read the session token from", e)),
            },
            Self::File { path, .. } => read_token_file(path, account),
        }
    }

    pub fn set(&self, account: &str, token: &str) -> AgentResult<()> {
        match self {
            Self::Keychain => entry(account)?
                .set_password(token)
                .map_err(|e| keychain_error("store the session token in", e)),
            Self::File { path, .. } => write_token_file(path, account, token),
        }
    }

    /// Forgets the account's token (sign-out); a token that is not there is fine.
    pub fn delete(&self, account: &str) -> AgentResult<()> {
        match self {
            Self::Keychain => match entry(account)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(keychain_error("delete the session token from", e)),
            },
            Self::File { path, .. } => remove_token_file(path),
        }
    }

    /// A token left in the fallback file by a start without a keychain, moved into the
    /// keychain now that there is one.
    pub fn adopt_file_token(&self, data_dir: &Path, account: &str) -> AgentResult<()> {
        if !matches!(self, Self::Keychain) {
            return Ok(());
        }
        let path = data_dir.join(TOKEN_FILE);
        if let Some(token) = read_token_file(&path, account)? {
            self.set(account, &token)?;
            tracing::info!("moved the session token from its file into the system keychain");
        }
        remove_token_file(&path)
    }
}

fn entry(account: &str) -> AgentResult<keyring::Entry> {
    keyring::Entry::new(KEYCHAIN_SERVICE, account)
        .map_err(|e| keychain_error("address the session token in", e))
}

fn keychain_error(what: &str, e: keyring::Error) -> AgentError {
    AgentError::Keychain(format!("Cannot {what} the system keychain: {e}"))
}

/// Reaches the keychain once: an answer (even "no such entry") means it works.
fn keychain_probe() -> Result<(), String> {
    let probe =
        keyring::Entry::new(KEYCHAIN_SERVICE, "keychain-probe").map_err(|e| e.to_string())?;
    match probe.get_password() {
        Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(keyring::Error::Ambiguous(_)) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

/// The file holds `<account>\n<token>\n`; a token of another account is not ours.
fn read_token_file(path: &Path, account: &str) -> AgentResult<Option<String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(AgentError::Io(format!(
                "Cannot read the session token file {}: {e}",
                path.display()
            )));
        }
    };
    let mut lines = text.lines();
    match (lines.next(), lines.next()) {
        (Some(a), Some(token)) if a == account && !token.is_empty() => Ok(Some(token.to_owned())),
        _ => Ok(None),
    }
}

/// Written to a temporary file made 0600 before any byte goes in, then renamed over.
fn write_token_file(path: &Path, account: &str, token: &str) -> AgentResult<()> {
    let io = |e: std::io::Error| {
        AgentError::Io(format!(
            "Cannot write the session token file {}: {e}",
            path.display()
        ))
    };
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(io)?;
    file.write_all(format!("{account}\n{token}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(io)
}

fn remove_token_file(path: &Path) -> AgentResult<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(AgentError::Io(format!(
            "Cannot delete the session token file {}: {e}",
            path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fallback_file_keeps_one_accounts_token_for_its_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::choose(dir.path(), false);
        assert!(matches!(store.status(), TokenStorage::File { .. }));
        assert_eq!(store.get("http://s 1").unwrap(), None);
        store.set("http://s 1", "tok-1").unwrap();
        assert_eq!(store.get("http://s 1").unwrap().as_deref(), Some("tok-1"));
        assert_eq!(
            store.get("http://s 2").unwrap(),
            None,
            "another account's token"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(TOKEN_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        store.delete("http://s 1").unwrap();
        assert!(!dir.path().join(TOKEN_FILE).exists());
        store.delete("http://s 1").unwrap();
    }
}
