//! The start-up step after the migrations: find the secret key (the database says whether
//! one must already exist) and prove it is this database's key, with the same check value as
//! the SQLite store. Every instance on one database must be given the same key; one with
//! another key refuses to start instead of failing on the first webhook.
//!
//! Unlike SQLite there are no plaintext rows to seal: this store has written channel and
//! webhook secrets sealed from its first migration.

use std::path::Path;

use tokio_postgres::Client;

use super::convert::backend;
use crate::secrets::{KeyError, SecretCipher, SecretKeySetting};
use crate::store::StoreError;

const KEY_CHECK: &str = "secret_key_check";
const KEY_CHECK_FIELD: &str = "meta.secret_key_check";
const KEY_CHECK_TEXT: &str = "IS-Messenger secret key check";

/// Loads the key and checks it against the database (the caller holds the start-up lock).
pub async fn prepare(
    client: &Client,
    setting: &SecretKeySetting,
    data_dir: &Path,
) -> Result<SecretCipher, StoreError> {
    let check: Option<String> = client
        .query_opt("SELECT value FROM meta WHERE key = $1", &[&KEY_CHECK])
        .await
        .map_err(backend)?
        .map(|r| r.try_get(0))
        .transpose()
        .map_err(backend)?;
    let sealed_rows: i64 = client
        .query_one(
            "SELECT (SELECT count(*) FROM channels) + (SELECT count(*) FROM integration_webhooks)",
            &[],
        )
        .await
        .and_then(|r| r.try_get(0))
        .map_err(backend)?;
    let loaded = setting.load(data_dir, check.is_some() || sealed_rows > 0)?;
    let cipher = SecretCipher::new(&loaded.key);
    let wrong_key = || KeyError::WrongKey {
        origin: loaded.origin.clone(),
    };
    match &check {
        Some(sealed) if cipher.open(KEY_CHECK_FIELD, sealed).as_deref() != Ok(KEY_CHECK_TEXT) => {
            Err(wrong_key().into())
        }
        Some(_) => Ok(cipher),
        // Sealed rows but no check value (written together, so only by hand).
        None if sealed_rows > 0 => Err(wrong_key().into()),
        None => {
            client
                .execute(
                    "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                    &[&KEY_CHECK, &cipher.seal(KEY_CHECK_FIELD, KEY_CHECK_TEXT)?],
                )
                .await
                .map_err(backend)?;
            Ok(cipher)
        }
    }
}
