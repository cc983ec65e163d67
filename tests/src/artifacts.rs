//! What a failed test leaves behind for people: a directory per test under
//! `target/e2e-artifacts/` with logs and screenshots.

use std::path::{Path, PathBuf};

/// A per-test directory; emptied at the start of the test.
pub fn dir_for(test: &str) -> PathBuf {
    let dir = crate::binaries::artifacts_root().join(test);
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
    }
    dir
}

/// Copies a log into the artifacts directory (best effort: this runs while a test fails).
pub fn keep_log(artifacts: &Path, from: &Path, name: &str) {
    if let Err(e) = std::fs::copy(from, artifacts.join(name)) {
        eprintln!("could not keep {}: {e}", from.display());
    }
}
