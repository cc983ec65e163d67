//! The start-up step that follows the SQL migrations: find the secret key (the database says
//! whether one must already exist), prove it is this database's key, and seal any channel
//! and integration-webhook secrets still stored in plaintext (rows from before migration 4).

use std::path::Path;

use rusqlite::{Connection, params};

use super::automation::WEBHOOK_SECRET_FIELD;
use super::workspace::{self, API_TOKEN_FIELD, SIGNING_SECRET_FIELD};
use crate::secrets::{KeyError, SecretCipher, SecretKeySetting, token_digest};
use crate::store::StoreError;

/// A value sealed with the key on first use; opening it proves a later start has that key.
const KEY_CHECK: &str = "secret_key_check";
const KEY_CHECK_FIELD: &str = "meta.secret_key_check";
const KEY_CHECK_TEXT: &str = "IS-Messenger secret key check";

/// Loads the key, checks it against the database, and seals plaintext channel secrets.
pub fn prepare(
    conn: &mut Connection,
    setting: &SecretKeySetting,
    data_dir: &Path,
) -> Result<SecretCipher, StoreError> {
    let check = workspace::meta(conn, KEY_CHECK)?;
    let sealed_rows: i64 = conn.query_row(
        "SELECT (SELECT count(*) FROM channels WHERE api_token LIKE 'v1:%')
              + (SELECT count(*) FROM integration_webhooks WHERE signing_secret LIKE 'v1:%')",
        [],
        |r| r.get(0),
    )?;
    let loaded = setting.load(data_dir, check.is_some() || sealed_rows > 0)?;
    let cipher = SecretCipher::new(&loaded.key);
    let wrong_key = || KeyError::WrongKey {
        origin: loaded.origin.clone(),
    };
    match &check {
        Some(sealed) if cipher.open(KEY_CHECK_FIELD, sealed).as_deref() != Ok(KEY_CHECK_TEXT) => {
            return Err(wrong_key().into());
        }
        Some(_) => {}
        None if sealed_rows > 0 => {
            // Sealed rows but no check value (written together, so only by hand).
            return Err(wrong_key().into());
        }
        None => {}
    }
    let plaintext = plaintext_channels(conn)?;
    let plaintext_hooks = plaintext_webhooks(conn)?;
    let sealing = plaintext.len() + plaintext_hooks.len();
    if check.is_some() && sealing == 0 {
        return Ok(cipher);
    }
    // Overwrite what the plaintext rows leave behind in freed pages.
    conn.pragma_update(None, "secure_delete", true)?;
    let tx = conn.transaction()?;
    if check.is_none() {
        workspace::put_meta(
            &tx,
            KEY_CHECK,
            &cipher.seal(KEY_CHECK_FIELD, KEY_CHECK_TEXT)?,
        )?;
    }
    for (id, token, signing_secret) in &plaintext {
        tx.execute(
            "UPDATE channels SET api_token = ?2, signing_secret = ?3, api_token_sha256 = ?4
             WHERE id = ?1",
            params![
                id,
                cipher.seal(API_TOKEN_FIELD, token)?,
                cipher.seal(SIGNING_SECRET_FIELD, signing_secret)?,
                token_digest(token),
            ],
        )?;
    }
    for (id, secret) in &plaintext_hooks {
        tx.execute(
            "UPDATE integration_webhooks SET signing_secret = ?2 WHERE id = ?1",
            params![id, cipher.seal(WEBHOOK_SECRET_FIELD, secret)?],
        )?;
    }
    tx.commit()?;
    conn.pragma_update(None, "secure_delete", false)?;
    if sealing > 0 {
        // The old page images sit in the WAL until it is checkpointed and truncated.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        tracing::info!(
            channels = plaintext.len(),
            integration_webhooks = plaintext_hooks.len(),
            "sealed secrets that were stored in plaintext"
        );
    }
    Ok(cipher)
}

/// (id, api_token, signing_secret) of channels whose secrets are not sealed yet.
fn plaintext_channels(conn: &Connection) -> Result<Vec<(i64, String, String)>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, api_token, signing_secret FROM channels WHERE api_token NOT LIKE 'v1:%'
         OR signing_secret NOT LIKE 'v1:%' ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// (id, signing_secret) of integration webhooks whose secret is not sealed yet.
