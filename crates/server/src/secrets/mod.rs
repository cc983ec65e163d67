//! Secrets at rest: channel credentials are kept in the database encrypted under the
//! server's secret key, which lives outside the database ([`key`]); [`cipher`] seals and
//! opens single values; [`token_digest`] is what the webhook looks a channel up by.

pub mod cipher;
pub mod key;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub use cipher::{SecretCipher, SecretError};
pub use key::{KeyError, SecretKey, SecretKeySetting};

/// The lookup key of a channel's api_token: its SHA-256 in hex. The tokens are 256-bit random
/// values, so an unkeyed hash reveals nothing that could be brute-forced.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two secrets without leaking, through timing, how long a prefix matched.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_stable_hex_and_differ_per_token() {
        let d = token_digest("abc");
        assert_eq!(d.len(), 64);
        assert_eq!(d, token_digest("abc"));
        assert_ne!(d, token_digest("abd"));
    }

    #[test]
    fn same_secret_compares_whole_values() {
        assert!(same_secret("token", "token"));
        assert!(!same_secret("token", "tokem"));
        assert!(!same_secret("token", "token2"));
        assert!(!same_secret("", "x"));
    }
}
