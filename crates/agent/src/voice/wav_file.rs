//! The capture on disk while recording: 16-bit mono WAV at the encoder's rate, its header
//! brought up to date every second so a crash or power cut keeps what was said.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::ENCODER_RATE;
use super::error::VoiceError;

const FLUSH_EVERY: Duration = Duration::from_secs(1);

pub fn spec() -> hound::WavSpec {
    hound::WavSpec {
        channels: 1,
        sample_rate: ENCODER_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    }
}

/// −1.0..=1.0 to 16-bit, clipping what overshoots (resampling can ring past full scale).
pub fn to_i16(x: f32) -> i16 {
    (x * 32767.0).round().clamp(-32768.0, 32767.0) as i16
}

pub struct CaptureFile {
    path: PathBuf,
    writer: hound::WavWriter<BufWriter<File>>,
    samples: u64,
    flushed_at: Instant,
}

impl CaptureFile {
    pub fn create(path: &Path) -> Result<Self, VoiceError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| VoiceError::file("create the folder for the recording", e))?;
        }
        let writer = hound::WavWriter::create(path, spec())
            .map_err(|e| VoiceError::file("create the recording", e))?;
        Ok(Self {
            path: path.to_path_buf(),
            writer,
            samples: 0,
            flushed_at: Instant::now(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Samples written so far.
    pub fn len(&self) -> u64 {
        self.samples
    }

    pub fn is_empty(&self) -> bool {
        self.samples == 0
    }

    pub fn write(&mut self, samples: &[f32]) -> Result<(), VoiceError> {
        for s in samples {
            self.writer
                .write_sample(to_i16(*s))
                .map_err(|e| VoiceError::file("write the recording", e))?;
        }
        self.samples += samples.len() as u64;
        if self.flushed_at.elapsed() >= FLUSH_EVERY {
            self.writer
                .flush()
                .map_err(|e| VoiceError::file("write the recording", e))?;
            self.flushed_at = Instant::now();
        }
        Ok(())
    }

    /// Completes the header; the file is a whole WAV from then on.
    pub fn finish(self) -> Result<u64, VoiceError> {
        self.writer
            .finalize()
            .map_err(|e| VoiceError::file("finish the recording", e))?;
        Ok(self.samples)
    }

    /// Drops the recording and its file.
    pub fn discard(self) {
        let path = self.path.clone();
        drop(self.writer);
        let _ = std::fs::remove_file(path);
    }
}

/// All samples of a capture (16-bit mono; any other WAV is refused).
pub fn read_samples(path: &Path) -> Result<Vec<i16>, VoiceError> {
    let reader =
        hound::WavReader::open(path).map_err(|e| VoiceError::file("read the recording", e))?;
    let s = reader.spec();
    if s.channels != 1 || s.bits_per_sample != 16 || s.sample_format != hound::SampleFormat::Int {
        return Err(VoiceError::file(
            "read the recording",
            format!("unexpected WAV format {s:?}"),
        ));
    }
    reader
        .into_samples::<i16>()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| VoiceError::file("read the recording", e))
}

/// The sample rate stored in a WAV's header.
pub fn sample_rate(path: &Path) -> Result<u32, VoiceError> {
    hound::WavReader::open(path)
        .map(|r| r.spec().sample_rate)
        .map_err(|e| VoiceError::file("read the recording", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_is_readable_after_each_flush_without_finishing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rec.wav");
        let mut f = CaptureFile::create(&path).unwrap();
        f.write(&[0.5; 1600]).unwrap();
        // Force the periodic flush, then "crash" (leak the writer: no finalize, no drop).
        f.flushed_at -= FLUSH_EVERY;
        f.write(&[-0.5; 1600]).unwrap();
        std::mem::forget(f);
        let samples = read_samples(&path).unwrap();
        assert_eq!(samples.len(), 3200, "what was flushed survives a crash");
        assert_eq!(samples[0], 16384);
        assert_eq!(samples[3199], -16384);
    }

    #[test]
    fn discard_removes_the_file_and_clipping_holds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rec.wav");
        let mut f = CaptureFile::create(&path).unwrap();
        f.write(&[1.5, -1.5]).unwrap();
        f.discard();
        assert!(!path.exists());
        assert_eq!(to_i16(1.5), 32767);
        assert_eq!(to_i16(-1.5), -32768);
    }
}
