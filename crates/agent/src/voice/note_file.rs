//! A recording saved where the caller asked (the command line, benchmarks): kept as the
//! capture WAV when the name ends in `.wav`, else encoded to Ogg/Opus.

use std::path::{Path, PathBuf};

use super::error::VoiceError;
use super::opus_ogg::encode_wav;
use super::recorder::Recording;

pub struct SavedNote {
    pub path: PathBuf,
    pub duration_ms: u64,
    pub size_bytes: u64,
}

/// Whether `out` asks for a WAV rather than Ogg/Opus.
pub fn wants_wav(out: &Path) -> bool {
    out.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("wav"))
}

/// Where to write the capture while recording into `out`: `out` itself for a WAV, else a
/// WAV beside it that [`save`] encodes and removes.
pub fn capture_path(out: &Path) -> PathBuf {
    if wants_wav(out) {
        out.to_path_buf()
    } else {
        let mut name = out.file_name().unwrap_or_default().to_os_string();
        name.push(".capture.wav");
        out.with_file_name(name)
    }
}

/// Finishes a recording made to [`capture_path`]`(out)`.
pub fn save(recording: &Recording, out: &Path) -> Result<SavedNote, VoiceError> {
    if wants_wav(out) {
        let size_bytes = std::fs::metadata(out)
            .map_err(|e| VoiceError::file("read the recording", e))?
            .len();
        return Ok(SavedNote {
            path: out.to_path_buf(),
            duration_ms: recording.duration_ms,
            size_bytes,
        });
    }
    let note = encode_wav(&recording.wav_path, out);
    let _ = std::fs::remove_file(&recording.wav_path);
    let note = note?;
    Ok(SavedNote {
        path: out.to_path_buf(),
        duration_ms: note.duration_ms,
        size_bytes: note.size_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wav_names_record_in_place_and_others_beside() {
        assert_eq!(capture_path(Path::new("/t/a.WAV")), Path::new("/t/a.WAV"));
        assert_eq!(
            capture_path(Path::new("/t/note.ogg")),
            Path::new("/t/note.ogg.capture.wav")
        );
        assert!(!wants_wav(Path::new("note")));
    }
}
