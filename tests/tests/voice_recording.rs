//! Voice notes recorded for real: speech from espeak-ng played into the headless session's
//! PulseAudio null sink, captured from its monitor (the default source) through cpal's
//! PulseAudio host, by the `messenger-agent record` command and by the library the app uses.
//! Checked with opus-tools and sox: valid Ogg/Opus, the asked length, not silent next to a
//! silent baseline, the length cap, no microphone, a microphone lost mid-recording, cancel,
//! signing out, and sending as a voice note or an audio file depending on the channel. Run
//! inside `scripts/desktop-session run …`; skipped without an audio session (failed under CI).
#![allow(clippy::unwrap_used)]
// The sink lock serialises whole tests, each on its own runtime: held across awaits on purpose.
#![allow(clippy::await_holding_lock)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use messenger_agent::view::{AgentEvent, RecordingStopReason, SyncStatus, VoiceDraft};
use messenger_agent::voice::{self, Recorder, RecordingOptions, VoiceError};
use messenger_agent::{Agent, AgentConfig};
use messenger_e2e::audio::{self, Playback, PrivatePulse};
use messenger_e2e::{ServerProcess, artifacts, binaries};
use messenger_protocol::ContactId;
use serde_json::{Value, json};
use tokio::sync::broadcast;

const SPEECH: &str = "Hello, this is a voice note from the agent. Your parcel left the warehouse \
    this morning and should arrive on Thursday. Thank you for waiting.";

/// The tests share one sink: speech from one would land in another's silent baseline.
static SINK: Mutex<()> = Mutex::new(());

fn sink() -> std::sync::MutexGuard<'static, ()> {
    SINK.lock().unwrap_or_else(|e| e.into_inner())
}

fn agent_cli() -> Command {
    let bin = binaries::agent_cli();
    assert!(
        bin.exists(),
        "{} is not built (cargo build -p messenger-agent)",
        bin.display()
    );
    Command::new(bin)
}

