//! `messenger-agent`: the agent core as a small command-line program for scripts and tests,
//! over the same library and cache as the desktop app (`MESSENGER_AGENT_DATA_DIR`).

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use messenger_agent::view::{SearchHitKind, SyncStatus};
use messenger_agent::{Agent, AgentConfig, AgentError};
use messenger_protocol::{ContactId, ContactView};

/// Prints a line; a reader that went away (`| head`) ends the program quietly.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

#[derive(Debug, Parser)]
#[command(
    name = "messenger-agent",
    version,
    about = "IS-Messenger agent core (command line)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum View {
    All,
    Mine,
    Unassigned,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sign in and keep the session in the agent's data directory.
    Login {
        #[arg(long, env = "MESSENGER_SERVER_URL")]
        server: String,
        #[arg(long)]
        email: String,
        #[arg(long, env = "MESSENGER_PASSWORD")]
        password: String,
    },
    /// Sign out (the server forgets the token; the local session is removed).
    Logout,
    /// Show who is signed in, checking with the server when it can be reached.
    Whoami,
    /// Catch up with the server once and print what was applied; `--follow` stays live.
    Sync {
        #[arg(long)]
        follow: bool,
    },
    /// Contacts from the local cache, one a line: id, name, assignee, last message.
    Contacts {
        #[arg(long, value_enum, default_value = "all")]
        view: View,
    },
    /// Search the local cache (works offline): contact id, contact name, snippet.
    Search { query: String },
    /// Send a message through the outbox; prints `sent` or `pending` (queued for later).
    Send { contact: String, text: String },
    /// What is still queued in the outbox.
    Outbox,
    /// Try to deliver the outbox now.
    Flush,
    /// Record from the default microphone (or `--device`) into FILE: Ogg/Opus, or WAV when
    /// FILE ends in `.wav`. Stops after `--seconds`, on Ctrl-C, or at the 5:00 cap. Needs no
    /// sign-in.
    Record {
        #[arg(long, value_name = "FILE", required_unless_present = "list_devices")]
        out: Option<std::path::PathBuf>,
        #[arg(long)]
        seconds: Option<f64>,
        /// A microphone's id or name (see `--list-devices`).
        #[arg(long)]
        device: Option<String>,
        /// List the microphones (id, name, and `default` for the default one) and exit.
        #[arg(long)]
        list_devices: bool,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("messenger-agent: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("messenger-agent: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One line of output; tabs and newlines inside values would break the columns.
fn cell(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

async fn run(command: Command) -> messenger_agent::AgentResult<()> {
    if let Command::Record {
        out,
        seconds,
        device,
        list_devices,
    } = command
    {
        return record(out, seconds, device, list_devices).await;
    }
    let agent = Agent::open_async(AgentConfig::from_env()?).await?;
    match command {
        Command::Login {
            server,
            email,
            password,
        } => {
            let s = agent.login(&server, &email, &password).await?;
            // Said once, where the token is written, when it is not in the keychain.
            if let Some(notice) = agent.token_storage().notice() {
                eprintln!("{notice}");
            }
            out!(
                "signed in to {} as {} <{}>",
                s.server_url,
                s.user.name,
                s.user.email
            );
        }
        Command::Logout => {
            agent.logout().await?;
            out!("signed out");
        }
        Command::Whoami => match agent.session()? {
            None => out!("not signed in"),
            Some(local) => match agent.refresh_session().await {
                Ok(s) => out!(
                    "{} <{}> on {} (online)",
                    s.user.name,
                    s.user.email,
                    s.server_url
                ),
                Err(e) if e.is_transient() => out!(
                    "{} <{}> on {} (offline: {e})",
                    local.user.name,
                    local.user.email,
                    local.server_url
                ),
                Err(e) => return Err(e),
            },
        },
        Command::Sync { follow } => {
            let fresh = agent.account()?.cache.last_seq()?.is_none();
            let applied = agent.sync_once().await?;
            if fresh {
                out!("bootstrapped from the server's snapshot");
            }
            let account = agent.account()?;
            let (contacts, conversations, messages) = account.cache.counts()?;
            out!(
                "applied {applied} events (at seq {}); cached {contacts} contacts, {conversations} conversations, {messages} messages",
                messenger_agent::sync::position(&account)?
            );
            if follow {
                agent.start()?;
                let mut state = account.subscribe_state();
                let mut events = agent.subscribe();
                loop {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => break,
                        changed = state.changed() => {
                            if changed.is_err() { break; }
                            let s = state.borrow().clone();
                            out!("{:?}{}", s.status, s.last_error.map(|e| format!(": {e}")).unwrap_or_default());
                            if s.status == SyncStatus::SignedOut { return Err(AgentError::SignedOut); }
                        }
                        e = events.recv() => {
                            if let Ok(messenger_agent::view::AgentEvent::TimelineChanged { contact_id }) = e {
                                out!("timeline {contact_id} changed (seq {})", messenger_agent::sync::position(&account)?);
                            }
                        }
                    }
                }
            }
        }
        Command::Contacts { view } => {
            let view = match view {
                View::All => ContactView::All,
                View::Mine => ContactView::Mine,
                View::Unassigned => ContactView::Unassigned,
            };
            for row in agent.contacts(view)?.rows {
                let c = row.contact;
                out!(
                    "{}\t{}\t{}\t{}",
                    c.id,
                    cell(&c.name),
                    c.assignee_id
                        .map(|a| a.to_string())
                        .unwrap_or_else(|| "-".into()),
                    cell(c.last_message_preview.as_deref().unwrap_or(""))
                );
            }
        }
        Command::Search { query } => {
            for hit in agent.search(&query, 50)? {
                let snippet = hit.snippet.replace("<mark>", "[").replace("</mark>", "]");
                let kind = match hit.kind {
                    SearchHitKind::Message => "message",
                    SearchHitKind::Comment => "comment",
                    SearchHitKind::Contact => "contact",
                };
                out!(
                    "{}\t{}\t{}\t{kind}",
                    hit.contact_id,
                    cell(&hit.contact_name),
                    cell(&snippet)
                );
            }
        }
        Command::Send { contact, text } => {
            let item = agent.send_message(&ContactId(contact), Some(text), Vec::new(), None)?;
            let report = agent.flush().await;
            let still = agent.outbox()?.iter().any(|e| e.id == item.id);
            match (still, report) {
                (false, _) => out!("sent"),
                (true, _) => {
                    let entry = agent.outbox()?.into_iter().find(|e| e.id == item.id);
                    match entry {
                        Some(e) if e.failed => {
                            return Err(AgentError::Invalid(format!(
                                "refused: {}",
                                e.error.unwrap_or_default()
                            )));
                        }
                        _ => out!("pending"),
                    }
                }
            }
        }
        Command::Outbox => {
            for e in agent.outbox()? {
                out!(
                    "{}\t{}\t{}\t{}\t{}",
                    e.client_id,
                    e.kind,
                    e.contact_id
                        .map(|c| c.to_string())
                        .unwrap_or_else(|| "-".into()),
                    if e.failed { "failed" } else { "queued" },
                    cell(e.error.as_deref().unwrap_or(""))
                );
            }
        }
        Command::Record { .. } => {}
        Command::Flush => {
            let r = agent.flush().await?;
            let left = agent.outbox()?.len();
            out!(
                "delivered {}, failed {}, still queued {left}",
                r.delivered,
                r.failed
            );
        }
    }
    Ok(())
}

/// `messenger-agent record`: the voice-note pipeline without the app or a session.
async fn record(
    out: Option<std::path::PathBuf>,
    seconds: Option<f64>,
    device: Option<String>,
    list_devices: bool,
) -> messenger_agent::AgentResult<()> {
    use messenger_agent::voice::{self, Recorder, RecorderUpdate, RecordingOptions, StopReason};

    if list_devices {
        for d in voice::voice_inputs()? {
            let default = if d.is_default { "default" } else { "" };
            out!("{}\t{}\t{default}", d.id, cell(&d.name));
        }
        return Ok(());
    }
    let Some(out) = out else {
        return Err(AgentError::Invalid(
            "Say where to record: --out FILE.".into(),
        ));
    };
    let cap = AgentConfig::from_env()?.voice_max;
    let max = match seconds {
        Some(s) if s > 0.0 && s.is_finite() => std::time::Duration::from_secs_f64(s).min(cap),
        Some(_) => return Err(AgentError::Invalid("--seconds must be more than 0.".into())),
        None => cap,
    };
    let (stopped_tx, mut stopped) = tokio::sync::mpsc::unbounded_channel();
    let recorder = Recorder::start(
        RecordingOptions {
            device,
            max,
            wav_path: voice::note_file::capture_path(&out),
        },
        move |update| {
            if let RecorderUpdate::StoppedByItself { .. } = update {
                let _ = stopped_tx.send(());
            }
        },
    )?;
    eprintln!(
        "recording from {} (up to {:.0} s; Ctrl-C stops)",
        recorder.device(),
        max.as_secs_f64()
    );
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = stopped.recv() => {}
    }
    let recording = tokio::task::spawn_blocking(move || recorder.stop())
        .await
        .map_err(|e| AgentError::Io(format!("The recording could not be finished: {e}")))??;
    let saved = voice::note_file::save(&recording, &out)?;
    out!(
        "recorded {:.2} s ({} ms), {} bytes: {}",
        saved.duration_ms as f64 / 1000.0,
        saved.duration_ms,
        saved.size_bytes,
        saved.path.display()
    );
    match recording.reason {
        // Asked for longer than the cap (or for no length at all).
        StopReason::Cap if seconds.is_none_or(|s| max.as_secs_f64() < s) => {
            eprintln!("stopped at the length limit ({:.1} s)", max.as_secs_f64());
            Ok(())
        }
        StopReason::Requested | StopReason::Cap => Ok(()),
        StopReason::DeviceLost | StopReason::Failed => {
            let why = recording
                .problem
                .map(|p| p.to_string())
                .unwrap_or_else(|| "The recording stopped.".into());
            Err(AgentError::Io(format!(
                "{why} The recording so far was kept in {}.",
                saved.path.display()
            )))
        }
    }
}
