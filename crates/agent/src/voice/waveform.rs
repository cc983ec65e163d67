//! The loudness summary drawn as a voice note's waveform: the note cut into equal buckets,
//! each bucket's RMS scaled so the loudest bucket is 255 (a quiet note still shows its
//! shape). Silence stays flat at 0.

/// How many bars a voice note's waveform has.
pub const WAVEFORM_BUCKETS: usize = 64;

/// Below this RMS a whole note counts as silence (about −66 dBFS).
const SILENCE_RMS: f64 = 0.0005;

/// Accumulates bucket RMS values while the samples stream past, knowing the total length.
pub struct WaveformBuilder {
    total: u64,
    seen: u64,
    sums: Vec<f64>,
    counts: Vec<u64>,
}

impl WaveformBuilder {
    pub fn new(total_samples: u64, buckets: usize) -> Self {
        Self {
            total: total_samples.max(1),
            seen: 0,
            sums: vec![0.0; buckets],
            counts: vec![0; buckets],
        }
    }

    pub fn add(&mut self, samples: &[i16]) {
        let buckets = self.sums.len() as u64;
        for s in samples {
            let bucket = ((self.seen * buckets) / self.total).min(buckets.saturating_sub(1));
            let x = f64::from(*s) / 32768.0;
            self.sums[bucket as usize] += x * x;
            self.counts[bucket as usize] += 1;
            self.seen += 1;
        }
    }

    pub fn finish(self) -> Vec<u8> {
        let rms: Vec<f64> = self
            .sums
            .iter()
            .zip(&self.counts)
            .map(|(s, n)| if *n == 0 { 0.0 } else { (s / *n as f64).sqrt() })
            .collect();
        let loudest = rms.iter().copied().fold(0.0, f64::max);
        if loudest < SILENCE_RMS {
            return vec![0; rms.len()];
        }
        rms.iter()
            .map(|r| (r / loudest * 255.0).round().clamp(0.0, 255.0) as u8)
            .collect()
    }
}

/// The waveform of a whole note at once.
pub fn waveform(samples: &[i16], buckets: usize) -> Vec<u8> {
    let mut b = WaveformBuilder::new(samples.len() as u64, buckets);
    b.add(samples);
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_loudness_with_the_loudest_at_255() {
        // First half at 1/4 of the amplitude of the second half.
        let mut s = [4000i16, -4000].repeat(3200);
        s.extend([16000i16, -16000].repeat(3200));
        let w = waveform(&s, 64);
        assert_eq!(w.len(), 64);
        assert!(w[..32].iter().all(|v| *v == 64), "{w:?}");
        assert!(w[32..].iter().all(|v| *v == 255), "{w:?}");
    }

    #[test]
    fn silence_is_flat_and_short_notes_still_have_every_bucket() {
        assert_eq!(waveform(&[0; 16000], 64), vec![0; 64]);
        let w = waveform(&[10000, -10000, 10000], 64);
        assert_eq!(w.len(), 64);
        assert_eq!(w.iter().filter(|v| **v == 255).count(), 3, "{w:?}");
        assert_eq!(waveform(&[], 8), vec![0; 8]);
    }

    #[test]
    fn streaming_in_pieces_gives_the_same_waveform() {
        let s: Vec<i16> = (0..10_000)
            .map(|i| ((i * 37) % 20_000 - 10_000) as i16)
            .collect();
        let mut b = WaveformBuilder::new(s.len() as u64, 64);
        for piece in s.chunks(333) {
            b.add(piece);
        }
        assert_eq!(b.finish(), waveform(&s, 64));
    }
}