fn record_cli(out: &Path, seconds: f64, extra_env: &[(&str, &str)]) -> Output {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = agent_cli();
    cmd.args(["record", "--out"])
        .arg(out)
        .args(["--seconds", &seconds.to_string()])
        .env("MESSENGER_AGENT_DATA_DIR", data.path());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn assert_close(actual: Duration, expected: Duration, what: &str) {
    let (a, e) = (actual.as_secs_f64(), expected.as_secs_f64());
    assert!(
        (a - e).abs() <= e * 0.05,
        "{what}: expected {e:.3} s ± 5%, got {a:.3} s"
    );
}

/// RMS of an Ogg/Opus file, decoded by opusdec and measured by sox.
fn decoded_rms(ogg: &Path) -> f64 {
    let wav = ogg.with_extension("decoded.wav");
    audio::opusdec(ogg, &wav).unwrap();
    audio::sox_stat(&wav).unwrap().0
}

#[test]
fn the_command_line_records_speech_as_ogg_opus_of_the_asked_length() {
    messenger_e2e::require_audio!();
    let _sink = sink();
    let dir = artifacts::dir_for("voice_cli_speech");
    let speech = audio::speech(&dir, SPEECH).unwrap();

    // Nothing playing: the baseline.
    let silent = dir.join("silent.ogg");
    let out = record_cli(&silent, 2.0, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let silent_rms = decoded_rms(&silent);

    let note = dir.join("speech.ogg");
    let playing = Playback::start(&speech, None).unwrap();
    let out = record_cli(&note, 3.0, &[]);
    drop(playing);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let size = std::fs::metadata(&note).unwrap().len();
    assert!(
        stdout.contains("recorded 3.00 s") && stdout.contains(&format!("{size} bytes")),
        "prints duration and size: {stdout}"
    );
    assert!(
        !dir.join("speech.ogg.capture.wav").exists(),
        "the capture WAV is removed after encoding"
    );

    let (info, length) = audio::opusinfo(&note).unwrap();
    assert!(info.contains("Channels: 1"), "{info}");
    assert!(info.contains("Original sample rate: 16000 Hz"), "{info}");
    assert_close(length, Duration::from_secs(3), "playback length (opusinfo)");
    let (_, decoded_len) = {
        let wav = dir.join("speech.decoded.wav");
        audio::opusdec(&note, &wav).unwrap();
        audio::sox_stat(&wav).unwrap()
    };
    assert_close(
        Duration::from_secs_f64(decoded_len),
        Duration::from_secs(3),
        "decoded length",
    );
    let speech_rms = decoded_rms(&note);
    assert!(
        speech_rms > 0.02 && speech_rms > silent_rms * 10.0,
        "speech RMS {speech_rms} must be well above the silent baseline {silent_rms}"
    );
    // ≤ 200 KB a minute at most (3 s → 10 KB).
    assert!(size < 10_000, "{size} bytes for 3 s");
}

#[test]
fn a_wav_recording_has_the_capture_format_and_our_opus_matches_opusenc_in_length() {
    messenger_e2e::require_audio!();
    let _sink = sink();
    let dir = artifacts::dir_for("voice_cli_wav");
    let speech = audio::speech(&dir, SPEECH).unwrap();
    let wav = dir.join("note.wav");
    let playing = Playback::start(&speech, None).unwrap();
    let out = record_cli(&wav, 2.5, &[]);
    drop(playing);
    assert!(out.status.success(), "{}", text(&out));
    let reader = hound::WavReader::open(&wav).unwrap();
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (1, 16_000, 16)
    );
    assert_eq!(reader.duration(), 40_000, "2.5 s at 16 kHz exactly");
    let (rms, _) = audio::sox_stat(&wav).unwrap();
    assert!(rms > 0.02, "the WAV holds the speech (RMS {rms})");

    // The same capture encoded by the agent and by opusenc plays for the same time.
    let ours = dir.join("ours.ogg");
    let note = voice::encode_wav(&wav, &ours).unwrap();
    assert_eq!(note.duration_ms, 2500);
    let reference = dir.join("opusenc.opus");
    audio::opusenc(&wav, &reference).unwrap();
    let (_, our_len) = audio::opusinfo(&ours).unwrap();
    let (_, ref_len) = audio::opusinfo(&reference).unwrap();
    assert_eq!(our_len, ref_len, "playback length, ours vs opusenc");
    let (our_rms, our_secs) = {
        let w = dir.join("ours.decoded.wav");
        audio::opusdec(&ours, &w).unwrap();
        audio::sox_stat(&w).unwrap()
    };
    let (ref_rms, ref_secs) = {
        let w = dir.join("opusenc.decoded.wav");
        audio::opusdec(&reference, &w).unwrap();
        audio::sox_stat(&w).unwrap()
    };
    assert_eq!(our_secs, ref_secs, "decoded length, ours vs opusenc");
    assert!(
        (our_rms / ref_rms - 1.0).abs() < 0.15,
        "same loudness: ours {our_rms}, opusenc {ref_rms}"
    );
}

#[test]
fn the_command_line_stops_by_itself_at_the_configured_cap() {
    messenger_e2e::require_audio!();
    let _sink = sink();
    let dir = artifacts::dir_for("voice_cli_cap");
    let note = dir.join("capped.ogg");
    let out = record_cli(&note, 60.0, &[("MESSENGER_VOICE_MAX_SECONDS", "1.5")]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("stopped at the length limit (1.5 s)"),
        "{}",
        text(&out)
    );
    let (_, length) = audio::opusinfo(&note).unwrap();
    assert_close(length, Duration::from_millis(1500), "capped length");
}

#[test]
fn without_a_sound_server_the_command_line_says_no_microphone() {
    messenger_e2e::require_audio!();
    let dir = artifacts::dir_for("voice_no_device");
    let note = dir.join("none.ogg");
    let out = record_cli(&note, 1.0, &[("PULSE_SERVER", "unix:/nonexistent/pulse")]);
    assert!(!out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("No microphone was found."),
        "{}",
        text(&out)
    );
    assert!(
        !stderr.contains("ALSA lib"),
        "alsa-lib's own lines are kept off: {stderr}"
    );
    assert!(!note.exists() && !dir.join("none.ogg.capture.wav").exists());
}

/// Runs in a child process without a reachable sound server (see the test below).
#[test]
#[ignore = "run by the_library_reports_no_microphone_as_a_typed_error in a child process"]
fn probe_no_microphone() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("x.wav");
    let started = Recorder::start(
        RecordingOptions {
            device: None,
            max: Duration::from_secs(5),
            wav_path: wav.clone(),
        },
        |_| {},
    );
    assert!(
        matches!(started, Err(VoiceError::NoMicrophone)),
        "expected NoMicrophone, got {:?}",
        started.err()
    );
    assert!(!wav.exists(), "nothing is left behind");
    let as_agent_error = messenger_agent::AgentError::from(VoiceError::NoMicrophone);
    assert!(
        as_agent_error
            .to_string()
            .starts_with("No microphone was found.")
    );
    let named = Recorder::start(
        RecordingOptions {
            device: Some("No Such Microphone".into()),
            max: Duration::from_secs(5),
            wav_path: wav.clone(),
        },
        |_| {},
    );
    assert!(
        matches!(named, Err(VoiceError::DeviceNotFound { .. })),
        "{:?}",
        named.err()
    );
}

