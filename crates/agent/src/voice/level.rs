//! The live input level for the recorder's meter: RMS over the last window, on a decibel
//! scale (what ears and VU meters follow), 0 at −60 dBFS or below, 1 at full scale.

/// Below this the meter shows nothing: room noise of a quiet microphone.
const FLOOR_DB: f32 = -60.0;

#[derive(Default)]
pub struct LevelMeter {
    sum_squares: f64,
    count: u64,
}

impl LevelMeter {
    pub fn add(&mut self, samples: &[f32]) {
        self.sum_squares += samples
            .iter()
            .map(|s| f64::from(*s) * f64::from(*s))
            .sum::<f64>();
        self.count += samples.len() as u64;
    }

    /// The level of what was added since the last call, then starts a new window.
    pub fn take(&mut self) -> f32 {
        let level = if self.count == 0 {
            0.0
        } else {
            meter_level((self.sum_squares / self.count as f64).sqrt() as f32)
        };
        *self = Self::default();
        level
    }
}

/// RMS (linear, 0..1) to the meter's 0..1 decibel scale.
pub fn meter_level(rms: f32) -> f32 {
    if rms <= 0.0 {
        return 0.0;
    }
    let db = 20.0 * rms.log10();
    ((db - FLOOR_DB) / -FLOOR_DB).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_is_zero_and_full_scale_is_one() {
        let mut m = LevelMeter::default();
        m.add(&[0.0; 800]);
        assert_eq!(m.take(), 0.0);
        m.add(&[1.0, -1.0, 1.0, -1.0]);
        assert_eq!(m.take(), 1.0);
        assert_eq!(m.take(), 0.0, "an empty window reads as silence");
    }

    #[test]
    fn the_scale_is_in_decibels() {
        // −20 dBFS is two thirds up a 60 dB meter; −60 dBFS and below is the floor.
        assert!((meter_level(0.1) - 2.0 / 3.0).abs() < 1e-4);
        assert!((meter_level(0.5) - (1.0 - 6.0206 / 60.0)).abs() < 1e-3);
        assert_eq!(meter_level(0.0005), 0.0);
    }
}
