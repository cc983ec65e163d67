//! The audio side of the headless session: PulseAudio with a null sink whose monitor is the
//! default source (started by `scripts/desktop-session`), speech made with espeak-ng and played
//! into the sink, a second private PulseAudio to pull away mid-recording, and the opus-tools
//! and sox measurements the voice tests and benchmark rely on.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

const TOOLS: &[&str] = &[
    "pulseaudio",
    "pactl",
    "pacat",
    "paplay",
    "espeak-ng",
    "sox",
    "opusinfo",
    "opusdec",
    "opusenc",
];

/// Why the audio tests cannot run here, if they cannot.
pub fn audio_session_available() -> Result<(), String> {
    if std::env::var_os("PULSE_SERVER").is_none() {
        return Err(
            "no PULSE_SERVER (run through scripts/desktop-session, e.g. `make e2e`)".into(),
        );
    }
    for tool in TOOLS {
        if !on_path(tool) {
            return Err(format!("{tool} is not installed (run scripts/bootstrap)"));
        }
    }
    let info = Command::new("pactl")
        .arg("info")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !info.is_ok_and(|s| s.success()) {
        return Err("the PulseAudio server in PULSE_SERVER does not answer".into());
    }
    Ok(())
}

/// Skips the calling test with a message when there is no audio session; under `CI=true` a
/// missing session fails the test instead.
#[macro_export]
macro_rules! require_audio {
    () => {
        if let Err(why) = $crate::audio::audio_session_available() {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("the audio session is required under CI: {why}");
            }
            eprintln!("SKIPPED: {why}");
            return;
        }
    };
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|p| p.join(tool).is_file()))
}

