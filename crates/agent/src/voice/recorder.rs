//! One recording: a dedicated thread owns the microphone stream (cpal streams are not `Send`
//! everywhere) and turns its buffers into the capture WAV (resampled to the encoder's rate),
//! reporting the level and elapsed time ~15 times a second. It stops when asked, at the
//! length cap, or by itself when the device fails or goes quiet for [`WATCHDOG`] (a device
//! unplugged, a sound server gone); what was recorded until then is kept. Controlled over
//! channels, so any thread or async runtime can drive it.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::ENCODER_RATE;
use super::error::VoiceError;
use super::input_stream::InputStream;
use super::level::LevelMeter;
use super::resample::MonoResampler;
use super::wav_file::CaptureFile;

/// How often the meter and timer are reported.
const UPDATE_EVERY: Duration = Duration::from_millis(66);
/// No audio for this long while recording means the device is gone.
pub const WATCHDOG: Duration = Duration::from_secs(2);
/// A device's first sound may take longer (an idle sound server wakes up in ~2 s).
const FIRST_SOUND_GRACE: Duration = Duration::from_secs(5);
/// How long a poll for audio waits before checking controls and the watchdog.
const POLL: Duration = Duration::from_millis(20);
/// Opening a device (ALSA probing, a sound server) can take a moment, but not forever.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

pub struct RecordingOptions {
    /// The input's id or name; `None` records from the default input.
    pub device: Option<String>,
    /// The recording stops by itself at this length.
    pub max: Duration,
    /// Where the capture is written (16-bit mono WAV at [`ENCODER_RATE`]).
    pub wav_path: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// [`Recorder::stop`] was called.
    Requested,
    /// The length cap was reached.
    Cap,
    /// The device failed or stopped delivering audio.
    DeviceLost,
    /// Writing the capture failed (disk full…).
    Failed,
}

/// Reported from the recorder's thread while it runs.
#[derive(Clone, Debug, PartialEq)]
pub enum RecorderUpdate {
    /// The input level (0..1, see [`super::level`]) and how much has been recorded.
    Level { level: f32, elapsed_ms: u64 },
    /// The recording ended without being asked ([`StopReason::Cap`], `DeviceLost`, `Failed`);
    /// collect it with [`Recorder::stop`].
    StoppedByItself { reason: StopReason },
}

/// A finished capture.
#[derive(Debug)]
pub struct Recording {
    pub wav_path: PathBuf,
    /// Samples at [`ENCODER_RATE`].
    pub samples: u64,
    pub duration_ms: u64,
    pub reason: StopReason,
    /// Why the recording ended early, for `DeviceLost` and `Failed`.
    pub problem: Option<VoiceError>,
    pub device: String,
}

enum Control {
    Stop,
    Cancel,
}

pub struct Recorder {
    control: Sender<Control>,
    done: Receiver<Result<Recording, VoiceError>>,
    thread: Option<JoinHandle<()>>,
    device: String,
    wav_path: PathBuf,
}

impl Recorder {
    /// Opens the device and starts recording; returns once audio is flowing into the capture
    /// (or with the reason it cannot: no microphone, permission, busy…).
    pub fn start(
        options: RecordingOptions,
        on_update: impl Fn(RecorderUpdate) + Send + 'static,
    ) -> Result<Self, VoiceError> {
        let (control, control_rx) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        let (ready_tx, ready) = mpsc::channel();
        let wav_path = options.wav_path.clone();
        let thread = std::thread::Builder::new()
            .name("voice-recorder".into())
            .spawn(move || {
                let result = record(options, &control_rx, &on_update, ready_tx);
                let reason = result.as_ref().ok().map(|r| r.reason);
                let _ = done_tx.send(result);
                // After `done` is sent, so the one told can collect it at once.
                if let Some(reason) = reason.filter(|r| *r != StopReason::Requested) {
                    on_update(RecorderUpdate::StoppedByItself { reason });
                }
            })
            .map_err(|e| VoiceError::Audio {
                detail: format!("cannot start the recorder: {e}"),
            })?;
        let device = match ready.recv_timeout(OPEN_TIMEOUT) {
            Ok(Ok(device)) => device,
            Ok(Err(e)) => {
                let _ = thread.join();
                return Err(e);
            }
            Err(_) => {
                // The thread is stuck in the audio backend; tell it to give up whenever it can.
                let _ = control.send(Control::Cancel);
                return Err(VoiceError::Audio {
                    detail: "the microphone did not start within 10 seconds".into(),
                });
            }
        };
        Ok(Self {
            control,
            done,
            thread: Some(thread),
            device,
            wav_path,
        })
    }

    /// The device's name as its host calls it.
    pub fn device(&self) -> &str {
        &self.device
    }

    pub fn wav_path(&self) -> &Path {
        &self.wav_path
    }

    /// Stops (unless it already stopped by itself) and returns the finished capture.
    pub fn stop(mut self) -> Result<Recording, VoiceError> {
        let _ = self.control.send(Control::Stop);
        let result = self.done.recv().unwrap_or_else(|_| {
            Err(VoiceError::Audio {
                detail: "the recorder stopped unexpectedly".into(),
            })
        });
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        result
    }

