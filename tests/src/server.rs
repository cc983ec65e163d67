//! A real `messenger-server` process on a free loopback port with its own data directory.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};

pub struct ServerProcess {
    child: Child,
    pub base_url: String,
    pub data_dir: PathBuf,
    pub log_path: PathBuf,
}

/// What several instances share besides their own data directories: the database (none: the
/// SQLite file in the data directory), the secret key that seals channel secrets, and the
/// files directory. Empty, a server keeps all of it in its data directory.
#[derive(Debug, Clone, Default)]
pub struct SharedStorage {
    /// `--database` (`postgres://…` or `sqlite://PATH`).
    pub database_url: Option<String>,
    /// `MESSENGER_SECRET_KEY` (base64 or 64 hex digits).
    pub secret_key: Option<String>,
    /// `--files-dir`.
    pub files_dir: Option<PathBuf>,
}

impl SharedStorage {
    /// Adds the flags after the subcommand's own (`serve` takes the files directory too).
    fn apply(&self, cmd: &mut Command, serving: bool) {
        if let Some(url) = &self.database_url {
            cmd.arg("--database").arg(url);
        }
        if let (true, Some(dir)) = (serving, &self.files_dir) {
            cmd.arg("--files-dir").arg(dir);
        }
        if let Some(key) = &self.secret_key {
            // The environment, not a flag: a flag shows in the process list.
            cmd.env("MESSENGER_SECRET_KEY", key);
        }
    }
}

impl ServerProcess {
    /// `messenger-server serve --listen 127.0.0.1:0 --data-dir DIR`; stderr goes to `log_path`.
    pub fn start(data_dir: &Path, log_path: &Path) -> Result<Self> {
        Self::start_on(data_dir, log_path, "127.0.0.1:0")
    }

    /// Like [`start`](Self::start) on a given address (to come back on the same port).
    pub fn start_on(data_dir: &Path, log_path: &Path, listen: &str) -> Result<Self> {
        Self::spawn(
            "serve",
            data_dir,
            log_path,
            listen,
            &SharedStorage::default(),
        )
    }

    /// `serve` on a free port with the database, secret key and files directory `shared`
    /// names (one of several instances on one PostgreSQL).
    pub fn start_shared(data_dir: &Path, log_path: &Path, shared: &SharedStorage) -> Result<Self> {
        Self::spawn("serve", data_dir, log_path, "127.0.0.1:0", shared)
    }

    /// `messenger-server demo`: the seeded demo workspace with simulated contacts.
    pub fn start_demo(data_dir: &Path, log_path: &Path) -> Result<Self> {
        Self::spawn(
            "demo",
            data_dir,
            log_path,
            "127.0.0.1:0",
            &SharedStorage::default(),
        )
    }

    fn spawn(
        command: &str,
        data_dir: &Path,
        log_path: &Path,
        listen: &str,
        shared: &SharedStorage,
    ) -> Result<Self> {
        let log = File::options()
            .create(true)
            .append(true)
            .open(log_path)
            .with_context(|| format!("open {}", log_path.display()))?;
        let mut cmd = Command::new(crate::binaries::server());
        cmd.args([command, "--listen", listen, "--data-dir"])
            .arg(data_dir);
        shared.apply(&mut cmd, true);
        let mut child = cmd
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .context("spawn messenger-server (was it built? `make e2e` builds it)")?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .map_err(|_| anyhow!("messenger-server did not print its address within 30 s"))?;
        let Some(base_url) = line.trim().strip_prefix("messenger-server listening on ") else {
            let _ = child.kill();
            bail!("unexpected first line from messenger-server: {line:?}");
        };
        Ok(Self {
            base_url: base_url.to_owned(),
            child,
            data_dir: data_dir.to_path_buf(),
            log_path: log_path.to_path_buf(),
        })
    }

    /// `host:port` the server listens on.
    pub fn listen_addr(&self) -> &str {
        self.base_url.trim_start_matches("http://")
    }

    /// Adds a user through the command line (`messenger-server user add`).
    pub fn add_user(
        data_dir: &Path,
        email: &str,
        name: &str,
        password: &str,
        role: &str,
    ) -> Result<()> {
        Self::add_user_shared(
            data_dir,
            &SharedStorage::default(),
            email,
            name,
            password,
            role,
        )
    }

    /// [`add_user`](Self::add_user) into the database `shared` names.
    pub fn add_user_shared(
        data_dir: &Path,
        shared: &SharedStorage,
        email: &str,
        name: &str,
        password: &str,
        role: &str,
    ) -> Result<()> {
        let mut cmd = Command::new(crate::binaries::server());
        cmd.args([
            "user",
            "add",
            "--email",
            email,
            "--name",
            name,
            "--password",
            password,
            "--role",
            role,
        ])
        .arg("--data-dir")
        .arg(data_dir);
        shared.apply(&mut cmd, false);
        let out = cmd.output().context("run messenger-server user add")?;
        if !out.status.success() {
            bail!("user add failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(())
    }

    /// Stops the process at once (as a crash or power cut would).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
