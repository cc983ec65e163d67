//! Streaming sample-rate conversion of the mono capture to the encoder's rate (rubato's FFT
//! resampler: the ratio between a device and the encoder is fixed). Buffers are allocated
//! once; the resampler's start-up delay is trimmed so the output lines up with the input,
//! and [`MonoResampler::finish`] flushes the tail so the output has exactly
//! `round(input × ratio)` samples.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler};

use super::error::VoiceError;

/// Input frames per FFT chunk (rounded by rubato to fit the ratio): ~20 ms at 48 kHz.
const CHUNK: usize = 1024;

pub struct MonoResampler {
    /// `None` when the device already runs at the encoder's rate.
    fft: Option<Fft<f32>>,
    pending: Vec<f32>,
    scratch: Vec<f32>,
    /// Start-up delay (output frames) still to drop.
    to_trim: usize,
    ratio: f64,
    frames_in: u64,
    frames_out: u64,
}

fn failed(e: impl std::fmt::Display) -> VoiceError {
    VoiceError::Audio {
        detail: format!("resampling failed: {e}"),
    }
}

impl MonoResampler {
    pub fn new(input_rate: u32, output_rate: u32) -> Result<Self, VoiceError> {
        let ratio = f64::from(output_rate) / f64::from(input_rate.max(1));
        let fft = if input_rate == output_rate {
            None
        } else {
            Some(
                Fft::<f32>::new(
                    input_rate as usize,
                    output_rate as usize,
                    CHUNK,
                    1,
                    FixedSync::Both,
                )
                .map_err(failed)?,
            )
        };
        let (pending, scratch, to_trim) = match &fft {
            Some(f) => (
                Vec::with_capacity(f.input_frames_max()),
                vec![0.0; f.output_frames_max()],
                f.output_delay(),
            ),
            None => (Vec::new(), Vec::new(), 0),
        };
        Ok(Self {
            fft,
            pending,
            scratch,
            to_trim,
            ratio,
            frames_in: 0,
            frames_out: 0,
        })
    }

    /// Converts `input` and appends what is ready to `out`.
    pub fn push(&mut self, mut input: &[f32], out: &mut Vec<f32>) -> Result<(), VoiceError> {
        self.frames_in += input.len() as u64;
        if self.fft.is_none() {
            out.extend_from_slice(input);
            self.frames_out += input.len() as u64;
            return Ok(());
        }
        while !input.is_empty() {
            let need = self.input_frames_next() - self.pending.len();
            let take = need.min(input.len());
            self.pending.extend_from_slice(&input[..take]);
            input = &input[take..];
            if self.pending.len() == self.input_frames_next() {
                let len = self.pending.len();
                self.process(len, out, u64::MAX)?;
                self.pending.clear();
            }
        }
        Ok(())
    }

    /// Flushes the last partial chunk and the resampler's delay line; after this `out` holds
    /// exactly `round(frames pushed × ratio)` samples in total.
    pub fn finish(&mut self, out: &mut Vec<f32>) -> Result<(), VoiceError> {
        let total = (self.frames_in as f64 * self.ratio).round() as u64;
        if self.fft.is_none() {
            return Ok(());
        }
        let mut partial = self.pending.len();
        let full = self.input_frames_next();
        self.pending.resize(full, 0.0);
        while self.frames_out < total {
            self.process(partial, out, total)?;
            // Then silence, until the delayed tail has come out.
            partial = 0;
        }
        self.pending.clear();
        Ok(())
    }

    fn input_frames_next(&self) -> usize {
        self.fft.as_ref().map_or(0, |f| f.input_frames_next())
    }

    /// Runs one chunk of `pending` (`valid` real frames) and appends the output, dropping the
    /// start-up delay and anything past `limit` frames in total.
    fn process(&mut self, valid: usize, out: &mut Vec<f32>, limit: u64) -> Result<(), VoiceError> {
        let Some(fft) = self.fft.as_mut() else {
            return Ok(());
        };
        let frames_in = fft.input_frames_next();
        let input = InterleavedSlice::new(&self.pending[..], 1, frames_in).map_err(failed)?;
        let capacity = self.scratch.len();
        let mut output =
            InterleavedSlice::new_mut(&mut self.scratch[..], 1, capacity).map_err(failed)?;
        let indexing = Indexing {
            partial_len: (valid < frames_in).then_some(valid),
            ..Indexing::default()
        };
        let (_, produced) = fft
            .process_into_buffer(&input, &mut output, Some(&indexing))
            .map_err(failed)?;
        let skip = self.to_trim.min(produced);
        self.to_trim -= skip;
        let room = limit.saturating_sub(self.frames_out);
        let keep = ((produced - skip) as u64).min(room) as usize;
        out.extend_from_slice(&self.scratch[skip..skip + keep]);
        self.frames_out += keep as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(rate_in: u32, rate_out: u32, input: &[f32], pieces: usize) -> Vec<f32> {
        let mut r = MonoResampler::new(rate_in, rate_out).unwrap();
        let mut out = Vec::new();
        for piece in input.chunks(pieces) {
            r.push(piece, &mut out).unwrap();
        }
        r.finish(&mut out).unwrap();
        out
    }

    fn sine(rate: u32, hz: f32, seconds: f32) -> Vec<f32> {
        (0..(rate as f32 * seconds) as usize)
            .map(|i| 0.5 * (std::f32::consts::TAU * hz * i as f32 / rate as f32).sin())
            .collect()
    }

    #[test]
    fn output_length_is_the_input_length_times_the_ratio() {
        for (rate, len) in [(48_000, 48_000), (44_100, 44_100 * 3 + 17), (8_000, 999)] {
            let input = vec![0.1; len];
            // Odd piece sizes, like audio callbacks.
            let out = run(rate, 16_000, &input, 441);
            let expected = (len as f64 * 16_000.0 / rate as f64).round() as usize;
            assert_eq!(out.len(), expected, "{rate} Hz, {len} frames");
        }
        assert_eq!(run(16_000, 16_000, &[0.2; 1234], 100).len(), 1234);
        assert!(run(48_000, 16_000, &[], 1).is_empty());
    }

    #[test]
    fn a_tone_keeps_its_level_and_position_after_resampling() {
        // 440 Hz for half a second, then silence: the tone must not be delayed or lost.
        let mut input = sine(48_000, 440.0, 0.5);
        input.extend(vec![0.0; 24_000]);
        let out = run(48_000, 16_000, &input, 480);
        assert_eq!(out.len(), 16_000);
        let rms = |s: &[f32]| (s.iter().map(|x| x * x).sum::<f32>() / s.len() as f32).sqrt();
        let tone = rms(&out[800..7_200]);
        assert!((tone - 0.5 / 2f32.sqrt()).abs() < 0.02, "tone RMS {tone}");
        assert!(rms(&out[8_800..]) < 0.01, "silence after the tone");
        assert!(
            rms(&out[..800]) > 0.2,
            "the tone starts at once (delay trimmed)"
        );
    }
}
