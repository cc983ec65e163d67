//! Password hashing with argon2id (the crate's default parameters: 19 MiB, 2 passes).

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password: {0}")]
pub struct HashError(String);

/// A PHC string (`$argon2id$v=19$...`) for storing.
pub fn hash(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether `password` matches the stored PHC string. A malformed stored hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of a password nobody knows, made with the same parameters as real ones: checking a
/// sign-in with an unknown email against it costs what a real check costs, so the answer time
/// does not tell which emails have accounts.
const NOBODYS_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$QXHh1wIEzdBUWbmGjM3NCw$fULp1IBl8qsWF+Iv8o5GWPQRJsIfzK4wGnrp6pQ6DFU";

/// Spends the same work as a real check, for sign-ins with an unknown email.
pub fn verify_against_nothing(password: &str) {
    let _ = verify(password, NOBODYS_HASH);
}

/// Rules a new password must meet; the message is for people.
pub fn check_strength(password: &str) -> Result<(), String> {
    if password.chars().count() < 8 {
        return Err("The password must have at least 8 characters.".into());
    }
    if password.len() > 1024 {
        return Err("The password must have at most 1024 bytes.".into());
    }
    Ok(())
}

/// Checks a new password and hashes it off the async workers, without a bound on how many
/// run at once: for the operator's command line. Requests go through
/// [`super::hashing::PasswordHashing`].
pub async fn hash_checked(password: &str) -> Result<String, crate::error::AppError> {
    use crate::error::AppError;
    check_strength(password).map_err(AppError::invalid)?;
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|e| AppError::internal("hashing the password", e))?
        .map_err(|e| AppError::internal("hashing the password", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterz", &h));
        assert!(!verify("correct horse battery", "not a phc string"));
    }

    #[test]
    fn the_same_password_hashes_differently_each_time() {
        assert_ne!(
            hash("same password").unwrap(),
            hash("same password").unwrap()
        );
    }

    #[test]
    fn nobodys_hash_costs_what_a_real_one_costs() {
        let real = hash("any password").unwrap();
        let params = |h: &str| h.rsplitn(3, '$').nth(2).unwrap().to_owned();
        assert_eq!(params(NOBODYS_HASH), params(&real));
        assert!(PasswordHash::new(NOBODYS_HASH).is_ok());
        assert!(!verify("any password", NOBODYS_HASH));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_strength("short").is_err());
        assert!(check_strength("long enough").is_ok());
    }
}
