//! Who is asking: passwords, session tokens and the extractor that turns a bearer token into
//! the signed-in user.

pub mod current_user;
pub mod password;
pub mod token;

pub use current_user::CurrentUser;
