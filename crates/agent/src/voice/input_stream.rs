//! The live microphone stream: cpal's, or the sound server's own (see [`super::pulse`]). The
//! backend calls our callback on its audio thread; the callback only mixes the frames down to
//! mono into a recycled buffer and hands it over a bounded channel in ~20 ms batches (never
//! blocking, never allocating once warmed up). The stream itself is not `Send` on every
//! platform, so it lives and dies on the recorder's thread.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};

use super::devices::{self, Microphone};
use super::downmix::downmix_into;
use super::error::VoiceError;
#[cfg(target_os = "linux")]
use super::{downmix::downmix_f32le_into, pulse};

/// Buffers in flight between the callback and the recorder: a few seconds of audio, so a
/// slow disk does not drop sound.
const IN_FLIGHT: usize = 512;

/// What keeps the sound coming.
enum Live {
    Cpal(cpal::Stream),
    /// With word of the first sound, once.
    #[cfg(target_os = "linux")]
    Server(pulse::Capture, Receiver<()>),
}

/// How long starting waits for the first sound: a sound server wakes a suspended source in
/// well under a second (a headless null sink may take two).
#[cfg(target_os = "linux")]
const FIRST_SOUND_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

pub struct InputStream {
    live: Live,
    pub device_name: String,
    pub rate: u32,
    pub channels: u16,
    samples: Receiver<Vec<f32>>,
    recycle: SyncSender<Vec<f32>>,
    errors: Receiver<cpal::Error>,
}

impl InputStream {
    /// Opens the device (default or named) at its own default input configuration.
    pub fn open(device: Option<&str>) -> Result<Self, VoiceError> {
        devices::quiet_alsa();
        match devices::find(device)? {
            Microphone::Cpal(device) => Self::open_cpal(&device),
            #[cfg(target_os = "linux")]
            Microphone::Server(source) => Self::open_server(&source),
        }
    }

    #[cfg(target_os = "linux")]
    fn open_server(source: &pulse::Source) -> Result<Self, VoiceError> {
        let (rate, channels) = (source.rate(), source.channels());
        let (mut batcher, samples, recycle) = hand_over(rate);
        // The server's failures arrive as the end of the data (see `pulse::Source::open`).
        let (_, errors) = sync_channel(1);
        let width = usize::from(channels);
        let (heard_tx, heard) = sync_channel(1);
        let mut first = Some(heard_tx);
        let capture = source.open(rate / 10, move |bytes| {
            if let Some(tx) = first.take() {
                let _ = tx.try_send(());
            }
            batcher.add(|mono| downmix_f32le_into(bytes, width, mono));
        })?;
        Ok(Self {
            live: Live::Server(capture, heard),
            device_name: source.name(),
            rate,
            channels,
            samples,
            recycle,
            errors,
        })
    }

    fn open_cpal(device: &cpal::Device) -> Result<Self, VoiceError> {
        let config = device
            .default_input_config()
            .map_err(|e| VoiceError::from_open(&e))?;
        let device_name = device
            .description()
            .map(|d| d.name().to_owned())
            .unwrap_or_else(|_| device.to_string());
        let rate = config.sample_rate();
        let channels = config.channels();
        let format = config.sample_format();
        // ~100 ms per callback where the host lets us choose: measured here, ALSA's PulseAudio
        // plug-in takes 10% of a core at its default periods of a few ms; a recording needs
        // no lower latency.
        let mut stream_config = config.config();
        let wanted = match config.buffer_size() {
            cpal::SupportedBufferSize::Range { min, max } => {
                Some(cpal::BufferSize::Fixed((rate / 10).max(*min).min(*max)))
            }
            cpal::SupportedBufferSize::Unknown => None,
        };
        let (stream, samples, recycle, errors) = match wanted {
            Some(size) => {
                stream_config.buffer_size = size;
                build_any(device, &stream_config, format).or_else(|_| {
                    stream_config.buffer_size = cpal::BufferSize::Default;
                    build_any(device, &stream_config, format)
                })
            }
            None => build_any(device, &stream_config, format),
        }?;
        Ok(Self {
            live: Live::Cpal(stream),
            device_name,
            rate,
            channels,
            samples,
            recycle,
            errors,
        })
    }

    pub fn play(&self) -> Result<(), VoiceError> {
        match &self.live {
            Live::Cpal(stream) => stream.play().map_err(|e| VoiceError::from_open(&e)),
            // Started means sound is flowing (what `Recorder::start` promises); past the wait the
            // recorder's watchdog decides.
            #[cfg(target_os = "linux")]
            Live::Server(capture, heard) => {
                capture.start()?;
                let _ = heard.recv_timeout(FIRST_SOUND_WAIT);
                Ok(())
            }
        }
    }

    /// The next mono buffer, waiting at most `timeout`.
    pub fn next(
        &self,
        timeout: std::time::Duration,
    ) -> Result<Vec<f32>, std::sync::mpsc::RecvTimeoutError> {
        self.samples.recv_timeout(timeout)
    }

