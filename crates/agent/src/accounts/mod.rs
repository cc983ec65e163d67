//! `agent.db`: who is signed in, to which server. The per-account caches live beside it.
//!
//! The bearer token is not kept here: it lives in the OS keychain, or where there is none in
//! a file readable only by its owner ([`token_store`]), under the account
//! `<server url> <user id>`. The `session.token` column of older versions is emptied on the
//! first start, after its token moved to the keychain.

mod token_store;

use std::path::{Path, PathBuf};

use messenger_protocol::{Timestamp, User};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{AgentError, AgentResult};
use crate::migrate;
use crate::view::{Session, SignInDefaults, TokenStorage};
use token_store::TokenStore;

const MIGRATIONS: &[&str] = &[include_str!("0001_session.sql")];

/// A signed-in session with its secret.
#[derive(Clone)]
pub struct StoredSession {
    pub server_url: String,
    pub token: String,
    pub user: User,
}

impl std::fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSession")
            .field("server_url", &self.server_url)
            .field("user", &self.user.email)
            .finish_non_exhaustive()
    }
}

impl StoredSession {
    pub fn public(&self) -> Session {
        Session {
            server_url: self.server_url.clone(),
            user: self.user.clone(),
        }
    }
}

/// The keychain account of a session: `<server url> <user id>`.
fn keychain_account(server_url: &str, user: &User) -> String {
    format!("{server_url} {}", user.id)
}

pub struct Accounts {
    conn: Connection,
    tokens: TokenStore,
    data_dir: PathBuf,
}

