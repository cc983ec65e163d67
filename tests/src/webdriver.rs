//! A small W3C WebDriver client (blocking) for tauri-driver + WebKitWebDriver.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use serde_json::{Value, json};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// WebDriver key codes (the W3C spec's private-use characters).
pub const ENTER: &str = "\u{E007}";
pub const SHIFT: &str = "\u{E008}";
pub const CONTROL: &str = "\u{E009}";
pub const ESCAPE: &str = "\u{E00C}";

pub struct WebDriver {
    base: String,
    session: String,
    http: reqwest::blocking::Client,
}

/// An element of the current page.
#[derive(Clone, Debug)]
pub struct Element(String);

impl WebDriver {
    /// Starts the desktop app at `application` through the driver at `base`.
    pub fn launch(base: &str, application: &std::path::Path) -> Result<Self> {
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()?;
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "wry",
            "tauri:options": {"application": application},
        }}});
        let res: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .context("new session")?
            .json()?;
        let session = res["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow!("no session id in {res}"))?
            .to_owned();
        Ok(Self {
            base: base.to_owned(),
            session,
            http,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/session/{}{path}", self.base, self.session)
    }

    fn check(value: Value) -> Result<Value> {
        if let Some(err) = value["value"].get("error") {
            bail!(
                "webdriver error {}: {}",
                err,
                value["value"]["message"].as_str().unwrap_or("")
            );
        }
        Ok(value["value"].clone())
    }

    fn get(&self, path: &str) -> Result<Value> {
        Self::check(self.http.get(self.url(path)).send()?.json()?)
    }

    fn post(&self, path: &str, body: Value) -> Result<Value> {
        Self::check(self.http.post(self.url(path)).json(&body).send()?.json()?)
    }

    /// The first element matching a CSS selector, if any, now.
    pub fn try_find(&self, css: &str) -> Result<Option<Element>> {
        let res: Value = self
            .http
            .post(self.url("/elements"))
            .json(&json!({"using": "css selector", "value": css}))
            .send()?
            .json()?;
        let list = Self::check(res)?;
        Ok(list
            .as_array()
            .and_then(|a| a.first())
            .and_then(|e| e[ELEMENT_KEY].as_str())
            .map(|id| Element(id.to_owned())))
    }

    /// Every element matching a CSS selector, now.
    pub fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let res: Value = self
            .http
            .post(self.url("/elements"))
            .json(&json!({"using": "css selector", "value": css}))
            .send()?
            .json()?;
        let list = Self::check(res)?;
        Ok(list
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e[ELEMENT_KEY].as_str())
            .map(|id| Element(id.to_owned()))
            .collect())
    }

    /// An attribute of the element (`data-…` included), if set.
    pub fn attr(&self, e: &Element, name: &str) -> Result<Option<String>> {
        Ok(self
            .get(&format!("/element/{}/attribute/{name}", e.0))?
            .as_str()
            .map(str::to_owned))
    }

    /// Presses keys together (modifiers first), as a person would: `chord(&[CONTROL, "k"])`.
    pub fn chord(&self, keys: &[&str]) -> Result<()> {
        let mut actions: Vec<Value> = keys
            .iter()
            .map(|k| json!({"type": "keyDown", "value": k}))
            .collect();
        actions.extend(
            keys.iter()
                .rev()
                .map(|k| json!({"type": "keyUp", "value": k})),
        );
        self.post(
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        )?;
        self.http.delete(self.url("/actions")).send()?;
        Ok(())
    }

    /// Polls `check` every 100 ms until it returns `Some`, or fails after `timeout` saying
    /// what was awaited.
    pub fn until<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: impl FnMut() -> Result<Option<T>>,
    ) -> Result<T> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(v) = check()? {
                return Ok(v);
            }
            if Instant::now() >= deadline {
                bail!("{what}: not within {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits up to `timeout` for an element to appear.
    pub fn wait(&self, css: &str, timeout: Duration) -> Result<Element> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(e) = self.try_find(css)? {
                return Ok(e);
            }
            if Instant::now() >= deadline {
                bail!("no element {css} after {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `[data-testid="…"]`, waiting up to 20 s.
    pub fn testid(&self, id: &str) -> Result<Element> {
        self.wait(&format!("[data-testid=\"{id}\"]"), Duration::from_secs(20))
    }

    /// Waits until the element's text satisfies `pred`; returns the text.
    pub fn wait_text(
        &self,
        css: &str,
        timeout: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> Result<String> {
        let deadline = Instant::now() + timeout;
        let mut last = String::new();
        loop {
            if let Some(e) = self.try_find(css)? {
                last = self.text(&e).unwrap_or_default();
                if pred(&last) {
                    return Ok(last);
                }
            }
            if Instant::now() >= deadline {
                bail!("{css}: text {last:?} did not match after {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until a form field holds `expected`.
    pub fn wait_value(&self, css: &str, expected: &str, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            let now = match self.try_find(css)? {
                Some(e) => self.value(&e)?,
                None => String::new(),
            };
            if now == expected {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!("{css}: value {now:?}, expected {expected:?} after {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn click(&self, e: &Element) -> Result<()> {
        self.post(&format!("/element/{}/click", e.0), json!({}))?;
        Ok(())
    }

    pub fn clear(&self, e: &Element) -> Result<()> {
        self.post(&format!("/element/{}/clear", e.0), json!({}))?;
        Ok(())
    }

    /// Sends keys to the element (WebDriver key codes such as [`ENTER`] included).
    pub fn type_text(&self, e: &Element, text: &str) -> Result<()> {
        self.post(&format!("/element/{}/value", e.0), json!({"text": text}))?;
        Ok(())
    }

    /// Clears a field and types into it.
    pub fn fill(&self, e: &Element, text: &str) -> Result<()> {
        self.clear(e)?;
        self.type_text(e, text)
    }

    pub fn text(&self, e: &Element) -> Result<String> {
        Ok(self
            .get(&format!("/element/{}/text", e.0))?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    pub fn value(&self, e: &Element) -> Result<String> {
        Ok(self
            .get(&format!("/element/{}/property/value", e.0))?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    pub fn execute(&self, script: &str, args: Value) -> Result<Value> {
        self.post("/execute/sync", json!({"script": script, "args": args}))
    }

    /// Runs an async script: its last argument is the callback to call with the result.
    pub fn execute_async(&self, script: &str, args: Value) -> Result<Value> {
        self.post("/execute/async", json!({"script": script, "args": args}))
    }

    /// Waits until the page has painted its latest changes (two animation frames), so a
    /// screenshot shows the current state rather than the previous frame.
    pub fn wait_for_paint(&self) -> Result<()> {
        self.execute_async(
            "const done = arguments[arguments.length - 1];\
             requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            json!([]),
        )?;
        Ok(())
    }

    pub fn screenshot_png(&self) -> Result<Vec<u8>> {
        self.wait_for_paint()?;
        // When WebKit paints in software (the app's default on Linux), the driver takes the
        // screenshot at the page's next presentation update, which an idle page never has:
        // one corner pixel, nearly transparent, changes every frame until the shot is taken.
        self.execute(
            "const dot = document.createElement('div');\
             dot.id = '__screenshot_tick';\
             dot.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;z-index:2147483647';\
             document.documentElement.append(dot);\
             let odd = false;\
             const tick = () => {\
               if (!dot.isConnected) return;\
               odd = !odd;\
               dot.style.background = odd ? 'rgba(0,0,0,0.02)' : 'rgba(0,0,0,0.01)';\
               requestAnimationFrame(tick);\
             };\
             tick();",
            json!([]),
        )?;
        let shot = self.get("/screenshot");
        // Best effort: a page that went away has no pixel to remove.
        let _ = self.execute(
            "document.getElementById('__screenshot_tick')?.remove();",
            json!([]),
        );
        let b64 = shot?;
        let text = b64
            .as_str()
            .ok_or_else(|| anyhow!("screenshot was not a string"))?;
        Ok(base64::engine::general_purpose::STANDARD.decode(text)?)
    }

    /// Ends the session; the driver closes the app.
    pub fn quit(&self) -> Result<()> {
        self.http.delete(self.url("")).send()?;
        Ok(())
    }
}
