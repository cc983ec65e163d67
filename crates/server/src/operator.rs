//! What the machine's operator does from the command line (and tests do to set up): actions
//! without a signed-in user.

use messenger_protocol::Role;

use crate::auth::password;
use crate::clock::Clock;
use crate::domain::users;
use crate::error::AppResult;
use crate::store::{NewUser, Store, UserRecord};

/// Adds a user with the same checks as the API.
pub async fn add_user(
    store: &dyn Store,
    clock: &dyn Clock,
    name: &str,
    email: &str,
    password: &str,
    role: Role,
) -> AppResult<UserRecord> {
    let name = users::check_name(name)?;
    let email = users::normalize_email(email);
    users::check_email(&email)?;
    let password_hash = password::hash_checked(password).await?;
    let created_at = clock.now();
    store
        .write(move |tx| {
            users::create(
                tx,
                None,
                NewUser {
                    name: name.clone(),
                    email: email.clone(),
                    role,
                    password_hash: password_hash.clone(),
                    created_at,
                },
            )
        })
        .await
}
