//! A capture encoded as an Ogg/Opus voice note, following RFC 7845: OpusHead and OpusTags
//! each alone on a page with granule 0; pre-skip in 48 kHz units (the encoder's lookahead);
//! the input padded with the lookahead so the tail is not lost; each page's granule the count
//! of 48 kHz samples decoded up to its last packet, pre-skip included; the last granule
//! `pre_skip + length × 48000 / rate` so players trim the padding; the last packet written with
//! the end-of-stream flag; a page every ~50 packets (one second); a random serial.

use std::io::Write;
use std::path::Path;

use ogg::writing::{PacketWriteEndInfo, PacketWriter};
use opus::{Application, Bitrate, Channels, Encoder, Signal};

use super::error::VoiceError;
use super::waveform::{WAVEFORM_BUCKETS, waveform};
use super::{ENCODER_RATE, VOICE_BITRATE};

/// Opus always decodes at 48 kHz for the granule clock.
const GRANULE_RATE: u64 = 48_000;
/// 20 ms frames: the usual size for speech.
const FRAME: usize = ENCODER_RATE as usize / 50;
const PACKETS_PER_PAGE: u64 = 50;
/// Larger than any packet at our bitrate (libopus' own recommended maximum).
const MAX_PACKET: usize = 4000;

/// What encoding measured about a note.
#[derive(Clone, Debug, PartialEq)]
pub struct EncodedNote {
    pub duration_ms: u64,
    pub size_bytes: u64,
    pub waveform: Vec<u8>,
}

fn encode_error(e: opus::Error) -> VoiceError {
    VoiceError::Encode(e.to_string())
}

fn write_error(e: std::io::Error) -> VoiceError {
    VoiceError::file("write the voice note", e)
}

fn opus_head(pre_skip: u16) -> Vec<u8> {
    let mut h = Vec::with_capacity(19);
    h.extend_from_slice(b"OpusHead");
    h.push(1); // version
    h.push(1); // channels: mono
    h.extend_from_slice(&pre_skip.to_le_bytes());
    h.extend_from_slice(&ENCODER_RATE.to_le_bytes()); // the rate the audio was encoded from
    h.extend_from_slice(&0i16.to_le_bytes()); // output gain
    h.push(0); // channel mapping family 0: mono or stereo
    h
}

fn opus_tags() -> Vec<u8> {
    let vendor = opus::version().as_bytes();
    let comment = b"ENCODER=IS-Messenger";
    let mut t = Vec::with_capacity(8 + 4 + vendor.len() + 4 + 4 + comment.len());
    t.extend_from_slice(b"OpusTags");
    t.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    t.extend_from_slice(vendor);
    t.extend_from_slice(&1u32.to_le_bytes());
    t.extend_from_slice(&(comment.len() as u32).to_le_bytes());
    t.extend_from_slice(comment);
    t
}

fn encoder() -> Result<Encoder, VoiceError> {
    let mut e =
        Encoder::new(ENCODER_RATE, Channels::Mono, Application::Voip).map_err(encode_error)?;
    e.set_bitrate(Bitrate::Bits(VOICE_BITRATE))
        .map_err(encode_error)?;
    // Constrained VBR: near the bitrate even on noise, so the size cap holds.
    e.set_vbr(true).map_err(encode_error)?;
    e.set_vbr_constraint(true).map_err(encode_error)?;
    e.set_signal(Signal::Voice).map_err(encode_error)?;
    Ok(e)
}