fn run(cmd: &mut Command) -> Result<std::process::Output> {
    let out = cmd.output().with_context(|| format!("run {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out)
}

/// Speech as a WAV file (espeak-ng).
pub fn speech(dir: &Path, text: &str) -> Result<PathBuf> {
    let path = dir.join("speech.wav");
    run(Command::new("espeak-ng").arg("-w").arg(&path).arg(text))?;
    Ok(path)
}

/// A sound playing into the default sink (or the server in `pulse_server`) until dropped.
pub struct Playback(Child);

impl Playback {
    pub fn start(wav: &Path, pulse_server: Option<&str>) -> Result<Self> {
        let mut cmd = Command::new("paplay");
        cmd.arg(wav).stdout(Stdio::null()).stderr(Stdio::null());
        if let Some(server) = pulse_server {
            cmd.env("PULSE_SERVER", server);
        }
        Ok(Self(cmd.spawn().context("spawn paplay")?))
    }

    /// Speech over and over for `length` (the bench needs half a minute of talking).
    pub fn looped(wav: &Path, length: Duration) -> Result<Self> {
        let script = format!(
            "end=$(( $(date +%s) + {} )); while [ $(date +%s) -lt $end ]; do paplay '{}'; done",
            length.as_secs() + 1,
            wav.display()
        );
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .context("spawn the speech loop")?;
        Ok(Self(child))
    }
}

impl Drop for Playback {
    fn drop(&mut self) {
        // The loop runs in its own process group; end the group (our child and its paplay).
        // The `--` matters: procps-ng 4.0.2's kill reads `-TERM -12345` as signal options and
        // signals process group -1, that is every process on the machine.
        let pid = self.0.id();
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{pid}")])
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A second PulseAudio with its own socket and a null sink (kept busy so captures start at
/// once), to record from and then kill.
pub struct PrivatePulse {
    daemon: Child,
    keepalive: Option<Child>,
    pub server: String,
    pub dir: PathBuf,
}

impl PrivatePulse {
    pub fn start(dir: &Path) -> Result<Self> {
        let xdg = dir.join("xdg");
        std::fs::create_dir_all(&xdg)?;
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&xdg, std::fs::Permissions::from_mode(0o700))?;
        let config = dir.join("pulse.pa");
        std::fs::write(
            &config,
            "load-module module-native-protocol-unix\n\
             load-module module-null-sink sink_name=second rate=48000 channels=2\n\
             set-default-sink second\nset-default-source second.monitor\n",
        )?;
        let daemon = Command::new("pulseaudio")
            .args(["--daemonize=no", "-n", "-F"])
            .arg(&config)
            .args(["--exit-idle-time=-1", "--disallow-exit"])
            .arg(format!(
                "--log-target=file:{}",
                dir.join("pulse.log").display()
            ))
            .env("XDG_RUNTIME_DIR", &xdg)
            // The session's PulseAudio already holds its D-Bus name; this one needs none.
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("spawn the second pulseaudio")?;
        let server = format!("unix:{}", xdg.join("pulse/native").display());
        let mut pulse = Self {
            daemon,
            keepalive: None,
            server,
            dir: dir.to_path_buf(),
        };
        pulse.wait_until(|| pulse.pactl(&["info"]).is_ok(), "answer")?;
        pulse.keepalive = Some(
            Command::new("pacat")
                .args([
                    "--playback",
                    "--latency-msec=20",
                    "--raw",
                    "--format=s16le",
                    "--rate=48000",
                    "--channels=2",
                    "/dev/zero",
                ])
                .env("PULSE_SERVER", &pulse.server)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("spawn the keep-alive stream")?,
        );
        pulse.wait_until(
            || {
                pulse
                    .pactl(&["list", "short", "sink-inputs"])
                    .is_ok_and(|s| !s.trim().is_empty())
            },
            "play the keep-alive stream",
        )?;
        Ok(pulse)
    }

    fn pactl(&self, args: &[&str]) -> Result<String> {
        let out = run(Command::new("pactl")
            .args(args)
            .env("PULSE_SERVER", &self.server))?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn wait_until(&self, ready: impl Fn() -> bool, what: &str) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !ready() {
            if Instant::now() > deadline {
                bail!("the second PulseAudio did not {what} within 20 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// Ends the server at once (a sound server crashing, a USB microphone pulled out).
    pub fn kill(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
        if let Some(mut k) = self.keepalive.take() {
            let _ = k.kill();
            let _ = k.wait();
        }
    }
}

impl Drop for PrivatePulse {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `sox FILE -n stat`: the RMS amplitude (0..1) and the length in seconds.
pub fn sox_stat(path: &Path) -> Result<(f64, f64)> {
    let out = run(Command::new("sox").arg(path).args(["-n", "stat"]))?;
    // sox writes its statistics to stderr.
    let text = String::from_utf8_lossy(&out.stderr);
    let field = |name: &str| -> Result<f64> {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.rsplit(':').next())
            .and_then(|v| v.trim().parse().ok())
            .with_context(|| format!("no {name:?} in sox output: {text}"))
    };
    Ok((field("RMS     amplitude")?, field("Length (seconds)")?))
}

/// `opusinfo FILE`: its output when it accepts the file, and the playback length it read.
pub fn opusinfo(path: &Path) -> Result<(String, Duration)> {
    let out = run(Command::new("opusinfo").arg(path))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // "Playback length: 0m:04.000s"
    let length = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Playback length: "))
        .and_then(|v| {
            let (m, s) = v.trim_end_matches('s').split_once("m:")?;
            Some(m.parse::<f64>().ok()? * 60.0 + s.parse::<f64>().ok()?)
        })
        .with_context(|| format!("no playback length in opusinfo output: {text}"))?;
    Ok((text, Duration::from_secs_f64(length)))
}

/// `opusdec FILE OUT.wav`: the decoded audio as a WAV.
pub fn opusdec(path: &Path, out: &Path) -> Result<()> {
    run(Command::new("opusdec").arg("--quiet").arg(path).arg(out))?;
    Ok(())
}

/// `opusenc` at the agent's bitrate: the reference the agent's encoder is compared with.
pub fn opusenc(wav: &Path, out: &Path) -> Result<()> {
    run(Command::new("opusenc")
        .args(["--quiet", "--bitrate", "20", "--speech"])
        .arg(wav)
        .arg(out))?;
    Ok(())
}
