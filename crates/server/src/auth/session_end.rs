//! Ended sessions, announced to long-lived connections: an event stream whose session was
//! signed out, reset by a password change or removed with its user closes at once instead of
//! at its next heartbeat. Announced after the store committed the end.

use messenger_protocol::UserId;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

use super::current_user::authenticate_hash;
use crate::app::AppState;

/// Which sessions ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionEnd {
    /// One session, by the stored hash of its token (sign-out).
    One { token_hash: String },
    /// Every session of a user but `keep` (a password change, a removed user).
    AllOf { user: UserId, keep: Option<String> },
}

impl SessionEnd {
    fn covers(&self, user: &UserId, token_hash: &str) -> bool {
        match self {
            Self::One { token_hash: ended } => ended == token_hash,
            Self::AllOf { user: ended, keep } => {
                ended == user && keep.as_deref() != Some(token_hash)
            }
        }
    }
}

/// The announcements; cheap to clone into the app state.
#[derive(Clone, Debug)]
pub struct SessionEnds {
    sender: broadcast::Sender<SessionEnd>,
}

impl Default for SessionEnds {
    fn default() -> Self {
        // A burst larger than this makes a watcher re-check its session in the store.
        let (sender, _) = broadcast::channel(256);
        Self { sender }
    }
}

impl SessionEnds {
    pub fn announce(&self, end: SessionEnd) {
        // No receivers (no open streams) is fine.
        let _ = self.sender.send(end);
    }

    /// Watches for the end of one session.
    pub fn watch(&self, state: &AppState, user: UserId, token_hash: String) -> SessionWatch {
        SessionWatch {
            receiver: self.sender.subscribe(),
            state: state.clone(),
            user,
            token_hash,
            confirmed: false,
        }
    }
}

/// One connection's view of [`SessionEnds`].
pub struct SessionWatch {
    receiver: broadcast::Receiver<SessionEnd>,
    state: AppState,
    user: UserId,
    token_hash: String,
    /// The session was found alive after subscribing (an end announced before the
    /// subscription would otherwise go unseen).
    confirmed: bool,
}

impl SessionWatch {
    /// Resolves when the session has ended. Cancel-safe: it can be one branch of a `select!`
    /// in a loop, recreated each turn, without missing an announcement.
    pub async fn ended(&mut self) {
        loop {
            if !self.confirmed {
                if authenticate_hash(&self.state, self.token_hash.clone())
                    .await
                    .is_err()
                {
                    return;
                }
                self.confirmed = true;
            }
            match self.receiver.recv().await {
                Ok(end) if end.covers(&self.user, &self.token_hash) => return,
                Ok(_) => {}
                // Announcements were missed: ask the store instead.
                Err(RecvError::Lagged(_)) => self.confirmed = false,
                Err(RecvError::Closed) => std::future::pending::<()>().await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_end_covers_its_session_or_the_users_others() {
        let alice = UserId("1".into());
        let bob = UserId("2".into());
        let one = SessionEnd::One {
            token_hash: "a1".into(),
        };
        assert!(one.covers(&alice, "a1"));
        assert!(!one.covers(&alice, "a2"));
        let others = SessionEnd::AllOf {
            user: alice.clone(),
            keep: Some("a1".into()),
        };
        assert!(!others.covers(&alice, "a1"));
        assert!(others.covers(&alice, "a2"));
        assert!(!others.covers(&bob, "b1"));
        let all = SessionEnd::AllOf {
            user: alice.clone(),
            keep: None,
        };
        assert!(all.covers(&alice, "a1"));
    }
}
