//! Voice notes through the desktop app: record from the microphone (the session's PulseAudio
//! null sink, fed with espeak-ng speech), play back, delete, record again and send. The server
//! stores a `voice` attachment on a channel that takes voice notes and an `audio` attachment on
//! one that does not.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use messenger_e2e::audio::{Playback, speech};
use messenger_e2e::provider::Provider;
use messenger_e2e::webdriver::WebDriver;
use messenger_e2e::workspace::Workspace;
use messenger_e2e::{DesktopApp, ServerProcess, artifacts, require_audio, require_desktop};
use serde_json::Value;

const SAM: (&str, &str, &str, &str) = ("sam@example.com", "Sam Support", "sam-password", "agent");
const LONG: Duration = Duration::from_secs(30);

/// Seconds shown by the recorder's timer ("0:03" → 3).
fn timer_seconds(wd: &WebDriver) -> u64 {
    let Ok(Some(e)) = wd.try_find("[data-testid=\"recorder-timer\"]") else {
        return 0;
    };
    let text = wd.text(&e).unwrap_or_default();
    let (m, s) = text.split_once(':').unwrap_or(("0", "0"));
    m.trim().parse::<u64>().unwrap_or(0) * 60 + s.trim().parse::<u64>().unwrap_or(0)
}

/// Records about three seconds of speech through the composer's recorder.
fn record_speech(wd: &WebDriver, wav: &std::path::Path) {
    wd.wait(
        "[data-testid=\"voice-recorder\"][data-phase=\"recording\"]",
        LONG,
    )
    .unwrap();
    let _voice = Playback::start(wav, None).unwrap();
    wd.until("three seconds recorded", LONG, || {
        Ok((timer_seconds(wd) >= 3).then_some(()))
    })
    .unwrap();
    wd.click(&wd.testid("recorder-stop").unwrap()).unwrap();
    wd.wait(
        "[data-testid=\"voice-recorder\"][data-phase=\"recorded\"]",
        LONG,
    )
    .unwrap();
}

/// Opens a contact from the list. Rows are recycled by position, so a row found just before the
/// list re-sorts (a reply moves its contact to the top) may show another contact by the time it
/// is clicked: find it again and retry until its conversation is open.
fn open_contact(wd: &WebDriver, id: &str) {
    let row = format!("[data-testid=\"contact-item\"][data-contact-id=\"{id}\"]");
    let header = format!("[data-testid=\"conversation-header\"][data-contact-id=\"{id}\"]");
    wd.until("the contact's conversation is open", LONG, || {
        // A click on a row being re-rendered may fail; the next round finds it again.
        if let Some(e) = wd.try_find(&row)?
            && wd.click(&e).is_err()
        {
            return Ok(None);
        }
        wd.wait(&header, Duration::from_secs(2))
            .map(Some)
            .or(Ok(None))
    })
    .unwrap();
}

fn sent_attachment(ws: &Workspace, contact: &str) -> Value {
    ws.eventually("the voice note is stored", LONG, || {
        Ok(ws.messages(contact)?.into_iter().find_map(|m| {
            let a = m["attachments"].get(0)?.clone();
            (m["direction"] == "outgoing" && a["status"] == "ready").then_some(a)
        }))
    })
    .unwrap()
}

#[test]
fn records_plays_deletes_and_sends_voice_notes() {
    require_desktop!();
    require_audio!();
    let artifacts = artifacts::dir_for("voice_in_app");
    let data = tempfile::tempdir().unwrap();
    Workspace::add_users(data.path(), &[SAM]).unwrap();
    let server = ServerProcess::start(data.path(), &artifacts.join("server.log")).unwrap();
    let provider = Provider::start().unwrap();
    let ws = Workspace::open(
        &server.base_url,
        "WhatsApp",
        true,
        Some(&provider.outbound_url),
    )
    .unwrap();
    let web_chat = ws
        .add_channel("Web chat", false, Some(&provider.outbound_url))
        .unwrap();
    ws.incoming("wa-1", "Vera", "v-1", "Can you explain by voice?")
        .unwrap();
    ws.incoming_on(&web_chat, "web-1", "Walt", "w-1", "Hello from the website")
        .unwrap();
    let vera = ws.contact_by_external("wa-1").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let walt = ws.contact_by_external("web-1").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let wav = speech(&artifacts, "Hello, this is a voice note about your order.").unwrap();

    let agent_data = tempfile::tempdir().unwrap();
    let mut app = DesktopApp::start(&artifacts, agent_data.path(), &server.base_url).unwrap();
    let wd = app.wd();
    wd.fill(&wd.testid("login-email").unwrap(), SAM.0).unwrap();
    wd.fill(&wd.testid("login-password").unwrap(), SAM.2)
        .unwrap();
    wd.click(&wd.testid("login-submit").unwrap()).unwrap();

    // Record, play it back, delete it: the recorder starts again.
    open_contact(wd, &vera);
    wd.click(&wd.testid("composer-record").unwrap()).unwrap();
    record_speech(wd, &wav);
    wd.click(&wd.testid("recorder-play").unwrap()).unwrap();
    wd.wait(
        "[data-testid=\"recorder-player\"][data-playing=\"true\"]",
        LONG,
    )
    .unwrap();
    app.screenshot("voice-recorded").unwrap();
    let wd = app.wd();
    wd.click(&wd.testid("recorder-delete").unwrap()).unwrap();

    // Record again and send: a voice note on a channel that takes them.
    record_speech(wd, &wav);
    wd.click(&wd.testid("recorder-send").unwrap()).unwrap();
    let voice = sent_attachment(&ws, &vera);
    assert_eq!(voice["kind"], "voice", "{voice}");
    assert_eq!(voice["mime"], "audio/ogg", "{voice}");
    let ms = voice["duration_ms"].as_u64().unwrap();
    assert!((2500..=15_000).contains(&ms), "duration {ms} ms");
    assert!(!voice["waveform"].as_array().unwrap().is_empty());
    wd.wait(
        "[data-testid=\"attachment\"][data-kind=\"voice\"] [data-testid=\"audio-player\"]",
        LONG,
    )
    .unwrap();
    // Not played yet, and not reported unplayable either.
    let complaints = wd
        .execute(
            "return [...document.querySelectorAll('[data-testid=\"audio-player\"] [role=alert]')]\
             .map(e => e.textContent).join(' / ')",
            serde_json::json!([]),
        )
        .unwrap();
    assert_eq!(complaints, "", "the sent note's player reports a problem");
    let messages = ws.messages(&vera).unwrap();
    assert_eq!(
        messages
            .iter()
            .filter(|m| m["direction"] == "outgoing")
            .count(),
        1,
        "the deleted recording was not sent"
    );

    // A channel without voice notes gets the recording as an audio file.
    open_contact(wd, &walt);
    wd.click(&wd.testid("composer-record").unwrap()).unwrap();
    record_speech(wd, &wav);
    wd.click(&wd.testid("recorder-send").unwrap()).unwrap();
    let audio = sent_attachment(&ws, &walt);
    assert_eq!(audio["kind"], "audio", "{audio}");
    app.screenshot("voice-sent").unwrap();
}
