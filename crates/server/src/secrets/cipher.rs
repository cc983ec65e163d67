//! Sealing one secret value: XChaCha20-Poly1305 with a random 192-bit nonce per value (large
//! enough that random nonces never repeat in practice), stored as text
//! `v1:<base64url(nonce ‖ ciphertext ‖ tag)>`. The field's name is the associated data, so a
//! sealed signing secret cannot be passed off as an api_token.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

use super::SecretKey;

/// The text format's version tag; a new algorithm gets a new one.
const V1: &str = "v1:";
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("the stored {field} is not a sealed secret this server understands")]
    Format { field: String },
    #[error(
        "the stored {field} cannot be decrypted with this secret key \
         (the key is not the one it was sealed with, or the value was altered)"
    )]
    Undecryptable { field: String },
    #[error("cannot seal the {field}")]
    Seal { field: String },
}

/// Seals and opens secret values under one key.
pub struct SecretCipher {
    aead: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretCipher(..)")
    }
}

impl SecretCipher {
    pub fn new(key: &SecretKey) -> Self {
        Self {
            aead: XChaCha20Poly1305::new(key.bytes().into()),
        }
    }

    /// Whether a stored value is sealed (as opposed to a plaintext from before encryption).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(V1)
    }

    /// Encrypts `plaintext`, bound to `field` (e.g. `channels.api_token`).
    pub fn seal(&self, field: &str, plaintext: &str) -> Result<String, SecretError> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .aead
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: field.as_bytes(),
                },
            )
            .map_err(|_| SecretError::Seal {
                field: field.to_owned(),
            })?;
        let mut bytes = Vec::with_capacity(NONCE_LEN + sealed.len());
        bytes.extend_from_slice(&nonce);
        bytes.extend_from_slice(&sealed);
        Ok(format!("{V1}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Decrypts a value made by [`seal`](Self::seal) for the same `field`; a wrong key or
    /// any altered byte is an error, never garbage.
    pub fn open(&self, field: &str, stored: &str) -> Result<String, SecretError> {
        let format = || SecretError::Format {
            field: field.to_owned(),
        };
        let body = stored.strip_prefix(V1).ok_or_else(format)?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| format())?;
        if bytes.len() < NONCE_LEN + TAG_LEN {
            return Err(format());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let plain = self
            .aead
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: field.as_bytes(),
                },
            )
            .map_err(|_| SecretError::Undecryptable {
                field: field.to_owned(),
            })?;
        String::from_utf8(plain).map_err(|_| format())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher(byte: u8) -> SecretCipher {
        SecretCipher::new(&SecretKey::from_bytes([byte; 32]))
    }

    #[test]
    fn a_sealed_value_opens_to_the_same_text() {
        let c = cipher(1);
        let sealed = c.seal("channels.api_token", "s3cr3t-token").unwrap();
        assert!(SecretCipher::is_sealed(&sealed), "{sealed}");
        assert!(!sealed.contains("s3cr3t"), "{sealed}");
        assert_eq!(
            c.open("channels.api_token", &sealed).unwrap(),
            "s3cr3t-token"
        );
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let c = cipher(1);
        let a = c.seal("f", "same").unwrap();
        let b = c.seal("f", "same").unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn any_altered_byte_is_detected() {
        let c = cipher(1);
        let sealed = c.seal("f", "value").unwrap();
        let bytes = URL_SAFE_NO_PAD.decode(&sealed[V1.len()..]).unwrap();
        for i in 0..bytes.len() {
            let mut altered = bytes.clone();
            altered[i] ^= 0x01;
            let text = format!("{V1}{}", URL_SAFE_NO_PAD.encode(&altered));
            assert_eq!(
                c.open("f", &text),
                Err(SecretError::Undecryptable { field: "f".into() }),
                "byte {i} flipped"
            );
        }
    }

    #[test]
    fn a_wrong_key_is_an_error_not_garbage() {
        let sealed = cipher(1).seal("f", "value").unwrap();
        assert_eq!(
            cipher(2).open("f", &sealed),
            Err(SecretError::Undecryptable { field: "f".into() })
        );
    }

    #[test]
    fn a_value_sealed_for_one_field_does_not_open_as_another() {
        let c = cipher(1);
        let sealed = c.seal("channels.signing_secret", "value").unwrap();
        assert!(c.open("channels.api_token", &sealed).is_err());
    }

    #[test]
    fn plaintext_and_truncated_values_are_format_errors() {
        let c = cipher(1);
        assert!(!SecretCipher::is_sealed("plain-token"));
        assert_eq!(
            c.open("f", "plain-token"),
            Err(SecretError::Format { field: "f".into() })
        );
        assert_eq!(
            c.open("f", "v1:AAAA"),
            Err(SecretError::Format { field: "f".into() })
        );
        assert_eq!(
            c.open("f", "v1:not base64!"),
            Err(SecretError::Format { field: "f".into() })
        );
    }
}
