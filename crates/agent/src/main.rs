//! `messenger-agent`: the agent core as a small command-line program for scripts and tests,
//! over the same library and cache as the desktop app.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use messenger_agent::{Agent, AgentConfig};

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
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
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

async fn run(command: Command) -> messenger_agent::AgentResult<()> {
    let agent = Agent::open(AgentConfig::from_env()?)?;
    match command {
        Command::Login {
            server,
            email,
            password,
        } => {
            let s = agent.login(&server, &email, &password).await?;
            println!(
                "signed in to {} as {} <{}>",
                s.server_url, s.user.name, s.user.email
            );
        }
        Command::Logout => {
            agent.logout().await?;
            println!("signed out");
        }
        Command::Whoami => match agent.session()? {
            None => println!("not signed in"),
            Some(local) => match agent.refresh_session().await {
                Ok(s) => println!(
                    "{} <{}> on {} (online)",
                    s.user.name, s.user.email, s.server_url
                ),
                Err(e) if e.is_transient() => println!(
                    "{} <{}> on {} (offline: {e})",
                    local.user.name, local.user.email, local.server_url
                ),
                Err(e) => return Err(e),
            },
        },
    }
    Ok(())
}
