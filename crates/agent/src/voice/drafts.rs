//! Voice-note drafts: recorded, encoded, not yet sent or deleted. Each lives in the account's
//! `voice/` folder as `<id>.ogg` (what is played and sent), `<id>.wav` (the capture, for
//! players without Opus) and `<id>.json` (its [`VoiceDraft`]). A capture left without its
//! `.json` by a crash is encoded into a draft the next time drafts are listed.

use std::path::{Path, PathBuf};

use messenger_protocol::Timestamp;

use super::error::VoiceError;
use super::opus_ogg::encode_wav;
use super::recorder::{Recording, StopReason};
use super::{ENCODER_RATE, MIN_NOTE_LENGTH};
use crate::view::VoiceDraft;

pub struct Drafts {
    dir: PathBuf,
}

/// Draft ids are ours (UUIDs); anything else must not reach the file system.
fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

impl Drafts {
    /// The drafts of the account whose folder is `account_dir`.
    pub fn in_account(account_dir: &Path) -> Self {
        Self {
            dir: account_dir.join("voice"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn new_id() -> String {
        uuid::Uuid::now_v7().to_string()
    }

    pub fn wav_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.wav"))
    }

    fn ogg_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.ogg"))
    }

    fn meta_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// Encodes a finished capture into a draft. Captures shorter than [`MIN_NOTE_LENGTH`]
    /// are deleted and refused.
    pub fn create(&self, id: &str, recording: &Recording) -> Result<VoiceDraft, VoiceError> {
        self.create_from_wav(id, recording.reason == StopReason::Cap)
    }

    fn create_from_wav(&self, id: &str, stopped_by_cap: bool) -> Result<VoiceDraft, VoiceError> {
        let wav = self.wav_path(id);
        let min_samples = MIN_NOTE_LENGTH.as_millis() as u64 * u64::from(ENCODER_RATE) / 1000;
        let samples = hound::WavReader::open(&wav)
            .map(|r| u64::from(r.duration()))
            .map_err(|e| VoiceError::file("read the recording", e))?;
        if samples < min_samples {
            self.discard(id)?;
            return Err(VoiceError::TooShort);
        }
        let ogg = self.ogg_path(id);
        let note = encode_wav(&wav, &ogg)?;
        let draft = VoiceDraft {
            id: id.to_owned(),
            duration_ms: note.duration_ms,
            waveform: note.waveform,
            path: ogg.to_string_lossy().into_owned(),
            wav_path: wav.to_string_lossy().into_owned(),
            mime: "audio/ogg".into(),
            size_bytes: note.size_bytes,
            stopped_by_cap,
            created_at: Timestamp::now(),
        };
        let json = serde_json::to_vec_pretty(&draft)
            .map_err(|e| VoiceError::file("save the voice note", e))?;
        std::fs::write(self.meta_path(id), json)
            .map_err(|e| VoiceError::file("save the voice note", e))?;
        Ok(draft)
    }

    pub fn get(&self, id: &str) -> Result<VoiceDraft, VoiceError> {
        if !valid_id(id) {
            return Err(VoiceError::DraftNotFound);
        }
        let json = std::fs::read(self.meta_path(id)).map_err(|_| VoiceError::DraftNotFound)?;
        let draft: VoiceDraft =
            serde_json::from_slice(&json).map_err(|_| VoiceError::DraftNotFound)?;
        if !Path::new(&draft.path).exists() {
            return Err(VoiceError::DraftNotFound);
        }
        Ok(draft)
    }

    /// Every draft, oldest first. Captures a crash left behind are encoded now (except
    /// `recording`, the one being recorded).
    pub fn list(&self, recording: Option<&str>) -> Result<Vec<VoiceDraft>, VoiceError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(VoiceError::file("list the voice notes", e)),
        };
        let mut drafts = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(id) = path
                .file_stem()
                .and_then(|s| s.to_str())
                .filter(|id| valid_id(id))
            else {
                continue;
            };
            match path.extension().and_then(|e| e.to_str()) {
                Some("json") => {
                    if let Ok(d) = self.get(id) {
                        drafts.push(d);
                    }
                }
                Some("wav") if Some(id) != recording && !self.meta_path(id).exists() => {
                    match self.create_from_wav(id, false) {
                        Ok(d) => {
                            tracing::info!(id, "recovered a voice note left by a crash");
                            drafts.push(d);
                        }
                        Err(e) => {
                            tracing::warn!(id, error = %e, "dropping an unusable capture");
                            let _ = self.discard(id);
                        }
                    }
                }
                _ => {}
            }
        }
        drafts.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(drafts)
    }

    /// Deletes a draft's files (whatever of them exist).
    pub fn discard(&self, id: &str) -> Result<(), VoiceError> {
        if !valid_id(id) {
            return Err(VoiceError::DraftNotFound);
        }
        for path in [self.ogg_path(id), self.wav_path(id), self.meta_path(id)] {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(VoiceError::file("delete the voice note", e)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::voice::wav_file::CaptureFile;

    fn capture(drafts: &Drafts, id: &str, seconds: f32) {
        let mut f = CaptureFile::create(&drafts.wav_path(id)).unwrap();
        let n = (seconds * ENCODER_RATE as f32) as usize;
        let tone: Vec<f32> = (0..n).map(|i| 0.3 * (i as f32 * 0.1).sin()).collect();
        f.write(&tone).unwrap();
        f.finish().unwrap();
    }

    fn recording(drafts: &Drafts, id: &str, reason: StopReason) -> Recording {
        Recording {
            wav_path: drafts.wav_path(id),
            samples: 0,
            duration_ms: 0,
            reason,
            problem: None,
            device: "test".into(),
        }
    }

    #[test]
    fn a_capture_becomes_a_draft_that_lists_and_discards_without_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let drafts = Drafts::in_account(dir.path());
        let id = Drafts::new_id();
        capture(&drafts, &id, 1.5);
        let d = drafts
            .create(&id, &recording(&drafts, &id, StopReason::Cap))
            .unwrap();
        assert_eq!(d.duration_ms, 1500);
        assert!(d.stopped_by_cap);
        assert!(Path::new(&d.path).exists() && Path::new(&d.wav_path).exists());
        assert_eq!(drafts.list(None).unwrap(), vec![d.clone()]);
        assert_eq!(drafts.get(&id).unwrap(), d);
        drafts.discard(&id).unwrap();
        assert_eq!(std::fs::read_dir(drafts.dir()).unwrap().count(), 0);
        assert!(matches!(drafts.get(&id), Err(VoiceError::DraftNotFound)));
    }

    #[test]
    fn a_too_short_capture_is_refused_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let drafts = Drafts::in_account(dir.path());
        let id = Drafts::new_id();
        capture(&drafts, &id, 0.3);
        let r = drafts.create(&id, &recording(&drafts, &id, StopReason::Requested));
        assert!(matches!(r, Err(VoiceError::TooShort)), "{r:?}");
        assert!(!drafts.wav_path(&id).exists());
    }

    #[test]
    fn a_capture_left_by_a_crash_is_recovered_but_not_the_one_recording() {
        let dir = tempfile::tempdir().unwrap();
        let drafts = Drafts::in_account(dir.path());
        let (crashed, live) = (Drafts::new_id(), Drafts::new_id());
        capture(&drafts, &crashed, 1.0);
        capture(&drafts, &live, 1.0);
        let listed = drafts.list(Some(&live)).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].id, crashed);
        assert!(
            !drafts.meta_path(&live).exists(),
            "the live capture is left alone"
        );
    }

    #[test]
    fn ids_that_are_not_ours_never_reach_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let drafts = Drafts::in_account(dir.path());
        assert!(matches!(
            drafts.get("../../etc/passwd"),
            Err(VoiceError::DraftNotFound)
        ));
        assert!(matches!(
            drafts.discard("a/b"),
            Err(VoiceError::DraftNotFound)
        ));
    }
}
