//! Recording through PulseAudio's own protocol (PipeWire's PulseAudio service speaks it too)
//! when a sound server runs. cpal reaches the server either through ALSA's PulseAudio
//! plug-in, whose capture thread spins while it waits for sound (a whole core until the first
//! audio, 3% after), or through its PulseAudio host, which asks the server for timing after
//! every block it receives (6% of a core measured with a block every ~2 ms, against 2% for
//! this stream). The recorder needs no timing, so it talks to the server itself.

use std::sync::Mutex;
use std::time::Duration;

use futures::executor::block_on;
use pulseaudio::{Client, ClientError, RecordStream, protocol};

use super::error::VoiceError;
use crate::view::VoiceInput;

/// Connecting may take this long: the client's handshake has no timeout of its own.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// One connection for the process: a dropped client's thread only ends when the server next
/// writes to it, so a connection per listing would pile up (measured: a thread, three
/// descriptors and ~1 MB each).
static CLIENT: Mutex<Option<Client>> = Mutex::new(None);

/// The sound server, when one is running and answers.
pub(crate) fn server() -> Option<Server> {
    pulseaudio::socket_path_from_env()?;
    let mut kept = CLIENT.lock().unwrap_or_else(|e| e.into_inner());
    // A server restarted since leaves a dead connection behind: ask again.
    if let Some(client) = kept.as_ref()
        && block_on(client.server_info()).is_ok()
    {
        return Some(Server(client.clone()));
    }
    let client = connect()?;
    *kept = Some(client.clone());
    Some(Server(client))
}

fn connect() -> Option<Client> {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("voice-connect".into())
        .spawn(move || {
            let _ = tx.send(Client::from_env(c"IS-Messenger"));
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot connect to the sound server");
        return None;
    }
    match rx.recv_timeout(CONNECT_TIMEOUT) {
        Ok(Ok(client)) => Some(client),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "no PulseAudio server to record from");
            None
        }
        // The thread stays stuck in the handshake; nothing else can be done with it.
        Err(_) => {
            tracing::warn!("the sound server did not answer within 2 seconds");
            None
        }
    }
}

/// A connection to the sound server.
pub(crate) struct Server(Client);

/// One of the server's sources (a microphone, or a monitor of an output).
pub(crate) struct Source {
    client: Client,
    /// Boxed: a source's description is large next to cpal's devices.
    info: Box<protocol::SourceInfo>,
}

fn describe(info: &protocol::SourceInfo) -> VoiceInput {
    let name = info.name.to_string_lossy();
    VoiceInput {
        id: format!("pulseaudio:{name}"),
        name: info
            .description
            .as_ref()
            .map(|d| d.to_string_lossy().into_owned())
            .unwrap_or_else(|| name.into_owned()),
        is_default: false,
    }
}

impl Server {
    fn default_source(&self) -> Option<protocol::SourceInfo> {
        block_on(
            self.0
                .source_info_by_name(protocol::DEFAULT_SOURCE.to_owned()),
        )
        .ok()
    }

    fn sources(&self) -> Result<Vec<protocol::SourceInfo>, VoiceError> {
        block_on(self.0.list_sources()).map_err(|e| from_client(&e))
    }

    /// The default source, described, and all sources.
    pub fn inputs(&self) -> Result<(Option<VoiceInput>, Vec<VoiceInput>), VoiceError> {
        let default = self.default_source().as_ref().map(describe);
        Ok((default, self.sources()?.iter().map(describe).collect()))
    }

    /// The default source, or the one whose id or name is `wanted`.
    pub fn find(&self, wanted: Option<&str>) -> Result<Source, VoiceError> {
        let source = |info| Source {
            client: self.0.clone(),
            info: Box::new(info),
        };
        let Some(wanted) = wanted else {
            return self
                .default_source()
                .map(source)
                .ok_or(VoiceError::NoMicrophone);
        };
        self.sources()?
            .into_iter()
            .find(|info| {
                let known = describe(info);
                known.id == wanted || known.name == wanted
            })
            .map(source)
            .ok_or_else(|| VoiceError::DeviceNotFound {
                name: wanted.to_owned(),
            })
    }
}

/// Live capture from a source; dropping it ends the stream on the server.
pub(crate) struct Capture(RecordStream);

impl Source {
    pub fn name(&self) -> String {
        describe(&self.info).name
    }

    pub fn rate(&self) -> u32 {
        self.info.sample_spec.sample_rate
    }

    pub fn channels(&self) -> u16 {
        u16::from(self.info.sample_spec.channels)
    }

    /// A paused stream at the source's own rate and channels, as little-endian `f32` frames
    /// delivered to `on_data` (on the client's thread) in blocks of about `block_frames` when
    /// the source can (a monitor follows its output instead). Dropping `on_data` (the server
    /// went away) ends the stream for whoever holds what it captured.
    pub fn open(
        &self,
        block_frames: u32,
        on_data: impl FnMut(&[u8]) + Send + 'static,
    ) -> Result<Capture, VoiceError> {
        let spec = protocol::SampleSpec {
            format: protocol::SampleFormat::Float32Le,
            ..self.info.sample_spec
        };
        let frame_bytes = 4 * u32::from(spec.channels);
        let params = protocol::RecordStreamParams {
            sample_spec: spec,
            channel_map: self.info.channel_map,
            source_index: Some(self.info.index),
            buffer_attr: protocol::stream::BufferAttr {
                fragment_size: block_frames.saturating_mul(frame_bytes),
                // Everything else (the most the server keeps for us when we lag) its default.
                ..Default::default()
            },
            flags: protocol::stream::StreamFlags {
                start_corked: true,
                // The source then delivers at the fragment's pace: fewer, larger blocks.
                adjust_latency: true,
                ..Default::default()
            },
            ..Default::default()
        };
        block_on(self.client.create_record_stream(params, on_data))
            .map(Capture)
            .map_err(|e| match from_client(&e) {
                VoiceError::NoMicrophone => VoiceError::DeviceNotFound { name: self.name() },
                other => other,
            })
    }
}

impl Capture {
    pub fn start(&self) -> Result<(), VoiceError> {
        block_on(self.0.uncork()).map_err(|e| from_client(&e))
    }
}

/// The server's answers as sentences: refusal and absence get their own.
fn from_client(e: &ClientError) -> VoiceError {
    use protocol::PulseError as P;
    match e {
        ClientError::ServerError(P::AccessDenied | P::AuthKey) => VoiceError::PermissionDenied,
        ClientError::ServerError(P::NoEntity) | ClientError::ServerUnavailable => {
            VoiceError::NoMicrophone
        }
        ClientError::ServerError(P::Busy) => VoiceError::DeviceBusy,
        other => VoiceError::Audio {
            detail: format!("the sound server answered: {other}"),
        },
    }
}
