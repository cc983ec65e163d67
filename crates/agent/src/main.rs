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
    let agent = Agent::open(AgentConfig::from_env()?)?;
    match command {
        Command::Login {
            server,
            email,
            password,
        } => {
            let s = agent.login(&server, &email, &password).await?;
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
