//! `make bench`: the performance figures of IS-Messenger, measured on this machine with release
//! builds, real processes and real files. Each scenario prints its figures and the target.

mod agent;
mod desktop;
mod report;
mod reports;
mod sqlite_baseline;
mod voice;
mod webhooks;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "messenger-bench", about = "IS-Messenger benchmarks")]
struct Cli {
    #[command(subcommand)]
    scenario: Option<Scenario>,
}

#[derive(Subcommand, Clone, Copy)]
enum Scenario {
    /// Inbound webhook messages/s with durability on, 64 concurrent senders, next to raw SQLite.
    Webhooks,
    /// Report query time over 1,000,000 closed conversations.
    Reports,
    /// The agent catching up 100k events.
    AgentCatchUp,
    /// Webhook → agent cache latency under load.
    AgentLatency,
    /// Offline search over 500k cached messages.
    AgentSearch,
    /// The desktop app: start to painted inbox and idle memory with a large cache (needs a
    /// display; `scripts/bench` starts a headless session).
    Desktop,
    /// Voice notes: CPU while recording speech, encode time, bytes per minute (needs the
    /// audio session; `scripts/bench` starts one).
    Voice,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let all = [
        Scenario::Webhooks,
        Scenario::Reports,
        Scenario::AgentCatchUp,
        Scenario::AgentLatency,
        Scenario::AgentSearch,
        Scenario::Voice,
        Scenario::Desktop,
    ];
    let chosen: Vec<Scenario> = cli
        .scenario
        .map(|s| vec![s])
        .unwrap_or_else(|| all.to_vec());
    let mut report = report::Report::default();
    for s in chosen {
        match s {
            Scenario::Webhooks => runtime.block_on(webhooks::run(&mut report))?,
            Scenario::Reports => runtime.block_on(reports::run(&mut report))?,
            Scenario::AgentCatchUp => runtime.block_on(agent::catch_up(&mut report))?,
            Scenario::AgentLatency => runtime.block_on(agent::latency(&mut report))?,
            Scenario::AgentSearch => runtime.block_on(agent::search(&mut report))?,
            Scenario::Voice => voice::run(&mut report)?,
            Scenario::Desktop => runtime.block_on(desktop::run(&mut report))?,
        }
    }
    report.print();
    Ok(())
}
