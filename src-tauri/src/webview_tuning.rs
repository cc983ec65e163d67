//! WebKitGTK settings the app chooses itself.
//!
//! WebKitGTK composites every page through OpenGL by default; where no GPU driver is at hand
//! (a VM, a remote desktop) that is Mesa's software GL. `MESSENGER_WEBVIEW_GPU=0` paints
//! without it, which measured with a 10,000-contact cache (`scripts/bench desktop`) takes the
//! web process from 205 MB to 122 MB PSS and the painted inbox ~60 ms sooner. It is not the
//! default: in that mode WebKitWebDriver's screenshots of an idle page never returned, so the
//! end-to-end suite could not cover it. ("On demand" made no difference on WebKitGTK 2.50.)

use tauri::{Runtime, WebviewWindow};

/// `0` paints without GPU compositing; unset or anything else keeps WebKit's default.
pub const GPU_ENV: &str = "MESSENGER_WEBVIEW_GPU";

pub fn apply<R: Runtime>(window: &WebviewWindow<R>) {
    #[cfg(target_os = "linux")]
    {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
        if !std::env::var(GPU_ENV).is_ok_and(|v| v == "0") {
            return;
        }
        let applied = window.with_webview(|webview| {
            if let Some(settings) = webview.inner().settings() {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        });
        if let Err(e) = applied {
            tracing::warn!(error = %e, "could not tune the webview");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}
