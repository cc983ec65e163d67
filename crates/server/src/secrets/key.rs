//! The server's secret key: 32 bytes kept outside the database. It comes from
//! `MESSENGER_SECRET_KEY`, from `--secret-key-file`, or else from `<data-dir>/secret.key`,
//! which the first start creates with mode 0600. Losing it loses the channels' credentials,
//! so the README says how to back it up.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use rand::RngCore;

/// Name of the key file in the data directory.
pub const KEY_FILE: &str = "secret.key";

/// A 256-bit key. Its bytes never show in logs or debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn random() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Reads a key written as 64 hex digits or as base64 (standard or URL-safe, padded or
    /// not); surrounding whitespace is ignored.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).ok()?
        } else {
            [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
                .iter()
                .find_map(|engine| engine.decode(text).ok())?
        };
        bytes.try_into().ok().map(Self)
    }

    /// The key as its file holds it: base64 and a newline.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }
}

/// Where the key comes from, as configured.
#[derive(Clone, Debug, Default)]
pub enum SecretKeySetting {
    /// `<data-dir>/secret.key`, created on first start.
    #[default]
    DataDir,
    /// A key file named by `--secret-key-file`; never created by the server.
    File(PathBuf),
    /// The key itself, from `MESSENGER_SECRET_KEY`.
    Value(SecretKey),
}

/// A key and where it came from (for messages).
#[derive(Debug)]
pub struct LoadedKey {
    pub key: SecretKey,
    pub origin: String,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the secret key file {path}: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{origin} must hold a 32-byte key written as base64 or as 64 hex digits")]
    Malformed { origin: String },
    #[error(
        "the secret key file {path} is accessible to other users (mode {mode:o}); \
         run `chmod 600 {path}` and start again"
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error(
        "the database holds encrypted channel secrets but the secret key file {path} is \
         missing; restore it from your backup (or give the key with MESSENGER_SECRET_KEY or \
         --secret-key-file). Without that key the channels' credentials cannot be recovered"
    )]
    Missing { path: PathBuf },
    #[error("cannot create the secret key file {path}: {source}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the secret key from {origin} is not the key this database's channel secrets were \
         encrypted with; start with the right key (restore secret.key from your backup, or \
         set MESSENGER_SECRET_KEY / --secret-key-file)"
    )]
    WrongKey { origin: String },
}

impl SecretKeySetting {
    /// Finds the key; `database_has_secrets` says whether the database already holds values
    /// sealed with some key (then a missing key file is an error, never a fresh key).
    pub fn load(&self, data_dir: &Path, database_has_secrets: bool) -> Result<LoadedKey, KeyError> {
        match self {
            Self::Value(key) => Ok(LoadedKey {
                key: key.clone(),
                origin: "MESSENGER_SECRET_KEY".into(),
            }),
            Self::File(path) => read_key_file(path),
            Self::DataDir => {
                let path = data_dir.join(KEY_FILE);
                match std::fs::symlink_metadata(&path) {
                    Ok(_) => read_key_file(&path),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        if database_has_secrets {
                            return Err(KeyError::Missing { path });
                        }
                        create_key_file(&path)
                    }
                    Err(source) => Err(KeyError::Unreadable { path, source }),
                }
            }
        }
    }
}

fn read_key_file(path: &Path) -> Result<LoadedKey, KeyError> {
    let unreadable = |source| KeyError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    check_owner_only(path, &meta)?;
    let text = std::fs::read_to_string(path).map_err(unreadable)?;
    let origin = path.display().to_string();
    let key = SecretKey::parse(&text).ok_or_else(|| KeyError::Malformed {
        origin: origin.clone(),
    })?;
    Ok(LoadedKey { key, origin })
}

#[cfg(unix)]
fn check_owner_only(path: &Path, meta: &std::fs::Metadata) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::TooOpen {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

// Elsewhere the file inherits the per-user ACL of the data directory.
#[cfg(not(unix))]
fn check_owner_only(_path: &Path, _meta: &std::fs::Metadata) -> Result<(), KeyError> {
    Ok(())
}

fn create_key_file(path: &Path) -> Result<LoadedKey, KeyError> {
    let create = |source| KeyError::Create {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(create)?;
    }
    let key = SecretKey::random();
    let mut options = std::fs::OpenOptions::new();
    // create_new: two servers starting at once must not each write a different key.
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return read_key_file(path),
        Err(e) => return Err(create(e)),
    };
    file.write_all(format!("{}\n", key.to_base64()).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(create)?;
    tracing::info!(path = %path.display(), "created the secret key that encrypts channel secrets; back it up");
    Ok(LoadedKey {
        key,
        origin: path.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_base64_and_hex_and_refuses_other_lengths() {
        let key = SecretKey::from_bytes([7; 32]);
        assert_eq!(SecretKey::parse(&key.to_base64()), Some(key.clone()));
        assert_eq!(
            SecretKey::parse(&format!(" {}\n", hex::encode([7u8; 32]))),
            Some(key.clone())
        );
        assert_eq!(
            SecretKey::parse(&URL_SAFE_NO_PAD.encode([7u8; 32])),
            Some(key)
        );
        assert_eq!(SecretKey::parse(&STANDARD.encode([7u8; 16])), None);
        assert_eq!(SecretKey::parse("not a key"), None);
        assert_eq!(SecretKey::parse(""), None);
    }

    #[test]
    fn the_key_never_shows_in_debug_output() {
        let key = SecretKey::from_bytes([7; 32]);
        assert!(!format!("{key:?}").contains(&key.to_base64()));
    }

    #[test]
    fn the_first_start_creates_an_owner_only_key_file_that_later_starts_read() {
        let dir = tempfile::tempdir().unwrap();
        let first = SecretKeySetting::DataDir.load(dir.path(), false).unwrap();
        let again = SecretKeySetting::DataDir.load(dir.path(), true).unwrap();
        assert_eq!(first.key, again.key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_missing_key_file_is_refused_when_the_database_holds_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let err = SecretKeySetting::DataDir
            .load(dir.path(), true)
            .unwrap_err();
        assert!(matches!(err, KeyError::Missing { .. }), "{err}");
        assert!(!dir.path().join(KEY_FILE).exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        SecretKeySetting::DataDir.load(dir.path(), false).unwrap();
        let path = dir.path().join(KEY_FILE);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let err = SecretKeySetting::DataDir
            .load(dir.path(), true)
            .unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }

    #[test]
    fn a_given_key_file_must_exist_and_hold_a_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("elsewhere.key");
        let setting = SecretKeySetting::File(path.clone());
        assert!(matches!(
            setting.load(dir.path(), false),
            Err(KeyError::Unreadable { .. })
        ));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options.open(&path).unwrap().write_all(b"short").unwrap();
        assert!(matches!(
            setting.load(dir.path(), false),
            Err(KeyError::Malformed { .. })
        ));
    }
}