/// Encodes 16-bit mono samples at [`ENCODER_RATE`] into an Ogg/Opus stream.
pub fn encode_samples<W: Write>(samples: &[i16], out: W, serial: u32) -> Result<W, VoiceError> {
    let mut enc = encoder()?;
    let lookahead = usize::try_from(enc.get_lookahead().map_err(encode_error)?).unwrap_or(0);
    let to_48k = GRANULE_RATE / u64::from(ENCODER_RATE);
    let pre_skip = lookahead as u64 * to_48k;
    let end_granule = pre_skip + samples.len() as u64 * to_48k;

    let mut ogg = PacketWriter::new(out);
    ogg.write_packet(
        opus_head(pre_skip as u16),
        serial,
        PacketWriteEndInfo::EndPage,
        0,
    )
    .map_err(write_error)?;
    ogg.write_packet(opus_tags(), serial, PacketWriteEndInfo::EndPage, 0)
        .map_err(write_error)?;

    let padded = samples.len() + lookahead;
    let packets = padded.div_ceil(FRAME).max(1);
    let mut frame = [0i16; FRAME];
    let mut packet = vec![0u8; MAX_PACKET];
    for k in 0..packets {
        let start = (k * FRAME).min(samples.len());
        let end = ((k + 1) * FRAME).min(samples.len());
        frame.fill(0);
        frame[..end - start].copy_from_slice(&samples[start..end]);
        let len = enc.encode(&frame, &mut packet).map_err(encode_error)?;
        let number = k as u64 + 1;
        let (info, granule) = if number == packets as u64 {
            (PacketWriteEndInfo::EndStream, end_granule)
        } else if number.is_multiple_of(PACKETS_PER_PAGE) {
            (PacketWriteEndInfo::EndPage, number * FRAME as u64 * to_48k)
        } else {
            (
                PacketWriteEndInfo::NormalPacket,
                number * FRAME as u64 * to_48k,
            )
        };
        ogg.write_packet(packet[..len].to_vec(), serial, info, granule)
            .map_err(write_error)?;
    }
    Ok(ogg.into_inner())
}

