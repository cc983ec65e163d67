//! Interleaved frames of any sample format to mono `f32`, the one shape the rest of the
//! pipeline handles.

use cpal::{FromSample, Sample};

/// Appends the mean of each frame's channels to `mono` (−1.0..=1.0). Runs in the audio
/// callback, so it only converts and adds: `mono` is a reused buffer with room to spare.
pub fn downmix_into<T>(interleaved: &[T], channels: usize, mono: &mut Vec<f32>)
where
    T: Sample,
    f32: FromSample<T>,
{
    let channels = channels.max(1);
    let scale = 1.0 / channels as f32;
    mono.extend(
        interleaved
            .chunks_exact(channels)
            .map(|frame| frame.iter().map(|s| f32::from_sample(*s)).sum::<f32>() * scale),
    );
}

/// [`downmix_into`] for the little-endian `f32` frames a sound server sends as bytes.
pub fn downmix_f32le_into(bytes: &[u8], channels: usize, mono: &mut Vec<f32>) {
    let channels = channels.max(1);
    let scale = 1.0 / channels as f32;
    mono.extend(bytes.chunks_exact(4 * channels).map(|frame| {
        frame
            .chunks_exact(4)
            .filter_map(|s| s.try_into().ok().map(f32::from_le_bytes))
            .sum::<f32>()
            * scale
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn little_endian_f32_bytes_downmix_like_samples() {
        let frames = [0.5f32, -0.5, 1.0, 0.0, -1.0, -1.0];
        let mut bytes: Vec<u8> = frames.iter().flat_map(|s| s.to_le_bytes()).collect();
        bytes.push(7); // half a sample left over: ignored
        let mut mono = Vec::new();
        downmix_f32le_into(&bytes, 2, &mut mono);
        assert_eq!(mono, vec![0.0, 0.5, -1.0]);
    }

    #[test]
    fn stereo_f32_frames_become_their_mean() {
        let mut mono = Vec::new();
        downmix_into(&[0.5f32, -0.5, 1.0, 0.0, -1.0, -1.0], 2, &mut mono);
        assert_eq!(mono, vec![0.0, 0.5, -1.0]);
    }

    #[test]
    fn integer_and_unsigned_formats_are_centred_and_scaled() {
        let mut mono = Vec::new();
        downmix_into(&[i16::MAX, i16::MIN, 0], 1, &mut mono);
        assert!((mono[0] - 1.0).abs() < 1e-3, "{mono:?}");
        assert_eq!(mono[1], -1.0);
        assert_eq!(mono[2], 0.0);

        let mut mono = Vec::new();
        // u16's silence is 32768; full scale both ways.
        downmix_into(&[32768u16, 32768, 0, 0, u16::MAX, u16::MAX], 2, &mut mono);
        assert_eq!(mono[0], 0.0);
        assert_eq!(mono[1], -1.0);
        assert!((mono[2] - 1.0).abs() < 1e-3, "{mono:?}");
    }

    #[test]
    fn a_trailing_partial_frame_is_ignored_and_six_channels_average() {
        let mut mono = vec![0.25];
        downmix_into(&[0.6f32, 0.6, 0.6, 0.0, 0.0, 0.0, 0.9], 6, &mut mono);
        assert_eq!(mono.len(), 2, "kept what was there and added one frame");
        assert!((mono[1] - 0.3).abs() < 1e-6);
    }
}
