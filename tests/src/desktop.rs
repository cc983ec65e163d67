//! The real desktop binary under tauri-driver (which runs WebKitWebDriver), inside the headless
//! session that `scripts/desktop-session` provides.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::webdriver::WebDriver;

/// Why the desktop tests cannot run here, if they cannot.
pub fn desktop_session_available() -> Result<(), String> {
    if std::env::var_os("DISPLAY").is_none() {
        return Err(
            "no DISPLAY (run the suite through scripts/desktop-session or `make e2e`)".into(),
        );
    }
    for tool in ["tauri-driver", "WebKitWebDriver"] {
        if which(tool).is_none() {
            return Err(format!("{tool} is not installed (run scripts/bootstrap)"));
        }
    }
    let app = crate::binaries::desktop();
    if !app.exists() {
        return Err(format!(
            "{} is not built (`make e2e` builds it)",
            app.display()
        ));
    }
    Ok(())
}

/// Skips the calling test with a message when the desktop session is missing; under `CI=true`
/// a missing session fails the test instead.
#[macro_export]
macro_rules! require_desktop {
    () => {
        if let Err(why) = $crate::desktop_session_available() {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("the desktop session is required under CI: {why}");
            }
            eprintln!("SKIPPED: {why}");
            return;
        }
    };
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(tool))
            .find(|p| p.is_file())
    })
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

pub struct DesktopApp {
    driver: Child,
    driver_url: String,
    wd: Option<WebDriver>,
    artifacts: PathBuf,
    log_path: PathBuf,
    shots: usize,
}

impl DesktopApp {
    /// Starts tauri-driver with the app's environment and opens the app.
    pub fn start(artifacts: &Path, agent_data_dir: &Path, server_url: &str) -> Result<Self> {
        Self::start_with_env(artifacts, agent_data_dir, server_url, &[])
    }

    /// Like [`start`](Self::start), with more environment for the app (`GTK_THEME`, say).
    pub fn start_with_env(
        artifacts: &Path,
        agent_data_dir: &Path,
        server_url: &str,
        env: &[(&str, &str)],
    ) -> Result<Self> {
        let port = free_port()?;
        let native_port = free_port()?;
        let log_path = artifacts.join("desktop.log");
        let log = File::create(&log_path)?;
        let driver = Command::new("tauri-driver")
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("MESSENGER_AGENT_DATA_DIR", agent_data_dir)
            .env("MESSENGER_SERVER_URL", server_url)
            .env("RUST_LOG", "info,messenger_agent=debug")
            .env("NO_AT_BRIDGE", "1")
            .envs(env.iter().copied())
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .spawn()
            .context("spawn tauri-driver")?;
        let driver_url = format!("http://127.0.0.1:{port}");
        let mut app = Self {
            driver,
            driver_url,
            wd: None,
            artifacts: artifacts.to_path_buf(),
            log_path,
            shots: 0,
        };
        app.wait_for_driver()?;
        app.open()?;
        Ok(app)
    }

    fn wait_for_driver(&self) -> Result<()> {
        let http = reqwest::blocking::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if http
                .get(format!("{}/status", self.driver_url))
                .send()
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("tauri-driver did not answer within 30 s")
    }

    fn open(&mut self) -> Result<()> {
        let wd = WebDriver::launch(&self.driver_url, &crate::binaries::desktop())
            .context("launch the desktop app through tauri-driver")?;
        self.wd = Some(wd);
        Ok(())
    }

    pub fn wd(&self) -> &WebDriver {
        // `open` ran in `start` and `restart`; a failed restart already returned its error.
        self.wd.as_ref().expect("the app is open")
    }

    /// Quits the app and starts it again (a user closing and reopening the window).
    pub fn restart(&mut self) -> Result<()> {
        if let Some(wd) = self.wd.take() {
            wd.quit()?;
        }
        self.open()
    }

    /// The app's shell process (tauri-driver runs WebKitWebDriver, which runs the app).
    pub fn shell_pid(&self) -> Result<u32> {
        crate::processes::tree(self.driver.id())
            .into_iter()
            .find(|pid| crate::processes::name(*pid) == "messenger-deskt")
            .context("no messenger-desktop process under tauri-driver")
    }

    /// Saves a screenshot under the test's artifacts directory.
    pub fn screenshot(&mut self, name: &str) -> Result<PathBuf> {
        self.shots += 1;
        let path = self.artifacts.join(format!("{:02}-{name}.png", self.shots));
        std::fs::write(&path, self.wd().screenshot_png()?)?;
        Ok(path)
    }

    pub fn log_path(&self) -> &Path {
        &self.log_path
    }
}

impl Drop for DesktopApp {
    fn drop(&mut self) {
        if std::thread::panicking() && self.wd.is_some() {
            match self.screenshot("failure") {
                Ok(p) => eprintln!("screenshot of the failure: {}", p.display()),
                Err(e) => eprintln!("no failure screenshot: {e}"),
            }
        }
        if let Some(wd) = self.wd.take() {
            let _ = wd.quit();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        if std::thread::panicking() {
            eprintln!("app log: {}", self.log_path.display());
        }
    }
}
