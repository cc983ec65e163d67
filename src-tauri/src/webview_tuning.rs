//! How the webview paints.
//!
//! The window is text, lists and small images, which WebKitGTK paints in software sooner and
//! in less memory than through GPU compositing. Where no GPU driver is at hand (a VM, a remote
//! desktop) compositing runs on Mesa's software GL, and each process that loads it pays ~20 MB
//! of LLVM. Measured with a 10,000-contact cache (`scripts/bench desktop`), software painting
//! takes the process tree from ~330 MB to ~220 MB and paints the inbox ~100 ms sooner.
//! `MESSENGER_WEBVIEW_GPU=1` turns compositing back on (WebKit's own default), for pages that
//! animate a lot or displays where software painting is slow.

use tauri::{Runtime, WebviewWindow};

/// `1` composites through the GPU; unset or anything else paints in software.
const GPU_ENV: &str = "MESSENGER_WEBVIEW_GPU";

fn gpu_compositing() -> bool {
    std::env::var(GPU_ENV).is_ok_and(|v| v == "1")
}

/// Sets what GTK and WebKit read from the environment at start-up. Must run first in `main`,
/// before any thread exists; WebKit's helper processes inherit it.
pub fn prepare_environment() {
    #[cfg(target_os = "linux")]
    if !gpu_compositing() {
        // GTK would otherwise open GL at start-up (before the window exists) only to choose a
        // visual for GL drawing, which nothing does when WebKit paints in software; WebKit
        // shares frames with the window by DMA-BUF only to composite them; and without a
        // render node named, WebKit's UI process opens EGL to look one up for each web process.
        for (name, value) in [
            ("GDK_GL", "disable"),
            ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
            ("WEBKIT_WEB_RENDER_DEVICE_FILE", "/nonexistent"),
        ] {
            // What the user set wins.
            if std::env::var_os(name).is_none() {
                // SAFETY: called at the top of `main`, while the process has a single thread,
                // so nothing can read the environment concurrently.
                #[allow(unsafe_code)]
                unsafe {
                    std::env::set_var(name, value);
                }
            }
        }
    }
}

pub fn apply<R: Runtime>(window: &WebviewWindow<R>) {
    #[cfg(target_os = "linux")]
    {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
        if gpu_compositing() {
            return;
        }
        let applied = window.with_webview(|webview| {
            if let Some(settings) = webview.inner().settings() {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
                // A WebGL context would bring GL back into the web process; the app draws
                // nothing in 3D (its charts use a 2D canvas).
                settings.set_enable_webgl(false);
            }
        });
        if let Err(e) = applied {
            tracing::warn!(error = %e, "could not tune the webview");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}
