//! What can go wrong with a voice note, each as a sentence fit to show the agent.

use crate::error::AgentError;

#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    /// No input device, or the sound system that would provide one is not running.
    #[error("No microphone was found. Connect a microphone (or switch it on) and try again.")]
    NoMicrophone,
    /// The device picked by name is not there (unplugged since the list was shown).
    #[error("The microphone \u{201c}{name}\u{201d} is not connected. Choose another one.")]
    DeviceNotFound { name: String },
    /// The operating system refuses the app the microphone.
    #[error("{}", permission_sentence())]
    PermissionDenied,
    /// Another program holds the device exclusively.
    #[error("The microphone is in use by another application. Close it and try again.")]
    DeviceBusy,
    /// The device went away while recording (unplugged, sound server stopped, no more audio).
    #[error("The microphone stopped working ({detail}). Check that it is still connected.")]
    DeviceLost { detail: String },
    /// The device offers nothing we can record from.
    #[error("The microphone cannot be used for recording ({detail}).")]
    Unsupported { detail: String },
    /// Any other failure of the audio system.
    #[error("The microphone could not be used: {detail}")]
    Audio { detail: String },
    #[error("A voice note is already being recorded.")]
    AlreadyRecording,
    #[error("No voice note is being recorded.")]
    NotRecording,
    /// Stopped before anything worth keeping was said.
    #[error("The recording is too short to keep.")]
    TooShort,
    #[error("This voice note is gone (it was sent or deleted).")]
    DraftNotFound,
    /// Reading or writing the recording's files failed (disk full, permissions).
    #[error("Cannot {action}: {detail}")]
    File {
        action: &'static str,
        detail: String,
    },
    /// libopus refused (should not happen with our fixed settings).
    #[error("Cannot encode the voice note: {0}")]
    Encode(String),
}

impl VoiceError {
    pub(crate) fn file(action: &'static str, e: impl std::fmt::Display) -> Self {
        Self::File {
            action,
            detail: e.to_string(),
        }
    }

    /// Maps cpal's errors when opening a device: absence, refusal and busyness get their own
    /// sentence; the rest keep cpal's text.
    pub(crate) fn from_open(e: &cpal::Error) -> Self {
        use cpal::ErrorKind as K;
        match e.kind() {
            // Without a sound server ALSA still offers "default", then fails here.
            K::DeviceNotAvailable | K::HostUnavailable => Self::NoMicrophone,
            K::PermissionDenied => Self::PermissionDenied,
            K::DeviceBusy => Self::DeviceBusy,
            K::UnsupportedConfig | K::UnsupportedOperation => Self::Unsupported {
                detail: e.to_string(),
            },
            _ => Self::Audio {
                detail: e.to_string(),
            },
        }
    }
}

/// Where the agent allows the microphone on this operating system.
fn permission_sentence() -> &'static str {
    if cfg!(target_os = "macos") {
        "IS-Messenger may not use the microphone. Allow it in System Settings \u{2192} Privacy & Security \u{2192} Microphone, then try again."
    } else if cfg!(target_os = "windows") {
        "IS-Messenger may not use the microphone. Turn on \u{201c}Let desktop apps access your microphone\u{201d} in Settings \u{2192} Privacy & security \u{2192} Microphone, then try again."
    } else {
        "Access to the microphone was denied. Check that your user may use audio devices, then try again."
    }
}

impl From<VoiceError> for AgentError {
    fn from(e: VoiceError) -> Self {
        match e {
            // The person can act on these (stop first, pick another note).
            VoiceError::AlreadyRecording
            | VoiceError::NotRecording
            | VoiceError::TooShort
            | VoiceError::DraftNotFound => AgentError::Invalid(e.to_string()),
            other => AgentError::Io(other.to_string()),
        }
    }
}
