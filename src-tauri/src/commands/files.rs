//! Files the agent attaches: bytes from the file picker, a drop or a paste, staged in the
//! agent's data directory until their message is sent.

use messenger_agent::cache::outbox_store::StagedFile;
use messenger_agent::view::{CommandError, CommandErrorKind};
use tauri::State;
use tauri::ipc::{InvokeBody, Request};

use super::{CommandResult, off_main, shown};
use crate::shell_state::ShellState;

/// The header carrying the file's name (URI-encoded), since the body is the raw bytes.
const NAME_HEADER: &str = "x-file-name";

fn invalid(message: &str) -> CommandError {
    CommandError {
        kind: CommandErrorKind::Invalid,
        message: message.into(),
    }
}

/// Raw bytes in the body (no JSON round trip for large files).
#[tauri::command]
pub async fn stage_file(
    state: State<'_, ShellState>,
    request: Request<'_>,
) -> CommandResult<StagedFile> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(invalid("The file did not arrive as bytes."));
    };
    let name = request
        .headers()
        .get(NAME_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(percent_decode)
        .unwrap_or_else(|| "file".into());
    // The body belongs to the request; the copy is written to disk off the window's thread.
    let bytes = bytes.clone();
    off_main(&state, move |agent| agent.stage_bytes(&name, &bytes)).await
}

/// Decodes `%XX` escapes (what `encodeURIComponent` writes); anything malformed stays as is.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn decodes_what_encode_uri_component_writes() {
        assert_eq!(percent_decode("r%C3%A9sum%C3%A9%20v2.pdf"), "résumé v2.pdf");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("a%zzb"), "a%zzb");
    }
}

/// Opens an attachment in the computer's default app for its type (a copy under its own name
/// in the temp directory, so the app shows a sensible title).
#[tauri::command]
pub async fn open_attachment(
    state: State<'_, ShellState>,
    file_id: messenger_protocol::FileId,
) -> CommandResult<()> {
    let agent = state.agent()?;
    let body = agent.open_file(&file_id).await.map_err(shown)?;
    let name = agent
        .file_type(&file_id)
        .map_err(shown)?
        .map(|(_, name)| name)
        .unwrap_or_else(|| "attachment".into());
    let dir = std::env::temp_dir().join("is-messenger").join(&file_id.0);
    let failed = |e: std::io::Error| CommandError {
        kind: CommandErrorKind::Failed,
        message: format!("Cannot open the attachment: {e}"),
    };
    std::fs::create_dir_all(&dir).map_err(failed)?;
    let copy = dir.join(name.replace(['/', '\\'], "_"));
    std::fs::copy(&body, &copy).map_err(failed)?;
    launch_default_app(&copy).map_err(failed)
}

fn launch_default_app(path: &std::path::Path) -> std::io::Result<()> {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(target_os = "windows") {
        std::process::Command::new("explorer")
    } else {
        std::process::Command::new("xdg-open")
    };
    command.arg(path).spawn().map(drop)
}
