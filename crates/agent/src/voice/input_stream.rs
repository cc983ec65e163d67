//! The live microphone stream. cpal calls our callback on its audio thread; the callback only
//! mixes the frames down to mono into a recycled buffer and hands it over a bounded channel
//! (never blocking, never allocating once warmed up). The stream itself is not `Send` on
//! every platform, so it lives and dies on the recorder's thread.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};

use super::devices;
use super::downmix::downmix_into;
use super::error::VoiceError;

/// Buffers in flight between the callback and the recorder: a few seconds of audio, so a
/// slow disk does not drop sound.
const IN_FLIGHT: usize = 512;

pub struct InputStream {
    stream: cpal::Stream,
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
        let device = devices::find(device)?;
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
        // ~100 ms per callback: measured here, ALSA's PulseAudio plugin takes 4–20% of a core
        // at its default periods of a few ms and under 1% at this size; a recording needs no
        // lower latency.
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
                build_any(&device, &stream_config, format).or_else(|_| {
                    stream_config.buffer_size = cpal::BufferSize::Default;
                    build_any(&device, &stream_config, format)
                })
            }
            None => build_any(&device, &stream_config, format),
        }?;
        Ok(Self {
            stream,
            device_name,
            rate,
            channels,
            samples,
            recycle,
            errors,
        })
    }

    pub fn play(&self) -> Result<(), VoiceError> {
        self.stream.play().map_err(|e| VoiceError::from_open(&e))
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
        std::mem::forget(self.stream);
    }

    /// A fatal stream error reported by the backend since the last call, if any.
    pub fn failure(&self) -> Option<cpal::Error> {
        self.errors.try_recv().ok()
    }
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
    let (samples_tx, samples) = sync_channel(IN_FLIGHT);
    let (recycle, pool) = sync_channel(IN_FLIGHT);
    let (errors_tx, errors) = sync_channel(8);
    macro_rules! build {
        ($t:ty) => {
            build_stream::<$t>(device, config, samples_tx, pool, errors_tx)
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
    samples: SyncSender<Vec<f32>>,
    pool: Receiver<Vec<f32>>,
    errors: SyncSender<cpal::Error>,
) -> Result<cpal::Stream, VoiceError>
where
    T: SizedSample + Send + 'static,
    f32: FromSample<T>,
{
    let channels = usize::from(config.channels);
    let on_data = move |data: &[T], _: &cpal::InputCallbackInfo| {
        // A recycled buffer when one is back; only the first few callbacks allocate.
        let mut mono = pool
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(data.len() / channels.max(1) * 2));
        downmix_into(data, channels, &mut mono);
        // When the recorder falls seconds behind, dropping beats blocking the audio thread.
        let _ = samples.try_send(mono);
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
