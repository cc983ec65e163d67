//! WebKitGTK settings the app chooses itself.
//!
//! WebKitGTK composites every page through OpenGL by default, a whole GL scene for a window of
//! text and lists; where no GPU driver is at hand (a VM, a remote desktop, CI) that is Mesa's
//! software GL. Painting without it is plenty for this UI and much lighter: measured with a
//! 10,000-contact cache (`scripts/bench desktop`), the web process's memory falls from 205 MB
//! to 122 MB PSS, and the painted inbox comes ~60 ms sooner. ("On demand" made no difference
//! on WebKitGTK 2.50.) `MESSENGER_WEBVIEW_GPU=1` keeps WebKit's default.

use tauri::{Runtime, WebviewWindow};

/// Set to `1` to let WebKit composite with the GPU as it would by default.
pub const GPU_ENV: &str = "MESSENGER_WEBVIEW_GPU";

pub fn apply<R: Runtime>(window: &WebviewWindow<R>) {
    #[cfg(target_os = "linux")]
    {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
        if std::env::var(GPU_ENV).is_ok_and(|v| v == "1") {
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