/// Encodes a capture (a 16-bit mono WAV at [`ENCODER_RATE`]) into `ogg`, atomically: a
/// half-written note never has the final name.
pub fn encode_wav(wav: &Path, ogg: &Path) -> Result<EncodedNote, VoiceError> {
    let samples = super::wav_file::read_samples(wav)?;
    let rate = super::wav_file::sample_rate(wav)?;
    if rate != ENCODER_RATE {
        return Err(VoiceError::file(
            "read the recording",
            format!("it is at {rate} Hz, not {ENCODER_RATE} Hz"),
        ));
    }
    let part = ogg.with_extension("ogg.part");
    let file = std::fs::File::create(&part).map_err(write_error)?;
    let written = encode_samples(&samples, std::io::BufWriter::new(file), rand::random())
        .and_then(|mut w| w.flush().map_err(write_error).map(|()| w));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&part);
        return Err(e);
    }
    std::fs::rename(&part, ogg).map_err(write_error)?;
    let size_bytes = std::fs::metadata(ogg).map_err(write_error)?.len();
    Ok(EncodedNote {
        duration_ms: samples.len() as u64 * 1000 / u64::from(ENCODER_RATE),
        size_bytes,
        waveform: waveform(&samples, WAVEFORM_BUCKETS),
    })
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use ogg::reading::PacketReader;

    use super::*;

    struct Page {
        granule: u64,
        packets: usize,
        last: bool,
    }

    /// Reads our own output back with the ogg crate, decodes it with libopus, and trims it
    /// the way RFC 7845 players do.
    fn decode(bytes: Vec<u8>) -> (Vec<u8>, Vec<u8>, Vec<Page>, Vec<i16>, u32) {
        let mut r = PacketReader::new(Cursor::new(bytes));
        let head = r.read_packet().unwrap().unwrap();
        assert!(head.first_in_page() && head.last_in_page() && head.first_in_stream());
        assert_eq!(head.absgp_page(), 0);
        let tags = r.read_packet().unwrap().unwrap();
        assert!(tags.first_in_page() && tags.last_in_page());
        assert_eq!(tags.absgp_page(), 0);
        let serial = head.stream_serial();
        let pre_skip = u16::from_le_bytes([head.data[10], head.data[11]]) as usize;
        let mut dec = opus::Decoder::new(48_000, Channels::Mono).unwrap();
        let mut pcm = Vec::new();
        let mut pages = Vec::new();
        let mut count = 0;
        let mut buf = vec![0i16; 5760];
        while let Some(p) = r.read_packet().unwrap() {
            assert_eq!(p.stream_serial(), serial);
            let n = dec.decode(&p.data, &mut buf, false).unwrap();
            pcm.extend_from_slice(&buf[..n]);
            count += 1;
            if p.last_in_page() {
                pages.push(Page {
                    granule: p.absgp_page(),
                    packets: count,
                    last: p.last_in_stream(),
                });
                count = 0;
            }
        }
        let end = pages.last().unwrap().granule as usize;
        assert!(pcm.len() >= end, "the padding covers the last granule");
        let trimmed = pcm[pre_skip..end].to_vec();
        (head.data, tags.data, pages, trimmed, serial)
    }

    fn speechlike(seconds: f32) -> Vec<i16> {
        let n = (ENCODER_RATE as f32 * seconds) as usize;
        (0..n)
            .map(|i| {
                let t = i as f32 / ENCODER_RATE as f32;
                let envelope = (t * 3.0 * std::f32::consts::PI).sin().abs();
                (envelope * 12_000.0 * (std::f32::consts::TAU * 220.0 * t).sin()) as i16
            })
            .collect()
    }

    #[test]
    fn headers_granules_and_pages_follow_rfc_7845() {
        let samples = speechlike(2.53);
        let bytes = encode_samples(&samples, Vec::new(), 0xC0FFEE).unwrap();
        let (head, tags, pages, pcm, serial) = decode(bytes);
        assert_eq!(serial, 0xC0FFEE);
        assert_eq!(head.len(), 19);
        assert_eq!(&head[..8], b"OpusHead");
        assert_eq!(head[8], 1, "version");
        assert_eq!(head[9], 1, "mono");
        let pre_skip = u16::from_le_bytes([head[10], head[11]]) as u64;
        let mut enc = encoder().unwrap();
        assert_eq!(
            pre_skip,
            enc.get_lookahead().unwrap() as u64 * 3,
            "48 kHz units"
        );
        assert_eq!(
            u32::from_le_bytes([head[12], head[13], head[14], head[15]]),
            16_000
        );
        assert_eq!(&tags[..8], b"OpusTags");

        // 2.53 s + lookahead in 20 ms packets: full pages of 50, then the rest.
        let packets = (samples.len() + pre_skip as usize / 3).div_ceil(320);
        assert_eq!(pages.iter().map(|p| p.packets).sum::<usize>(), packets);
        assert_eq!(
            pages[0].granule, 48_000,
            "granule counts pre-skip, not pre-skip + 960"
        );
        assert_eq!(pages[0].packets, 50);
        assert_eq!(pages[1].granule, 96_000);
        let last = pages.last().unwrap();
        assert!(last.last, "end of stream on the last page");
        assert_eq!(last.granule, pre_skip + samples.len() as u64 * 3);
        assert!(pages[..pages.len() - 1].iter().all(|p| !p.last));

        // Decoded and trimmed, the note is as long as what went in (at 48 kHz).
        assert_eq!(pcm.len(), samples.len() * 3);
    }

    #[test]
    fn the_sound_survives_encoding_in_the_right_place() {
        // One second of tone, one of silence.
        let mut samples = speechlike(1.0);
        samples.extend(vec![0i16; 16_000]);
        let (_, _, _, pcm, _) = decode(encode_samples(&samples, Vec::new(), 1).unwrap());
        let rms = |s: &[i16]| {
            (s.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / s.len() as f64).sqrt()
        };
        let original = rms(&samples[..16_000]);
        let tone = rms(&pcm[..48_000]);
        assert!(
            (tone / original - 1.0).abs() < 0.25,
            "tone RMS {tone} vs {original}"
        );
        assert!(
            rms(&pcm[52_800..]) < original / 20.0,
            "silence stays silent"
        );
    }

    #[test]
    fn a_wav_capture_becomes_a_note_with_duration_size_and_waveform() {
        let dir = tempfile::tempdir().unwrap();
        let wav = dir.path().join("c.wav");
        let mut w = hound::WavWriter::create(&wav, super::super::wav_file::spec()).unwrap();
        for s in speechlike(3.0) {
            w.write_sample(s).unwrap();
        }
        w.finalize().unwrap();
        let ogg = dir.path().join("c.ogg");
        let note = encode_wav(&wav, &ogg).unwrap();
        assert_eq!(note.duration_ms, 3000);
        assert_eq!(note.size_bytes, std::fs::metadata(&ogg).unwrap().len());
        // 20 kbps-ish for 3 s, with the headers.
        assert!(
            (3_000..12_000).contains(&note.size_bytes),
            "{}",
            note.size_bytes
        );
        assert_eq!(note.waveform.len(), WAVEFORM_BUCKETS);
        assert_eq!(note.waveform.iter().max(), Some(&255));
        assert!(!dir.path().join("c.ogg.part").exists());

        // Anything but our capture format is refused without leaving a file.
        let stereo = dir.path().join("s.wav");
        let spec = hound::WavSpec {
            channels: 2,
            ..super::super::wav_file::spec()
        };
        hound::WavWriter::create(&stereo, spec)
            .unwrap()
            .finalize()
            .unwrap();
        assert!(encode_wav(&stereo, &dir.path().join("s.ogg")).is_err());
        assert!(!dir.path().join("s.ogg").exists());
    }
}
