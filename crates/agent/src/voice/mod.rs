//! Voice notes, recorded natively: the default (or a chosen) microphone through cpal, whatever
//! its rate, channels and sample format, mixed down to mono and resampled to 16 kHz, written
//! to a WAV while recording (a crash keeps what was said), then encoded to Ogg/Opus as a
//! draft that the agent plays back, deletes or sends through the outbox.
//!
//! The pieces, from the microphone inwards: [`devices`] (what can be recorded from),
//! [`input_stream`] (the cpal stream, or the sound server's on Linux, and its cheap callback), [`downmix`], [`resample`],
//! [`level`] (the live meter), [`wav_file`] (the capture on disk), [`recorder`] (the thread
//! that owns it all and stops at the cap or when the device is lost), [`opus_ogg`] and
//! [`waveform`] (the encoded note), [`drafts`] (notes kept in the account's folder),
//! [`in_progress`] (the recording under way, held by the signed-in account) and
//! [`agent_api`] (what the app calls on [`crate::Agent`]).

pub mod agent_api;
pub mod devices;
pub mod downmix;
pub mod drafts;
pub mod error;
pub mod in_progress;
pub mod input_stream;
pub mod level;
pub mod note_file;
pub mod opus_ogg;
#[cfg(target_os = "linux")]
pub(crate) mod pulse;
pub mod recorder;
pub mod resample;
pub mod wav_file;
pub mod waveform;

pub use devices::voice_inputs;
pub use error::VoiceError;
pub use in_progress::RecordingSlot;
pub use opus_ogg::{EncodedNote, encode_wav};
pub use recorder::{Recorder, RecorderUpdate, Recording, RecordingOptions, StopReason};

use std::time::Duration;

/// The rate the encoder works at: wideband speech, what libopus' VOIP mode is tuned for.
pub const ENCODER_RATE: u32 = 16_000;
/// Opus bitrate for voice notes: ~135 KB a minute, so five minutes stay well under 1 MB.
pub const VOICE_BITRATE: i32 = 20_000;
/// The longest voice note (the product's rule); the agent's config may shorten it.
pub const DEFAULT_MAX_LENGTH: Duration = Duration::from_secs(5 * 60);
/// Shorter than this is a slip of the finger, not a voice note.
pub const MIN_NOTE_LENGTH: Duration = Duration::from_millis(500);
