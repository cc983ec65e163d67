//! `agent.db`: who is signed in, to which server. The per-account caches live beside it.
//!
//! The bearer token is kept here so that a restart keeps the agent signed in; the file is
//! readable by its owner only.

use std::path::Path;

use messenger_protocol::{Timestamp, User};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{AgentError, AgentResult};
use crate::migrate;
use crate::view::{Session, SignInDefaults};

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

pub struct Accounts {
    conn: Connection,
}

impl Accounts {
    pub fn open(data_dir: &Path) -> AgentResult<Self> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| AgentError::Io(format!("Cannot create {}: {e}", data_dir.display())))?;
        let path = data_dir.join("agent.db");
        let mut conn = Connection::open(&path)?;
        restrict_to_owner(&path);
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate::apply(&mut conn, "agent file", MIGRATIONS)?;
        Ok(Self { conn })
    }

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
        let Some((server_url, token, user_json)) = row else {
            return Ok(None);
        };
        let user = serde_json::from_str(&user_json)
            .map_err(|e| AgentError::Cache(format!("stored user unreadable: {e}")))?;
        Ok(Some(StoredSession {
            server_url,
            token,
            user,
        }))
    }

    pub fn save_session(&self, s: &StoredSession) -> AgentResult<()> {
        let user_json =
            serde_json::to_string(&s.user).map_err(|e| AgentError::Cache(e.to_string()))?;
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT OR REPLACE INTO session (id, server_url, token, user_json, signed_in_at)
             VALUES (1, ?1, ?2, ?3, ?4)",
            params![s.server_url, s.token, user_json, Timestamp::now().millis()],
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

    pub fn clear_session(&self) -> AgentResult<()> {
        self.conn.execute("DELETE FROM session", [])?;
        Ok(())
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
            },
        }
    }

    #[test]
    fn a_session_survives_reopening_and_clearing_keeps_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        Accounts::open(dir.path())
            .unwrap()
            .save_session(&session())
            .unwrap();

        let accounts = Accounts::open(dir.path()).unwrap();
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

    #[test]
    fn the_token_never_shows_in_debug_output() {
        assert!(!format!("{:?}", session()).contains("secret"));
    }
}