fn plaintext_webhooks(conn: &Connection) -> Result<Vec<(i64, String)>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, signing_secret FROM integration_webhooks
         WHERE signing_secret NOT LIKE 'v1:%' ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::SecretKey;
    use messenger_protocol::ChannelId;

    /// A database as an older server left it: a channel with plaintext secrets.
    fn database_with_a_plaintext_channel(dir: &Path) -> Connection {
        let mut conn = Connection::open(dir.join("messenger.db")).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        super::super::migrations::migrate(&mut conn).unwrap();
        conn.execute(
            "INSERT INTO channels (name, kind, supports_voice, api_token, signing_secret, created_at)
             VALUES ('Web', 'custom', 0, 'plain-token', 'plain-signing', 0)",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO integration_webhooks
                 (url, events, signing_secret, allow_private_network, created_at)
             VALUES ('http://127.0.0.1:9/hook', '[]', 'plain-hook-secret', 0, 0)",
            [],
        )
        .unwrap();
        conn
    }

    fn key(byte: u8) -> SecretKeySetting {
        SecretKeySetting::Value(SecretKey::from_bytes([byte; 32]))
    }

    #[test]
    fn plaintext_secrets_are_sealed_on_first_start_and_still_found_by_token() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = database_with_a_plaintext_channel(dir.path());
        let cipher = prepare(&mut conn, &key(1), dir.path()).unwrap();

        let (token, secret, digest): (String, String, String) = conn
            .query_row(
                "SELECT api_token, signing_secret, api_token_sha256 FROM channels",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert!(SecretCipher::is_sealed(&token) && SecretCipher::is_sealed(&secret));
        assert_eq!(digest, token_digest("plain-token"));
        let found = workspace::channel_by_token(&conn, &cipher, "plain-token")
            .unwrap()
            .unwrap();
        assert_eq!(found.signing_secret, "plain-signing");
        assert!(
            workspace::channel_by_token(&conn, &cipher, "plain-tokem")
                .unwrap()
                .is_none()
        );
        let by_id = workspace::channel(&conn, &cipher, &ChannelId("1".into()))
            .unwrap()
            .unwrap();
        assert_eq!(by_id.api_token, "plain-token");
        let hooks = super::super::automation::integration_webhooks(&conn, &cipher).unwrap();
        assert_eq!(hooks[0].signing_secret, "plain-hook-secret");
        // A second start changes nothing and accepts the same key.
        prepare(&mut conn, &key(1), dir.path()).unwrap();
        drop(conn);
        let bytes = std::fs::read(dir.path().join("messenger.db")).unwrap();
        let wal = std::fs::read(dir.path().join("messenger.db-wal")).unwrap_or_default();
        for file in [&bytes, &wal] {
            for plain in ["plain-token", "plain-signing", "plain-hook-secret"] {
                assert!(
                    !file.windows(plain.len()).any(|w| w == plain.as_bytes()),
                    "{plain} is still in the file"
                );
            }
        }
    }

    #[test]
    fn a_different_key_is_refused_once_secrets_are_sealed() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = database_with_a_plaintext_channel(dir.path());
        prepare(&mut conn, &key(1), dir.path()).unwrap();
        let err = prepare(&mut conn, &key(2), dir.path()).unwrap_err();
        assert!(
            matches!(err, StoreError::SecretKey(KeyError::WrongKey { .. })),
            "{err}"
        );
        assert!(err.to_string().contains("not the key"), "{err}");
    }

    #[test]
    fn the_data_dir_key_file_must_not_vanish_once_secrets_are_sealed() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = database_with_a_plaintext_channel(dir.path());
        prepare(&mut conn, &SecretKeySetting::DataDir, dir.path()).unwrap();
        std::fs::remove_file(dir.path().join("secret.key")).unwrap();
        let err = prepare(&mut conn, &SecretKeySetting::DataDir, dir.path()).unwrap_err();
        assert!(
            matches!(err, StoreError::SecretKey(KeyError::Missing { .. })),
            "{err}"
        );
        assert!(!dir.path().join("secret.key").exists());
    }
}
