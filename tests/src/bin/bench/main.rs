//! `make bench`: the performance figures of IS-Messenger, measured on this machine with release
//! builds, real processes and real files. Each scenario prints its figures and the target.

mod agent;
mod backend;
mod desktop;
mod fanout;
mod report;
mod reports;
mod sqlite_baseline;
mod sync_catch_up;
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
    /// The same on PostgreSQL (`MESSENGER_BENCH_DATABASE_URL`), one instance and two.
    WebhooksPostgres,
    /// 1,000 agent streams, inbound at 200 messages/s: webhook → frame latency (SQLite).
    Fanout,
    /// The same with two instances on PostgreSQL, writes on one seen on the other.
    FanoutPostgres,
    /// Catch-up of 100,000 events through `/sync` pages (SQLite).
    SyncCatchUp,
    /// The same on PostgreSQL, written through two instances, read from one.
    SyncCatchUpPostgres,
    /// Issue 12's figures side by side: webhooks on SQLite and PostgreSQL, fan-out and
    /// catch-up on PostgreSQL.
    ScaleOut,
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
        Scenario::WebhooksPostgres,
        Scenario::Fanout,
        Scenario::FanoutPostgres,
        Scenario::SyncCatchUp,
        Scenario::SyncCatchUpPostgres,
        Scenario::Reports,
        Scenario::AgentCatchUp,
        Scenario::AgentLatency,
        Scenario::AgentSearch,
        Scenario::Voice,
        Scenario::Desktop,
    ];
    let chosen: Vec<Scenario> = match cli.scenario {
        None => all.to_vec(),
        Some(Scenario::ScaleOut) => vec![
            Scenario::Webhooks,
            Scenario::WebhooksPostgres,
            Scenario::FanoutPostgres,
            Scenario::SyncCatchUpPostgres,
        ],
        Some(s) => vec![s],
    };
    let mut report = report::Report::default();
    for s in chosen {
        match s {
            Scenario::Webhooks => runtime.block_on(webhooks::run(&mut report))?,
            Scenario::WebhooksPostgres => runtime.block_on(webhooks::run_postgres(&mut report))?,
            Scenario::Fanout => runtime.block_on(fanout::run(&mut report))?,
            Scenario::FanoutPostgres => runtime.block_on(fanout::run_postgres(&mut report))?,
            Scenario::SyncCatchUp => runtime.block_on(sync_catch_up::run(&mut report))?,
            Scenario::SyncCatchUpPostgres => {
                runtime.block_on(sync_catch_up::run_postgres(&mut report))?
            }
            // Expanded above.
            Scenario::ScaleOut => {}
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