    /// Stops and deletes the capture: nothing is left behind.
    pub fn cancel(mut self) {
        self.cancel_now();
    }

    fn cancel_now(&mut self) {
        let _ = self.control.send(Control::Cancel);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        // A recording that had already stopped by itself kept its file.
        if let Ok(Ok(r)) = self.done.try_recv() {
            let _ = std::fs::remove_file(r.wav_path);
        }
    }
}

impl Drop for Recorder {
    /// A recorder nobody collects is cancelled.
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.cancel_now();
        }
    }
}

/// How the recording loop ended.
enum Ending {
    Stopped(StopReason, Option<VoiceError>),
    Cancelled,
}

/// The recorder thread: open, capture until told or until something ends it, finish the WAV.
fn record(
    options: RecordingOptions,
    control: &Receiver<Control>,
    on_update: &impl Fn(RecorderUpdate),
    ready: Sender<Result<String, VoiceError>>,
) -> Result<Recording, VoiceError> {
    let opened = InputStream::open(options.device.as_deref()).and_then(|input| {
        let file = CaptureFile::create(&options.wav_path)?;
        let resampler = MonoResampler::new(input.rate, ENCODER_RATE)?;
        if let Err(e) = input.play() {
            file.discard();
            return Err(e);
        }
        Ok((input, file, resampler))
    });
    let (input, mut file, mut resampler) = match opened {
        Ok(parts) => parts,
        Err(e) => {
            let _ = ready.send(Err(e));
            return Err(VoiceError::NotRecording);
        }
    };
    tracing::info!(device = %input.device_name, rate = input.rate, channels = input.channels, "recording");
    let device = input.device_name.clone();
    let _ = ready.send(Ok(device.clone()));

    let max_frames = (options.max.as_secs_f64() * f64::from(input.rate)).round() as u64;
    let mut frames = 0u64;
    let mut out = Vec::with_capacity(8192);
    let mut meter = LevelMeter::default();
    let mut last_audio = Instant::now();
    let mut silence_limit = FIRST_SOUND_GRACE;
    let mut last_update = Instant::now();
    let ending = loop {
        match control.try_recv() {
            Ok(Control::Stop) => break Ending::Stopped(StopReason::Requested, None),
            // The owner went away without a word: nobody will collect this recording.
            Ok(Control::Cancel) | Err(TryRecvError::Disconnected) => break Ending::Cancelled,
            Err(TryRecvError::Empty) => {}
        }
        if let Some(e) = input.failure() {
            break lost(e.to_string());
        }
        match input.next(POLL) {
            Ok(buffer) => {
                last_audio = Instant::now();
                silence_limit = WATCHDOG;
                let take = buffer.len().min((max_frames - frames) as usize);
                let chunk = &buffer[..take];
                frames += take as u64;
                meter.add(chunk);
                out.clear();
                let written = resampler
                    .push(chunk, &mut out)
                    .and_then(|()| file.write(&out));
                input.give_back(buffer);
                if let Err(e) = written {
                    break Ending::Stopped(StopReason::Failed, Some(e));
                }
                if frames >= max_frames {
                    break Ending::Stopped(StopReason::Cap, None);
                }
            }
            Err(RecvTimeoutError::Timeout) if last_audio.elapsed() < silence_limit => {}
            Err(RecvTimeoutError::Timeout) => {
                break lost(format!("no sound for {} seconds", silence_limit.as_secs()));
            }
            Err(RecvTimeoutError::Disconnected) => break lost("the audio stream ended".into()),
        }
        if last_update.elapsed() >= UPDATE_EVERY {
            last_update = Instant::now();
            on_update(RecorderUpdate::Level {
                level: meter.take(),
                elapsed_ms: frames * 1000 / u64::from(input.rate),
            });
        }
    };
    let rate = input.rate;
    // Stop the stream before the file is finished.
    if matches!(ending, Ending::Stopped(StopReason::DeviceLost, _)) {
        input.abandon();
    } else {
        drop(input);
    }
    let (reason, problem) = match ending {
        Ending::Cancelled => {
            file.discard();
            return Err(VoiceError::NotRecording);
        }
        Ending::Stopped(reason, problem) => (reason, problem),
    };
    if reason != StopReason::Failed {
        out.clear();
        resampler.finish(&mut out)?;
        file.write(&out)?;
    }
    let samples = file.finish()?;
    tracing::info!(
        ?reason,
        seconds = samples as f64 / f64::from(ENCODER_RATE),
        input_rate = rate,
        "recording stopped"
    );
    Ok(Recording {
        wav_path: options.wav_path,
        samples,
        duration_ms: samples * 1000 / u64::from(ENCODER_RATE),
        reason,
        problem,
        device,
    })
}

fn lost(detail: String) -> Ending {
    tracing::warn!(%detail, "the microphone was lost while recording");
    Ending::Stopped(
        StopReason::DeviceLost,
        Some(VoiceError::DeviceLost { detail }),
    )
}
