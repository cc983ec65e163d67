//! Rows as the store holds them: what the API shows plus what it must never show.

use messenger_protocol::{Role, Timestamp, User, UserId, UserStatus};

#[derive(Clone, Debug)]
pub struct UserRecord {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub status: UserStatus,
    /// PHC string (argon2id).
    pub password_hash: String,
    pub created_at: Timestamp,
}

impl UserRecord {
    pub fn to_api(&self) -> User {
        User {
            id: self.id.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            role: self.role,
            status: self.status,
        }
    }
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub password_hash: String,
    pub created_at: Timestamp,
}

/// A signed-in session. Only the SHA-256 of the bearer token is stored, so a copy of the
/// database does not let anyone sign in.
#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub token_hash: String,
    pub user_id: UserId,
    pub created_at: Timestamp,
    pub last_used_at: Timestamp,
}