#[test]
fn the_library_reports_no_microphone_as_a_typed_error() {
    messenger_e2e::require_audio!();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "probe_no_microphone", "--nocapture"])
        .env("PULSE_SERVER", "unix:/nonexistent/pulse")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 passed"),
        "{}",
        text(&out)
    );
}

// ---- The agent: drafts, events, cap, cancel, sending ----

struct World {
    _data: tempfile::TempDir,
    server: ServerProcess,
    http: reqwest::Client,
    owner: String,
}

impl World {
    async fn start(artifacts: &Path) -> Self {
        let data = tempfile::tempdir().unwrap();
        ServerProcess::add_user(
            data.path(),
            "owner@example.com",
            "Olivia Owner",
            "owner-password",
            "owner",
        )
        .unwrap();
        let server = ServerProcess::start(data.path(), &artifacts.join("server.log")).unwrap();
        let http = reqwest::Client::new();
        let login: Value = http
            .post(format!("{}/api/v1/auth/login", server.base_url))
            .json(&json!({"email": "owner@example.com", "password": "owner-password"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let owner = login["token"].as_str().unwrap().to_owned();
        Self {
            _data: data,
            server,
            http,
            owner,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.server.base_url)
    }

    /// A channel and a contact writing in on it; returns the contact's id.
    async fn contact_on_channel(&self, name: &str, supports_voice: bool, external: &str) -> String {
        let ch: Value = self
            .http
            .post(self.url("/channels"))
            .bearer_auth(&self.owner)
            .json(&json!({"name": name, "kind": "custom", "supports_voice": supports_voice}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let (id, token) = (
            ch["id"].as_str().unwrap(),
            ch["credentials"]["api_token"].as_str().unwrap(),
        );
        let res = self
            .http
            .post(self.url("/custom-channel/webhook"))
            .bearer_auth(token)
            .json(&json!({"channelId": id, "contactId": external, "contact": {"firstName": external},
                "events": [{"type": "message", "mId": format!("m-{external}"), "timestamp": 1,
                            "message": {"type": "text", "text": "Can you send me a voice note?"}}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let page: Value = self
            .http
            .get(self.url("/contacts?status=any"))
            .bearer_auth(&self.owner)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["channels"][0]["external_id"] == external)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn outgoing_attachment(&self, contact: &str) -> Value {
        let page: Value = self
            .http
            .get(self.url(&format!("/contacts/{contact}/messages")))
            .bearer_auth(&self.owner)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["direction"] == "outgoing" && !m["attachments"][0].is_null())
            .map(|m| m["attachments"][0].clone())
            .unwrap_or_else(|| panic!("no outgoing attachment for {contact}: {page}"))
    }
}

async fn signed_in_agent(world: &World, config: AgentConfig) -> Agent {
    let agent = Agent::open(config).unwrap();
    agent
        .login(
            &world.server.base_url,
            "owner@example.com",
            "owner-password",
        )
        .await
        .unwrap();
    agent.start().unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while agent.sync_state().unwrap().status != SyncStatus::Online {
        assert!(Instant::now() < deadline, "the agent did not come online");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    agent
}

/// Level updates seen until `until` elapsed ms, and their timing.
async fn levels_until(
    events: &mut broadcast::Receiver<AgentEvent>,
    until_ms: u64,
) -> Vec<(f32, u64)> {
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_millis(until_ms + 8000);
    while Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_secs(1), events.recv()).await {
            Ok(Ok(AgentEvent::RecordingLevel { level, elapsed_ms })) => {
                seen.push((level, elapsed_ms));
                if elapsed_ms >= until_ms {
                    break;
                }
            }
            Ok(Ok(_)) | Err(_) => {}
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(broadcast::error::RecvError::Closed)) => break,
        }
    }
    seen
}

async fn stopped_event(
    events: &mut broadcast::Receiver<AgentEvent>,
    within: Duration,
) -> (RecordingStopReason, String, Option<VoiceDraft>) {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, events.recv()).await {
            Ok(Ok(AgentEvent::RecordingStopped {
                reason,
                message,
                draft,
            })) => return (reason, message, draft),
            Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => {
                panic!("no RecordingStopped within {within:?}")
            }
        }
    }
}

fn voice_files(data: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(accounts) = std::fs::read_dir(data.join("accounts")) else {
        return found;
    };
    for account in accounts.flatten() {
        if let Ok(files) = std::fs::read_dir(account.path().join("voice")) {
            found.extend(files.flatten().map(|f| f.path()));
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_records_a_draft_and_sends_it_as_voice_or_audio_by_channel() {
    messenger_e2e::require_audio!();
    let _sink = sink();
    let dir = artifacts::dir_for("voice_agent_send");
    let world = World::start(&dir).await;
    let voice_contact = world.contact_on_channel("WhatsApp", true, "+351900").await;
    let audio_contact = world.contact_on_channel("Web chat", false, "web-7").await;
    let data = tempfile::tempdir().unwrap();
    let agent = signed_in_agent(&world, AgentConfig::new(data.path().to_path_buf())).await;
    agent.sync_once().await.unwrap();
    let speech = audio::speech(&dir, SPEECH).unwrap();

    let inputs = agent.voice_inputs().unwrap();
    assert!(
        inputs.first().is_some_and(|i| i.is_default),
        "the default input comes first: {inputs:?}"
    );

    let mut drafts = Vec::new();
    for _ in 0..2 {
        let mut events = agent.subscribe();
        let playing = Playback::start(&speech, None).unwrap();
        let started = agent.start_recording(None).unwrap();
        assert_eq!(started.max_ms, 300_000, "five minutes by default");
        assert!(agent.is_recording());
        let again = agent.start_recording(None);
        assert!(
            again
                .unwrap_err()
                .to_string()
                .contains("already being recorded"),
            "one recording at a time"
        );
        let began = Instant::now();
        let levels = levels_until(&mut events, 2500).await;
        let wall = began.elapsed();
        let draft = agent.stop_recording().await.unwrap();
        drop(playing);

        // ~15 updates a second, rising with the speech, and an advancing clock.
        let per_second = levels.len() as f64 / wall.as_secs_f64();
        assert!(
            (10.0..=20.0).contains(&per_second),
            "{per_second:.1} level updates/s: {levels:?}"
        );
        assert!(
            levels.windows(2).all(|w| w[0].1 <= w[1].1),
            "elapsed only grows"
        );
        assert!(
            levels.iter().any(|(l, _)| *l > 0.3),
            "speech shows on the meter: {levels:?}"
        );
        assert_eq!(draft.id, started.id);
        assert!(
            (2400..4000).contains(&draft.duration_ms),
            "duration {} ms",
            draft.duration_ms
        );
        assert!(!draft.stopped_by_cap);
        assert_eq!(draft.waveform.len(), 64);
        assert_eq!(draft.waveform.iter().max(), Some(&255));
        assert!(
            draft.waveform.iter().filter(|v| **v > 20).count() > 10,
            "{:?}",
            draft.waveform
        );
        let (_, length) = audio::opusinfo(Path::new(&draft.path)).unwrap();
        assert_close(
            length,
            Duration::from_millis(draft.duration_ms),
            "draft length",
        );
        assert_eq!(
            std::fs::metadata(&draft.path).unwrap().len(),
            draft.size_bytes
        );
        assert!(Path::new(&draft.wav_path).exists());
        drafts.push(draft);
    }
    let listed: Vec<_> = agent
        .voice_drafts()
        .unwrap()
        .into_iter()
        .map(|d| (d.id, d.duration_ms, d.path))
        .collect();
    let made: Vec<_> = drafts
        .iter()
        .map(|d| (d.id.clone(), d.duration_ms, d.path.clone()))
        .collect();
    assert_eq!(listed, made, "both drafts are listed, oldest first");

    // To a voice channel as a voice note, elsewhere as an audio file.
    agent
        .send_voice_draft(&ContactId(voice_contact.clone()), &drafts[0].id)
        .unwrap();
    agent
        .send_voice_draft(&ContactId(audio_contact.clone()), &drafts[1].id)
        .unwrap();
    assert!(
        agent.voice_drafts().unwrap().is_empty(),
        "sent drafts are gone"
    );
    assert!(
        voice_files(data.path()).is_empty(),
        "{:?}",
        voice_files(data.path())
    );
    let flushed = agent.flush().await.unwrap();
    assert_eq!(flushed.failed, 0);
    let deadline = Instant::now() + Duration::from_secs(15);
    while !agent.outbox().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the outbox did not empty");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (contact, kind, draft) in [
        (&voice_contact, "voice", &drafts[0]),
        (&audio_contact, "audio", &drafts[1]),
    ] {
        let a = world.outgoing_attachment(contact).await;
        assert_eq!(a["kind"], kind, "{a}");
        assert_eq!(a["duration_ms"], draft.duration_ms, "{a}");
        assert_eq!(a["waveform"], json!(draft.waveform), "{a}");
        assert_eq!(a["size"], draft.size_bytes, "{a}");
        assert!(a["mime"].as_str().unwrap().starts_with("audio/"), "{a}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_stops_at_the_cap_with_a_draft_and_cancel_leaves_nothing() {
    messenger_e2e::require_audio!();
    let _sink = sink();
    let dir = artifacts::dir_for("voice_agent_cap");
    let world = World::start(&dir).await;
    let data = tempfile::tempdir().unwrap();
    let mut config = AgentConfig::new(data.path().to_path_buf());
    config.voice_max = Duration::from_secs(2);
    let agent = signed_in_agent(&world, config).await;

    let mut events = agent.subscribe();
    let started = agent.start_recording(None).unwrap();
    assert_eq!(started.max_ms, 2000);
    let (reason, message, draft) = stopped_event(&mut events, Duration::from_secs(15)).await;
    assert_eq!(reason, RecordingStopReason::Cap);
    assert!(message.contains("0:02 limit"), "{message}");
    let draft = draft.expect("a capped recording is kept");
    assert!(draft.stopped_by_cap);
    assert_eq!(draft.duration_ms, 2000, "exactly the cap");
    let (_, length) = audio::opusinfo(Path::new(&draft.path)).unwrap();
    assert_close(length, Duration::from_secs(2), "capped draft");
    assert!(!agent.is_recording());
    assert!(
        agent.stop_recording().await.is_err(),
        "nothing left to stop after the cap"
    );

    // Cancel: no draft, no capture, nothing in the voice folder but the capped draft.
    agent.discard_voice_draft(&draft.id).unwrap();
    assert!(voice_files(data.path()).is_empty());
    agent.start_recording(None).unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(
        !voice_files(data.path()).is_empty(),
        "the capture is on disk while recording"
    );
    agent.cancel_recording().unwrap();
    assert!(!agent.is_recording());
    assert!(
        voice_files(data.path()).is_empty(),
        "{:?}",
        voice_files(data.path())
    );
    assert!(agent.voice_drafts().unwrap().is_empty());
    assert!(
        stopped_or_nothing(&mut events).await.is_none(),
        "cancel is not a stop"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_account_has_its_own_recording_and_signing_out_cancels_it() {
    messenger_e2e::require_audio!();
    let _sink = sink();
    let dir = artifacts::dir_for("voice_agent_sign_out");
    let world = World::start(&dir).await;
    let (data_a, data_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = signed_in_agent(&world, AgentConfig::new(data_a.path().to_path_buf())).await;
    let b = signed_in_agent(&world, AgentConfig::new(data_b.path().to_path_buf())).await;

    let inputs = a.voice_inputs().unwrap();
    assert!(
        inputs.iter().all(|i| !i.id.starts_with("alsa:null")),
        "no ALSA plug-ins offered: {inputs:?}"
    );
    let chosen = &inputs[0];
    a.start_recording(Some(chosen.name.clone())).unwrap();
    assert!(a.is_recording() && !b.is_recording(), "not shared");
    let by_id = b.start_recording(Some(chosen.id.clone())).unwrap();
    assert!(b.is_recording());
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(!voice_files(data_a.path()).is_empty());

    a.logout().await.unwrap();
    assert!(!a.is_recording(), "signing out cancels the recording");
    assert!(
        voice_files(data_a.path()).is_empty(),
        "nothing is left: {:?}",
        voice_files(data_a.path())
    );
    assert!(a.cancel_recording().is_ok(), "cancel signed out is a no-op");
    let draft = b.stop_recording().await.unwrap();
    assert_eq!(draft.id, by_id.id, "the other agent's recording went on");
    assert!(draft.duration_ms >= 1000, "{draft:?}");
}

async fn stopped_or_nothing(events: &mut broadcast::Receiver<AgentEvent>) -> Option<AgentEvent> {
    let deadline = Instant::now() + Duration::from_millis(500);
    while let Ok(Ok(e)) = tokio::time::timeout(
        deadline.saturating_duration_since(Instant::now()),
        events.recv(),
    )
    .await
    {
        if matches!(e, AgentEvent::RecordingStopped { .. }) {
            return Some(e);
        }
    }
    None
}

// ---- Losing the microphone mid-recording ----

/// Records from the second PulseAudio (PULSE_SERVER set by the parent), marks when a second
/// and a half is in, and expects the recording to stop by itself as device-lost with the
/// partial recording kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by losing_the_microphone_keeps_the_partial_recording in a child process"]
async fn probe_device_lost() {
    let server = std::env::var("VOICE_PROBE_SERVER").unwrap();
    let data = PathBuf::from(std::env::var("VOICE_PROBE_DATA").unwrap());
    let mark = PathBuf::from(std::env::var("VOICE_PROBE_MARK").unwrap());
    let agent = Agent::open(AgentConfig::new(data)).unwrap();
    agent
        .login(&server, "owner@example.com", "owner-password")
        .await
        .unwrap();
    let mut events = agent.subscribe();
    agent.start_recording(None).unwrap();
    let levels = levels_until(&mut events, 1500).await;
    assert!(
        levels.last().is_some_and(|l| l.1 >= 1500),
        "sound flowed: {levels:?}"
    );
    std::fs::write(&mark, "recording").unwrap();
    let (reason, message, draft) = stopped_event(&mut events, Duration::from_secs(20)).await;
    assert_eq!(reason, RecordingStopReason::DeviceLost, "{message}");
    assert!(message.contains("stopped working"), "{message}");
    assert!(message.contains("kept"), "{message}");
    let draft = draft.expect("the partial recording is kept");
    assert!(draft.duration_ms >= 1500, "{draft:?}");
    assert!(!agent.is_recording());
    println!("DRAFT {}", draft.path);
}

#[test]
fn losing_the_microphone_keeps_the_partial_recording() {
    messenger_e2e::require_audio!();
    let dir = artifacts::dir_for("voice_device_lost");

    // The command line: killed server → non-zero exit, the sentence, the partial note kept.
    let mut pulse = PrivatePulse::start(&dir.join("pulse-cli")).unwrap();
    let note = dir.join("lost.ogg");
    let data = tempfile::tempdir().unwrap();
    let mut child = agent_cli()
        .args(["record", "--out"])
        .arg(&note)
        .env("PULSE_SERVER", &pulse.server)
        .env("MESSENGER_AGENT_DATA_DIR", data.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let capture = dir.join("lost.ogg.capture.wav");
    wait_for(
        Duration::from_secs(20),
        "a second and a half of capture",
        || std::fs::metadata(&capture).is_ok_and(|m| m.len() > 48_000),
    );
    pulse.kill();
    let out = wait_output(
        child_with_timeout(&mut child, Duration::from_secs(30)),
        child,
    );
    assert!(!out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("The microphone stopped working"),
        "{}",
        text(&out)
    );
    assert!(stderr.contains("kept in"), "{}", text(&out));
    let (_, length) = audio::opusinfo(&note).unwrap();
    assert!(length >= Duration::from_millis(1500), "kept {length:?}");

    // The library, through the agent: RecordingStopped { device_lost } with the draft.
    let world = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(World::start(&dir));
    let mut pulse = PrivatePulse::start(&dir.join("pulse-lib")).unwrap();
    let data = tempfile::tempdir().unwrap();
    let mark = dir.join("probe-recording");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "probe_device_lost", "--nocapture"])
        .env("PULSE_SERVER", &pulse.server)
        .env("VOICE_PROBE_SERVER", &world.server.base_url)
        .env("VOICE_PROBE_DATA", data.path())
        .env("VOICE_PROBE_MARK", &mark)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(Duration::from_secs(30), "the probe to record", || {
        mark.exists()
    });
    pulse.kill();
    let out = wait_output(
        child_with_timeout(&mut child, Duration::from_secs(40)),
        child,
    );
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("1 passed"), "{}", text(&out));
    let draft = stdout
        .lines()
        .find_map(|l| l.strip_prefix("DRAFT "))
        .unwrap_or_else(|| panic!("no draft path: {}", text(&out)));
    let (_, length) = audio::opusinfo(Path::new(draft.trim())).unwrap();
    assert!(length >= Duration::from_millis(1500), "kept {length:?}");
}

fn wait_for(within: Duration, what: &str, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + within;
    while !ready() {
        assert!(Instant::now() < deadline, "waited {within:?} for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits for the child to exit by itself (killing it after `within`); true when it did.
fn child_with_timeout(child: &mut std::process::Child, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    false
}

fn wait_output(exited: bool, child: std::process::Child) -> Output {
    let out = child.wait_with_output().unwrap();
    assert!(exited, "did not end by itself: {}", text(&out));
    out
}
