//! The command line: `serve`, `demo`, `user add` and `copy`, as DESIGN.md writes them.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use messenger_protocol::Role;

use crate::secrets::{SecretKey, SecretKeySetting};

#[derive(Debug, Parser)]
#[command(name = "messenger-server", version, about = "IS-Messenger server")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the v1 API.
    Serve(ServeArgs),
    /// Serve a seeded demo workspace (users, contacts with history, snippets) with simulated
    /// contacts writing in through the real webhook every few seconds.
    Demo(ServeArgs),
    /// Copy a whole workspace from SQLite into an empty PostgreSQL database (moving up to
    /// several instances); the source is only read.
    Copy(CopyArgs),
    /// Manage users from the command line (works while the server runs).
    #[command(subcommand)]
    User(UserCommand),
}

/// Where the data lives; shared by every command.
#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// Directory for messenger.db, files/ and secret.key (the defaults of each).
    #[arg(long, env = "MESSENGER_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Database URL: sqlite://PATH, or postgres://USER@HOST:PORT/DB for several instances on
    /// one PostgreSQL; default: <data-dir>/messenger.db.
    #[arg(long = "database", env = "MESSENGER_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Directory of uploaded and fetched files; instances on one PostgreSQL must share it.
    /// Default: <data-dir>/files.
    #[arg(long, env = "MESSENGER_FILES_DIR", value_name = "DIR")]
    pub files_dir: Option<PathBuf>,
    #[command(flatten)]
    pub key: SecretKeyArgs,
}

/// Where the key that seals channel secrets comes from.
#[derive(Debug, Clone, Args)]
pub struct SecretKeyArgs {
    /// The 256-bit key that encrypts channel secrets in the database, as base64 or 64 hex
    /// digits. Prefer the environment variable (a flag shows in the process list). Default:
    /// <data-dir>/secret.key, created with mode 0600 on first start. Back the key up: without
    /// it the channels' credentials cannot be recovered.
    #[arg(
        long,
        env = "MESSENGER_SECRET_KEY",
        hide_env_values = true,
        value_name = "KEY",
        conflicts_with = "secret_key_file"
    )]
    pub secret_key: Option<String>,
    /// A file holding that key (base64 or hex; readable by its owner only); it wins over
    /// <data-dir>/secret.key and is never created by the server.
    #[arg(long, env = "MESSENGER_SECRET_KEY_FILE", value_name = "PATH")]
    pub secret_key_file: Option<PathBuf>,
}

impl SecretKeyArgs {
    /// Where the secret key comes from; the key itself is parsed here so that a malformed one
    /// is reported without being echoed.
    pub fn setting(&self) -> Result<SecretKeySetting, String> {
        if let Some(text) = &self.secret_key {
            return SecretKey::parse(text)
                .map(SecretKeySetting::Value)
                .ok_or_else(|| {
                    "MESSENGER_SECRET_KEY (--secret-key) must be a 32-byte key written as base64 \
                     or as 64 hex digits"
                        .to_owned()
                });
        }
        Ok(match &self.secret_key_file {
            Some(path) => SecretKeySetting::File(path.clone()),
            None => SecretKeySetting::DataDir,
        })
    }
}

/// `copy --from sqlite://PATH --to postgres://…`: a whole workspace into an empty database.
#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The workspace to copy: sqlite://PATH of its messenger.db.
    #[arg(long, value_name = "URL")]
    pub from: String,
    /// An empty PostgreSQL database: postgres://USER@HOST:PORT/DB.
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// The source's secret key; default: secret.key beside the SQLite file. The PostgreSQL
    /// instances must then run with the same key.
    #[command(flatten)]
    pub key: SecretKeyArgs,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the chosen address is printed).
    #[arg(long, env = "MESSENGER_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub storage: StorageArgs,
    /// How providers and apps reach this server, for signed links (default: the listen address).
    #[arg(long, env = "MESSENGER_PUBLIC_URL")]
    pub public_url: Option<String>,
    #[command(flatten)]
    pub sign_in: SignInArgs,
    /// How long a claimed job stays this instance's, in milliseconds (renewed while it runs;
    /// a dead instance's jobs are taken over after it). Hidden: tests of several instances
    /// shorten it to see a takeover quickly.
    #[arg(
        long,
        env = "MESSENGER_JOB_LEASE_MS",
        default_value_t = 60_000,
        hide = true
    )]
    pub job_lease_ms: u64,
}

/// Limits on sign-in that depend on where the server runs.
#[derive(Debug, Clone, Args)]
pub struct SignInArgs {
    /// Failed sign-ins per client address and minute before the address must wait (raise it
    /// when many people sign in from behind one NAT address).
    #[arg(
        long,
        env = "MESSENGER_SIGN_IN_FAILURES_PER_ADDRESS",
        default_value_t = 30
    )]
    pub sign_in_failures_per_address: u32,
    /// A reverse proxy whose `X-Forwarded-For` names the client (repeat, or comma-separate).
    /// Without one, the TCP peer is the client.
    #[arg(
        long = "trusted-proxy",
        env = "MESSENGER_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<IpAddr>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user.
    Add(UserAddArgs),
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub name: String,
    /// At least 8 characters.
    #[arg(long)]
    pub password: String,
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// Do nothing (and succeed) when the workspace already has users; for first-run scripts.
    #[arg(long)]
    pub if_no_users: bool,
    #[command(flatten)]
    pub storage: StorageArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Owner,
    Manager,
    Agent,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Owner => Role::Owner,
            RoleArg::Manager => Role::Manager,
            RoleArg::Agent => Role::Agent,
        }
    }
}