    /// Returns a buffer for the callback to fill again.
    pub fn give_back(&self, mut buffer: Vec<f32>) {
        buffer.clear();
        let _ = self.recycle.try_send(buffer);
    }

    /// Lets go of a stream whose device died without dropping it: dropping joins the backend's
    /// thread, and a backend stuck on a dead device never returns (seen with ALSA's PulseAudio
    /// plugin when the server goes away). Leaking one stuck stream beats hanging the recorder.
    pub fn abandon(self) {
        match self.live {
            Live::Cpal(stream) => std::mem::forget(stream),
            // Dropping only queues the stream's end for the server: it never waits.
            #[cfg(target_os = "linux")]
            Live::Server(capture, _) => drop(capture),
        }
    }

    /// A fatal stream error reported by the backend since the last call, if any.
    pub fn failure(&self) -> Option<cpal::Error> {
        self.errors.try_recv().ok()
    }
}

/// Sound servers may call back every few milliseconds (PulseAudio forwards each block its
/// clients write); the recorder is woken once per ~20 ms of sound instead.
fn batch_frames(rate: u32) -> usize {
    (rate / 50).max(1) as usize
}

/// The callback's end of the hand-over: fills a batch, sends it when full.
struct Batcher {
    pending: Vec<f32>,
    batch: usize,
    samples: SyncSender<Vec<f32>>,
    pool: Receiver<Vec<f32>>,
}

impl Batcher {
    fn add(&mut self, fill: impl FnOnce(&mut Vec<f32>)) {
        if self.pending.capacity() == 0 {
            // A recycled buffer when one is back; only the first few batches allocate.
            self.pending = self
                .pool
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(self.batch * 2));
        }
        fill(&mut self.pending);
        if self.pending.len() >= self.batch {
            // When the recorder falls seconds behind, dropping beats blocking the audio thread.
            let _ = self.samples.try_send(std::mem::take(&mut self.pending));
        }
    }
}

/// Both ends of the hand-over: the callback's batcher, and the recorder's receiver of
/// batches and sender of emptied buffers.
fn hand_over(rate: u32) -> (Batcher, Receiver<Vec<f32>>, SyncSender<Vec<f32>>) {
    let (samples_tx, samples) = sync_channel(IN_FLIGHT);
    let (recycle, pool) = sync_channel(IN_FLIGHT);
    let batcher = Batcher {
        pending: Vec::new(),
        batch: batch_frames(rate),
        samples: samples_tx,
        pool,
    };
    (batcher, samples, recycle)
}

type Built = (
    cpal::Stream,
    Receiver<Vec<f32>>,
    SyncSender<Vec<f32>>,
    Receiver<cpal::Error>,
);

/// A stream for the device's sample format, with its channels.
fn build_any(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    format: SampleFormat,
) -> Result<Built, VoiceError> {
    let (batcher, samples, recycle) = hand_over(config.sample_rate);
    let (errors_tx, errors) = sync_channel(8);
    macro_rules! build {
        ($t:ty) => {
            build_stream::<$t>(device, config, batcher, errors_tx)
        };
    }
    let stream = match format {
        SampleFormat::I8 => build!(i8),
        SampleFormat::I16 => build!(i16),
        SampleFormat::I24 => build!(cpal::I24),
        SampleFormat::I32 => build!(i32),
        SampleFormat::I64 => build!(i64),
        SampleFormat::U8 => build!(u8),
        SampleFormat::U16 => build!(u16),
        SampleFormat::U24 => build!(cpal::U24),
        SampleFormat::U32 => build!(u32),
        SampleFormat::U64 => build!(u64),
        SampleFormat::F32 => build!(f32),
        SampleFormat::F64 => build!(f64),
        other => Err(VoiceError::Unsupported {
            detail: format!("it only offers {other} samples"),
        }),
    }?;
    Ok((stream, samples, recycle, errors))
}

fn build_stream<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    mut batcher: Batcher,
    errors: SyncSender<cpal::Error>,
) -> Result<cpal::Stream, VoiceError>
where
    T: SizedSample + Send + 'static,
    f32: FromSample<T>,
{
    let channels = usize::from(config.channels);
    let on_data = move |data: &[T], _: &cpal::InputCallbackInfo| {
        batcher.add(|mono| downmix_into(data, channels, mono));
    };
    let on_error = move |e: cpal::Error| {
        use cpal::ErrorKind as K;
        match e.kind() {
            // Glitches and reroutes: the stream goes on.
            K::Xrun | K::RealtimeDenied | K::DeviceChanged => {
                tracing::debug!(error = %e, "audio input glitch");
            }
            _ => {
                let _ = errors.try_send(e);
            }
        }
    };
    device
        .build_input_stream::<T, _, _>(
            *config,
            on_data,
            on_error,
            Some(std::time::Duration::from_secs(5)),
        )
        .map_err(|e| VoiceError::from_open(&e))
}
