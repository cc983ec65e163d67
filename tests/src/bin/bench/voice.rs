//! Voice notes: the CPU the recorder takes while speech is recorded for half a minute (the
//! audio callback, resampling and WAV writing; from /proc/self/stat, all threads), how long
//! encoding takes, and the size of a note per minute next to its WAV capture. Needs the audio
//! session (`scripts/bench` starts one when PULSE_SERVER is not set).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use messenger_agent::voice::{
    self, ENCODER_RATE, Recorder, RecorderUpdate, RecordingOptions, StopReason,
};
use messenger_e2e::audio::{self, Playback};

use crate::report::Report;

const RECORD: Duration = Duration::from_secs(25);
const STEADY_AFTER: Duration = Duration::from_secs(3);
const SPEECH: &str = "Good morning, and thank you for getting in touch. I checked your order \
    and the parcel left our warehouse yesterday evening. It should reach you on Thursday; \
    you will get a tracking link by email within the hour.";

/// User and system CPU time of this process (all threads). /proc counts in USER_HZ, which
/// Linux fixes at 100 for this interface.
fn cpu_time() -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or_else(|| anyhow::anyhow!("unexpected /proc/self/stat"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> anyhow::Result<u64> { Ok(fields.get(i).unwrap_or(&"").parse()?) };
    // `rest` starts at field 3 (state), so field n is at index n - 3.
    Ok(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
}

fn per_minute(bytes: u64, duration_ms: u64) -> f64 {
    bytes as f64 / 1000.0 / (duration_ms as f64 / 60_000.0)
}

pub fn run(report: &mut Report) -> anyhow::Result<()> {
    println!("voice: recording {} s of speech", RECORD.as_secs());
    audio::audio_session_available().map_err(|why| anyhow::anyhow!("voice bench: {why}"))?;
    let dir = tempfile::tempdir()?;
    let speech = audio::speech(dir.path(), SPEECH)?;
    let wav = dir.path().join("capture.wav");
    let updates = Arc::new(AtomicU64::new(0));
    let counted = updates.clone();
    let (stopped_tx, stopped) = std::sync::mpsc::channel();

    let _talking = Playback::looped(&speech, RECORD + Duration::from_secs(3))?;
    let cpu_before = cpu_time()?;
    let started = Instant::now();
    let recorder = Recorder::start(
        RecordingOptions {
            device: None,
            max: RECORD,
            wav_path: wav.clone(),
        },
        move |u| match u {
            RecorderUpdate::Level { .. } => {
                counted.fetch_add(1, Ordering::Relaxed);
            }
            RecorderUpdate::StoppedByItself { .. } => {
                let _ = stopped_tx.send(());
            }
        },
    )?;
    // Steady state from here on: opening the device and the sound server's start are done.
    std::thread::sleep(STEADY_AFTER);
    let (cpu_steady, steady_from) = (cpu_time()?, Instant::now());
    // The recorder stops itself at RECORD (the cap).
    let _ = stopped.recv_timeout(RECORD + Duration::from_secs(15));
    let (cpu_end, steady) = (cpu_time()?, steady_from.elapsed());
    let recording = recorder.stop()?;
    let wall = started.elapsed();
    let cpu = cpu_time()? - cpu_before;
    anyhow::ensure!(
        recording.reason == StopReason::Cap,
        "the recording ended early: {:?} {:?}",
        recording.reason,
        recording.problem
    );
    let (rms, _) = audio::sox_stat(&wav)?;
    anyhow::ensure!(
        rms > 0.01,
        "the capture is silent (RMS {rms}): is speech reaching the sink?"
    );
    report.add(
        "voice: CPU while recording speech, whole recording (open, audio callback, downmix, resample to 16 kHz, WAV), % of one core",
        format!(
            "{:.2}% ({:.2} s CPU over {:.1} s)",
            cpu.as_secs_f64() / wall.as_secs_f64() * 100.0,
            cpu.as_secs_f64(),
            wall.as_secs_f64()
        ),
        "< 5%",
    );
    report.add(
        "voice: CPU while recording, steady state (after the first 3 s), % of one core",
        format!(
            "{:.2}%",
            (cpu_end - cpu_steady).as_secs_f64() / steady.as_secs_f64() * 100.0
        ),
        "< 5%",
    );
    report.add(
        "voice: level/elapsed updates per second",
        format!(
            "{:.1}",
            updates.load(Ordering::Relaxed) as f64 / wall.as_secs_f64()
        ),
        "10–20",
    );

    let ogg = dir.path().join("note.ogg");
    let t = Instant::now();
    let note = voice::encode_wav(&wav, &ogg)?;
    let encode = t.elapsed();
    let (_, length) = audio::opusinfo(&ogg)?;
    anyhow::ensure!(
        length.as_millis().abs_diff(u128::from(note.duration_ms)) <= 1,
        "opusinfo reads {length:?}, the encoder wrote {} ms",
        note.duration_ms
    );
    let wav_bytes = std::fs::metadata(&wav)?.len();
    report.add(
        "voice: encode time (Ogg/Opus, 20 kbps VOIP, 16 kHz mono)",
        format!(
            "{:.0} ms for {:.1} s of audio",
            encode.as_secs_f64() * 1000.0,
            note.duration_ms as f64 / 1000.0
        ),
        "",
    );
    report.add(
        "voice: encoded note, KB per minute (next to the WAV capture)",
        format!(
            "{:.0} KB/min (WAV {:.0} KB/min)",
            per_minute(note.size_bytes, note.duration_ms),
            per_minute(wav_bytes, recording.duration_ms)
        ),
        "≤ 200 KB/min",
    );

    // A full-length note: the capture repeated to five minutes.
    let samples = voice::wav_file::read_samples(&wav)?;
    let five_minutes = ENCODER_RATE as usize * 300;
    let long_wav = dir.path().join("five-minutes.wav");
    let mut w = hound::WavWriter::create(&long_wav, voice::wav_file::spec())?;
    for s in samples.iter().cycle().take(five_minutes) {
        w.write_sample(*s)?;
    }
    w.finalize()?;
    let t = Instant::now();
    let long = voice::encode_wav(&long_wav, &dir.path().join("five-minutes.ogg"))?;
    report.add(
        "voice: a 5:00 note, size and encode time",
        format!(
            "{:.0} KB in {:.2} s",
            long.size_bytes as f64 / 1000.0,
            t.elapsed().as_secs_f64()
        ),
        "< 1 MB",
    );
    Ok(())
}