impl Accounts {
    /// Opens `agent.db` and finds where tokens go (`keychain`: try the OS keychain first).
    /// Blocking: probing the keychain is a D-Bus round trip on Linux.
    pub fn open(data_dir: &Path, keychain: bool) -> AgentResult<Self> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| AgentError::Io(format!("Cannot create {}: {e}", data_dir.display())))?;
        let path = data_dir.join("agent.db");
        let mut conn = Connection::open(&path)?;
        restrict_to_owner(&path);
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // A token emptied out of an old row must not linger in a freed page.
        conn.pragma_update(None, "secure_delete", true)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate::apply(&mut conn, "agent file", MIGRATIONS)?;
        Ok(Self {
            conn,
            tokens: TokenStore::choose(data_dir, keychain),
            data_dir: data_dir.to_path_buf(),
        })
    }

    /// Where tokens are kept.
    pub fn token_storage(&self) -> TokenStorage {
        self.tokens.status()
    }

    /// The signed-in session with its token. A token still in `agent.db` (older versions)
    /// moves to the token store first. A session whose token is gone (the keychain entry was
    /// deleted) is forgotten: the user signs in again.
    pub fn session(&self) -> AgentResult<Option<StoredSession>> {
        let row = self
            .conn
            .query_row(
                "SELECT server_url, token, user_json FROM session WHERE id = 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .optional()?;
        let Some((server_url, legacy_token, user_json)) = row else {
            return Ok(None);
        };
        let user: User = serde_json::from_str(&user_json)
            .map_err(|e| AgentError::Cache(format!("stored user unreadable: {e}")))?;
        let account = keychain_account(&server_url, &user);
        if !legacy_token.is_empty() {
            if let Err(e) = self.tokens.set(&account, &legacy_token) {
                // Still signed in; the move is tried again at the next start.
                tracing::warn!(error = %e, "cannot move the session token out of agent.db yet");
                return Ok(Some(StoredSession {
                    server_url,
                    token: legacy_token,
                    user,
                }));
            }
            self.conn
                .execute("UPDATE session SET token = '' WHERE id = 1", [])?;
            // The old page images sit in the WAL until it is checkpointed and truncated.
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            tracing::info!("moved the session token out of agent.db");
        }
        self.tokens.adopt_file_token(&self.data_dir, &account)?;
        let Some(token) = self.tokens.get(&account)? else {
            tracing::warn!("the session token is gone from where it was kept; signing out");
            self.conn.execute("DELETE FROM session", [])?;
            return Ok(None);
        };
        Ok(Some(StoredSession {
            server_url,
            token,
            user,
        }))
    }

    /// Remembers a session: its token in the token store, the rest in `agent.db`. The token
    /// of a previous session is forgotten.
    pub fn save_session(&self, s: &StoredSession) -> AgentResult<()> {
        let user_json =
            serde_json::to_string(&s.user).map_err(|e| AgentError::Cache(e.to_string()))?;
        let account = keychain_account(&s.server_url, &s.user);
        if let Some(previous) = self.session_account()?
            && previous != account
        {
            self.tokens.delete(&previous)?;
        }
        self.tokens.set(&account, &s.token)?;
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT OR REPLACE INTO session (id, server_url, token, user_json, signed_in_at)
             VALUES (1, ?1, '', ?2, ?3)",
            params![s.server_url, user_json, Timestamp::now().millis()],
        )?;
        tx.execute(
            "INSERT OR REPLACE INTO last_sign_in (id, server_url, email) VALUES (1, ?1, ?2)",
            params![s.server_url, s.user.email],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Keeps the user's details current (name or role changed on the server).
    pub fn update_user(&self, user: &User) -> AgentResult<()> {
        let user_json =
            serde_json::to_string(user).map_err(|e| AgentError::Cache(e.to_string()))?;
        self.conn.execute(
            "UPDATE session SET user_json = ?1 WHERE id = 1",
            [user_json],
        )?;
        Ok(())
    }

    /// Forgets the session and deletes its token from wherever it lives.
    pub fn clear_session(&self) -> AgentResult<()> {
        if let Some(account) = self.session_account()? {
            self.tokens.delete(&account)?;
        }
        self.conn.execute("DELETE FROM session", [])?;
        Ok(())
    }

    /// The keychain account of the stored session, without touching the keychain.
    fn session_account(&self) -> AgentResult<Option<String>> {
        let row = self
            .conn
            .query_row(
                "SELECT server_url, user_json FROM session WHERE id = 1",
                [],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?;
        Ok(row.and_then(|(server_url, user_json)| {
            let user: User = serde_json::from_str(&user_json).ok()?;
            Some(keychain_account(&server_url, &user))
        }))
    }

    pub fn last_sign_in(&self) -> AgentResult<Option<SignInDefaults>> {
        Ok(self
            .conn
            .query_row(
                "SELECT server_url, email FROM last_sign_in WHERE id = 1",
                [],
                |r| {
                    Ok(SignInDefaults {
                        server_url: r.get(0)?,
                        email: r.get(1)?,
                    })
                },
            )
            .optional()?)
    }
}

#[cfg(unix)]
fn restrict_to_owner(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
        tracing::warn!(error = %e, path = %path.display(), "cannot restrict the agent file to its owner");
    }
}

#[cfg(not(unix))]
fn restrict_to_owner(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;
    use messenger_protocol::{Role, UserId, UserStatus};

    fn session() -> StoredSession {
        StoredSession {
            server_url: "http://127.0.0.1:1".into(),
            token: "secret".into(),
            user: User {
                id: UserId("7".into()),
                name: "Ada".into(),
                email: "ada@example.com".into(),
                role: Role::Agent,
                status: UserStatus::Online,
                active: true,
                capabilities: Default::default(),
            },
        }
    }

    #[test]
    fn a_session_survives_reopening_and_clearing_keeps_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        Accounts::open(dir.path(), false)
            .unwrap()
            .save_session(&session())
            .unwrap();

        let accounts = Accounts::open(dir.path(), false).unwrap();
        let s = accounts.session().unwrap().unwrap();
        assert_eq!(s.token, "secret");
        assert_eq!(s.user.name, "Ada");

        accounts.clear_session().unwrap();
        assert!(accounts.session().unwrap().is_none());
        let d = accounts.last_sign_in().unwrap().unwrap();
        assert_eq!(
            (d.server_url.as_str(), d.email.as_str()),
            ("http://127.0.0.1:1", "ada@example.com")
        );
    }

    fn file_bytes(dir: &Path) -> Vec<u8> {
        let mut bytes = std::fs::read(dir.join("agent.db")).unwrap();
        bytes.extend(std::fs::read(dir.join("agent.db-wal")).unwrap_or_default());
        bytes
    }

    fn holds(bytes: &[u8], needle: &str) -> bool {
        bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
    }

    #[test]
    fn the_token_is_never_written_to_agent_db() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = session();
        s.token = "tok-never-in-sqlite-0123456789".into();
        let accounts = Accounts::open(dir.path(), false).unwrap();
        accounts.save_session(&s).unwrap();
        assert!(!holds(&file_bytes(dir.path()), &s.token));
        assert_eq!(accounts.session().unwrap().unwrap().token, s.token);
        accounts.clear_session().unwrap();
        assert!(!dir.path().join(token_store::TOKEN_FILE).exists());
    }

    #[test]
    fn a_token_left_in_agent_db_by_an_older_version_moves_out_on_first_start() {
        let dir = tempfile::tempdir().unwrap();
        let legacy = "legacy-token-in-sqlite-0123456789";
        {
            let accounts = Accounts::open(dir.path(), false).unwrap();
            accounts.save_session(&session()).unwrap();
            // What an older version wrote: the token in the row, nowhere else.
            accounts
                .conn
                .execute("UPDATE session SET token = ?1", [legacy])
                .unwrap();
            std::fs::remove_file(dir.path().join(token_store::TOKEN_FILE)).unwrap();
        }
        assert!(holds(&file_bytes(dir.path()), legacy), "the test's premise");

        let accounts = Accounts::open(dir.path(), false).unwrap();
        assert_eq!(accounts.session().unwrap().unwrap().token, legacy);
        let stored: String = accounts
            .conn
            .query_row("SELECT token FROM session", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, "");
        assert!(
            !holds(&file_bytes(dir.path()), legacy),
            "the old token lingers in agent.db"
        );
        assert!(dir.path().join(token_store::TOKEN_FILE).exists());
        // Reopened, the session is still there, from the token store.
        drop(accounts);
        let accounts = Accounts::open(dir.path(), false).unwrap();
        assert_eq!(accounts.session().unwrap().unwrap().token, legacy);
    }

    #[test]
    fn a_session_whose_token_is_gone_is_signed_out() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = Accounts::open(dir.path(), false).unwrap();
        accounts.save_session(&session()).unwrap();
        std::fs::remove_file(dir.path().join(token_store::TOKEN_FILE)).unwrap();
        assert!(accounts.session().unwrap().is_none());
        assert!(accounts.last_sign_in().unwrap().is_some());
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        assert!(!format!("{:?}", session()).contains("secret"));
    }
}
