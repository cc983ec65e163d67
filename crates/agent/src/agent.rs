//! [`Agent`]: the one object the desktop shell and the command line talk to.

use std::sync::{Mutex, MutexGuard};

use crate::accounts::{Accounts, StoredSession};
use crate::api_client::ApiClient;
use crate::config::AgentConfig;
use crate::error::{AgentError, AgentResult};
use crate::server_url;
use crate::view::{Session, SignInDefaults};

pub struct Agent {
    config: AgentConfig,
    accounts: Mutex<Accounts>,
}

impl Agent {
    pub fn open(config: AgentConfig) -> AgentResult<Self> {
        let accounts = Accounts::open(&config.data_dir)?;
        Ok(Self {
            config,
            accounts: Mutex::new(accounts),
        })
    }

    pub fn config(&self) -> &AgentConfig {
        &self.config
    }

    fn accounts(&self) -> MutexGuard<'_, Accounts> {
        // A panic while holding the lock cannot leave SQLite half-written; carry on.
        self.accounts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The signed-in session, from the local file (no network).
    pub fn session(&self) -> AgentResult<Option<Session>> {
        Ok(self.accounts().session()?.map(|s| s.public()))
    }

    fn stored_session(&self) -> AgentResult<StoredSession> {
        self.accounts().session()?.ok_or(AgentError::SignedOut)
    }

    /// The client for the signed-in session.
    pub fn client(&self) -> AgentResult<ApiClient> {
        let s = self.stored_session()?;
        Ok(ApiClient::new(&s.server_url)?.with_token(s.token))
    }

    /// What the sign-in form starts with: the last sign-in, else `preset_server`
    /// (`MESSENGER_SERVER_URL`), which wins for the server when it is set.
    pub fn sign_in_defaults(&self, preset_server: Option<&str>) -> AgentResult<SignInDefaults> {
        let mut d = self.accounts().last_sign_in()?.unwrap_or_default();
        if let Some(server) = preset_server.filter(|s| !s.trim().is_empty()) {
            d.server_url = server.trim().to_owned();
        }
        Ok(d)
    }

    /// Signs in and remembers the session (a restart keeps it).
    pub async fn login(&self, server: &str, email: &str, password: &str) -> AgentResult<Session> {
        let server_url = server_url::normalize(server)?;
        if email.trim().is_empty() || password.is_empty() {
            return Err(AgentError::Invalid("Enter your email and password.".into()));
        }
        let answer = ApiClient::new(&server_url)?
            .login(email.trim(), password)
            .await?;
        let stored = StoredSession {
            server_url,
            token: answer.token,
            user: answer.user,
        };
        self.accounts().save_session(&stored)?;
        tracing::info!(server = %stored.server_url, user = %stored.user.email, "signed in");
        Ok(stored.public())
    }

    /// Asks the server who we are: refreshes the stored user, and forgets a session that the
    /// server no longer accepts. Offline, the stored session stands.
    pub async fn refresh_session(&self) -> AgentResult<Session> {
        let client = self.client()?;
        match client.me().await {
            Ok(user) => {
                self.accounts().update_user(&user)?;
                Ok(self.stored_session()?.public())
            }
            Err(e) if e.is_auth_failure() => {
                self.accounts().clear_session()?;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Signs out: the server kills the token, and the local session is forgotten. When the
    /// server cannot be reached the local session is forgotten anyway (the token then dies on
    /// the server's idle timeout).
    pub async fn logout(&self) -> AgentResult<()> {
        let client = match self.client() {
            Ok(c) => c,
            Err(AgentError::SignedOut) => return Ok(()),
            Err(e) => return Err(e),
        };
        match client.logout().await {
            Ok(()) => {}
            Err(e) if e.is_auth_failure() => {}
            Err(e @ AgentError::Unreachable { .. }) => {
                tracing::warn!(error = %e, "signing out locally; the server was not told");
            }
            Err(e) => return Err(e),
        }
        self.accounts().clear_session()?;
        Ok(())
    }
}
