//! Users: creation rules shared by the API and the command line.

use messenger_protocol::Role;

use crate::auth::password;
use crate::clock::Clock;
use crate::error::AppError;
use crate::store::{NewUser, Store, UserRecord};

/// Emails compare case-insensitively and without surrounding space.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn check_email(email: &str) -> Result<(), AppError> {
    let ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(char::is_whitespace);
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(format!(
            "{email:?} is not an email address."
        )))
    }
}

/// Validates and stores a new user; the password is hashed here, off the async workers.
pub async fn create_user(
    store: &dyn Store,
    clock: &dyn Clock,
    name: &str,
    email: &str,
    password: &str,
    role: Role,
) -> Result<UserRecord, AppError> {
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::invalid("The name must have 1 to 200 characters."));
    }
    let email = normalize_email(email);
    check_email(&email)?;
    password::check_strength(password).map_err(AppError::invalid)?;
    let password = password.to_owned();
    let password_hash = tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|e| AppError::internal("hashing the password", e))?
        .map_err(|e| AppError::internal("hashing the password", e))?;
    let new = NewUser {
        name,
        email,
        role,
        password_hash,
        created_at: clock.now(),
    };
    store
        .write(move |tx| tx.insert_user(&new).map_err(AppError::from))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(normalize_email("  Alice@Example.COM "), "alice@example.com");
        assert!(check_email("alice@example.com").is_ok());
        for bad in [
            "",
            "alice",
            "@example.com",
            "alice@",
            "alice@localhost",
            "a b@example.com",
        ] {
            assert!(check_email(bad).is_err(), "{bad:?} accepted");
        }
    }
}
