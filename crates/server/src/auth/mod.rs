//! Who is asking: passwords, session tokens and the extractor that turns a bearer token into
//! the signed-in user; the defences of sign-in (failure limits, a bound on hashing) and the
//! announcement of ended sessions.

pub mod api_token;
pub mod client_address;
pub mod current_user;
pub mod failure_counter;
pub mod hashing;
pub mod password;
pub mod session_end;
pub mod sign_in_limits;
pub mod token;

pub use current_user::CurrentUser;
