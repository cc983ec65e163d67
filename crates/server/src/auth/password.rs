//! Password hashing with argon2id (the crate's default parameters: 19 MiB, 2 passes).
//!
//! The 19 MiB of working memory can be handed in ([`HashMemory`]) and reused: allocated anew
//! for every hash on whichever blocking thread runs it, the allocator keeps each thread's
//! freed blocks around and a burst of sign-ins grows the process by ~19 MiB per thread.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password: {0}")]
pub struct HashError(String);

/// Working memory for one hash at a time; grows to what the parameters ask and stays.
#[derive(Debug, Default)]
pub struct HashMemory(Vec<Block>);

impl HashMemory {
    fn blocks(&mut self, params: &Params) -> &mut [Block] {
        let count = params.block_count();
        if self.0.len() < count {
            self.0.resize(count, Block::default());
        }
        &mut self.0[..count]
    }
}

/// A PHC string (`$argon2id$v=19$...`) for storing.
pub fn hash(password: &str) -> Result<String, HashError> {
    hash_in(password, &mut HashMemory::default())
}

/// Like [`hash`], in the given memory.
pub fn hash_in(password: &str, memory: &mut HashMemory) -> Result<String, HashError> {
    let fail = |e: &dyn std::fmt::Display| HashError(e.to_string());
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt.decode_b64(&mut salt_bytes).map_err(|e| fail(&e))?;
    let params = Params::default();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt_raw,
            &mut out,
            memory.blocks(&params),
        )
        .map_err(|e| fail(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params).try_into().map_err(|e| fail(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the stored PHC string. A malformed stored hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    verify_in(password, stored, &mut HashMemory::default())
}

/// Like [`verify`], in the given memory.
pub fn verify_in(password: &str, stored: &str, memory: &mut HashMemory) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_raw) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let hashed = Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
        password.as_bytes(),
        salt_raw,
        &mut out,
        memory.blocks(&params),
    );
    // `Output` compares in constant time.
    hashed.is_ok() && Output::new(&out).is_ok_and(|o| o == expected)
}

/// A hash of a password nobody knows, made with the same parameters as real ones: checking a
/// sign-in with an unknown email against it costs what a real check costs, so the answer time
/// does not tell which emails have accounts.
const NOBODYS_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$QXHh1wIEzdBUWbmGjM3NCw$fULp1IBl8qsWF+Iv8o5GWPQRJsIfzK4wGnrp6pQ6DFU";

/// Spends the same work as a real check, for sign-ins with an unknown email.
pub fn verify_against_nothing(password: &str, memory: &mut HashMemory) {
    let _ = verify_in(password, NOBODYS_HASH, memory);
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
    fn reused_memory_gives_the_same_answers_as_the_crates_own_verifier() {
        use argon2::PasswordVerifier;
        let mut memory = HashMemory::default();
        let ours = hash_in("reused memory", &mut memory).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"reused memory", &parsed)
                .is_ok()
        );
        assert!(verify_in("reused memory", &ours, &mut memory));
        assert!(!verify_in("reused memorz", &ours, &mut memory));
        // A hash the crate made the usual way verifies in reused memory too.
        let theirs = {
            use argon2::PasswordHasher;
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(b"theirs", &salt)
                .unwrap()
                .to_string()
        };
        assert!(verify_in("theirs", &theirs, &mut memory));
        assert!(!verify_in("theirs!", &theirs, &mut memory));
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
