use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use messenger_server::cli::{
    Cli, Command, CopyArgs, ServeArgs, SignInArgs, StorageArgs, UserAddArgs, UserCommand,
};
use messenger_server::clock::SystemClock;
use messenger_server::{ServerConfig, app};
use messenger_server::{demo, operator};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("messenger-server: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve(args).await,
            Command::Demo(args) => demo(args).await,
            Command::User(UserCommand::Add(args)) => add_user(args).await,
            Command::Copy(args) => copy(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("messenger-server: {message}");
            ExitCode::FAILURE
        }
    }
}

fn config_from(storage: StorageArgs) -> Result<ServerConfig, String> {
    let secret_key = storage.key.setting()?;
    let mut config = ServerConfig::new(storage.data_dir);
    config.database_url = storage.database_url;
    config.files_dir = storage.files_dir;
    config.secret_key = secret_key;
    Ok(config)
}

/// `copy`: progress on stderr, the table of copied rows on stdout.
async fn copy(args: CopyArgs) -> Result<(), String> {
    let key = args.key.setting()?;
    let started = std::time::Instant::now();
    let mut progress = |line: &str| eprintln!("copy: {line}");
    let copied =
        messenger_server::store::copy::copy_workspace(&args.from, &args.to, &key, &mut progress)
            .await
            .map_err(|e| e.to_string())?;
    let total: u64 = copied.iter().map(|c| c.rows).sum();
    let mut report = String::new();
    for c in &copied {
        report.push_str(&format!("{:<28} {:>10}\n", c.table, c.rows));
    }
    report.push_str(&format!(
        "copied {total} rows in {:.1} s; start every instance with --database {} and the same \
         secret key and files directory\n",
        started.elapsed().as_secs_f64(),
        redact(&args.to)
    ));
    announce(&report);
    Ok(())
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn apply_sign_in(config: &mut ServerConfig, args: SignInArgs) {
    config.sign_in_address_limit.max_failures = args.sign_in_failures_per_address.max(1);
    config.trusted_proxies = args.trusted_proxies;
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let mut config = config_from(args.storage)?;
    config.listen = args.listen;
    config.public_url = args.public_url;
    apply_sign_in(&mut config, args.sign_in);
    // A lease shorter than a few renewals' worth would be lost by a live instance.
    config.job_lease = Duration::from_millis(args.job_lease_ms.max(300));
    let server = app::start(config).await.map_err(|e| e.to_string())?;
    // One line on stdout for scripts and tests that started us with port 0.
    announce(&format!(
        "messenger-server listening on {}\n",
        server.base_url()
    ));
    server.run_until_signal().await.map_err(|e| e.to_string())
}

async fn demo(args: ServeArgs) -> Result<(), String> {
    let mut config = config_from(args.storage)?;
    config.listen = args.listen;
    config.public_url = args.public_url;
    apply_sign_in(&mut config, args.sign_in);
    let every = (Duration::from_secs(2), Duration::from_secs(6));
    let server = demo::start(config, every)
        .await
        .map_err(|e| e.to_string())?;
    announce(&format!(
        "messenger-server listening on {}\n{}",
        server.base_url(),
        demo::sign_in_lines(&server)
    ));
    server.run_until_signal().await.map_err(|e| e.to_string())
}

/// Writes to stdout without dying when nobody reads it any more: a server keeps serving after
/// the script that started it closed its end of the pipe (`println!` would panic on EPIPE).
fn announce(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

async fn add_user(args: UserAddArgs) -> Result<(), String> {
    let config = config_from(args.storage)?;
    let store = app::open_store(&config).map_err(|e| e.to_string())?;
    if args.if_no_users {
        let count = store
            .read(|tx| tx.count_users().map_err(Into::into))
            .await
            .map_err(|e| e.message)?;
        if count > 0 {
            println!("the workspace already has {count} user(s); nobody added");
            return Ok(());
        }
    }
    let clock = Arc::new(SystemClock);
    let user = operator::add_user(
        store.as_ref(),
        clock.as_ref(),
        &args.name,
        &args.email,
        &args.password,
        args.role.into(),
    )
    .await
    .map_err(|e| e.message)?;
    println!(
        "added {} <{}> as {} (id {})",
        user.name,
        user.email,
        user.role.as_str(),
        user.id
    );
    Ok(())
}
