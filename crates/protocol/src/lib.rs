//! Wire types of the IS-Messenger v1 API: what the server sends and accepts, what the agent
//! core stores and replays. Everything here is plain data (serde); the TypeScript twins in
//! `ui/src/lib/protocol/` are generated from these definitions by [`bindings`].

pub mod auth;
pub mod bindings;
pub mod error;
pub mod ids;
pub mod timestamp;
pub mod user;

pub use auth::{LoginRequest, LoginResponse};
pub use error::{ApiErrorBody, ErrorCode, ErrorDetail};
pub use ids::UserId;
pub use timestamp::Timestamp;
pub use user::{Role, User, UserStatus};

/// Prefix of every v1 route.
pub const API_PREFIX: &str = "/api/v1";
