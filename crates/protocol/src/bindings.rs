//! TypeScript bindings for the UI, generated from the Rust types with ts-rs.
//!
//! The generated files are committed under `ui/src/lib/bindings/`. A test in the agent crate
//! (which sees both the wire types and the agent's view types) regenerates them into a
//! temporary directory and fails when the committed copy differs; `make bindings` rewrites them.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::Path;

use ts_rs::{ExportError, TS};

/// Writes one group of types (with their dependencies) into a directory.
pub type Exporter = fn(&Path) -> Result<(), ExportError>;

/// The wire types the UI uses, with everything they reference.
pub fn export_protocol(dir: &Path) -> Result<(), ExportError> {
    use crate::*;
    ApiErrorBody::export_all_to(dir)?;
    ErrorCode::export_all_to(dir)?;
    LoginRequest::export_all_to(dir)?;
    LoginResponse::export_all_to(dir)?;
    Event::export_all_to(dir)?;
    Snapshot::export_all_to(dir)?;
    SyncPage::export_all_to(dir)?;
    ContactPage::export_all_to(dir)?;
    ContactPatch::export_all_to(dir)?;
    ContactView::export_all_to(dir)?;
    StatusFilter::export_all_to(dir)?;
    AssigneeUpdate::export_all_to(dir)?;
    MergeRequest::export_all_to(dir)?;
    CloseConversationRequest::export_all_to(dir)?;
    MessagePage::export_all_to(dir)?;
    SendMessageRequest::export_all_to(dir)?;
    NewComment::export_all_to(dir)?;
    NewChannel::export_all_to(dir)?;
    ChannelPatch::export_all_to(dir)?;
    SettingsPatch::export_all_to(dir)?;
    CategoryInput::export_all_to(dir)?;
    SnippetInput::export_all_to(dir)?;
    RenderSnippetRequest::export_all_to(dir)?;
    RenderedSnippet::export_all_to(dir)?;
    FileInfo::export_all_to(dir)?;
    NewUserRequest::export_all_to(dir)?;
    UserPatch::export_all_to(dir)?;
    StatusUpdate::export_all_to(dir)?;
    ConversationReport::export_all_to(dir)?;
    Workflow::export_all_to(dir)?;
    WorkflowInput::export_all_to(dir)?;
    IntegrationWebhook::export_all_to(dir)?;
    NewIntegrationWebhook::export_all_to(dir)?;
    ApiToken::export_all_to(dir)?;
    NewApiToken::export_all_to(dir)?;
    CreatedApiToken::export_all_to(dir)?;
    CustomField::export_all_to(dir)?;
    NewCustomField::export_all_to(dir)?;
    Ok(())
}

/// Reads every `.ts` file of a directory (not recursive) into name → content.
pub fn read_dir_files(dir: &Path) -> io::Result<BTreeMap<String, String>> {
    let mut files = BTreeMap::new();
    if !dir.exists() {
        return Ok(files);
    }
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_file() && name.ends_with(".ts") {
            files.insert(name, fs::read_to_string(entry.path())?);
        }
    }
    Ok(files)
}

/// What differs between the committed bindings and freshly generated ones.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Drift {
    pub missing: Vec<String>,
    pub stale: Vec<String>,
    pub extra: Vec<String>,
}

impl Drift {
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.stale.is_empty() && self.extra.is_empty()
    }
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (label, names) in [
            ("not committed", &self.missing),
            ("out of date", &self.stale),
            ("no longer generated", &self.extra),
        ] {
            if !names.is_empty() {
                writeln!(f, "{label}: {}", names.join(", "))?;
            }
        }
        Ok(())
    }
}

/// Compares two name → content maps: `generated` is the truth.
pub fn drift(committed: &BTreeMap<String, String>, generated: &BTreeMap<String, String>) -> Drift {
    let mut d = Drift::default();
    for (name, content) in generated {
        match committed.get(name) {
            None => d.missing.push(name.clone()),
            Some(old) if old != content => d.stale.push(name.clone()),
            Some(_) => {}
        }
    }
    d.extra = committed
        .keys()
        .filter(|n| !generated.contains_key(*n))
        .cloned()
        .collect();
    d
}

/// Replaces the `.ts` files of `committed_dir` with those of `generated_dir`.
pub fn replace_dir_files(generated_dir: &Path, committed_dir: &Path) -> io::Result<()> {
    fs::create_dir_all(committed_dir)?;
    for name in read_dir_files(committed_dir)?.keys() {
        fs::remove_file(committed_dir.join(name))?;
    }
    for (name, content) in read_dir_files(generated_dir)? {
        fs::write(committed_dir.join(name), content)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn drift_names_missing_stale_and_extra_files() {
        let committed = map(&[("A.ts", "a"), ("B.ts", "old"), ("Gone.ts", "g")]);
        let generated = map(&[("A.ts", "a"), ("B.ts", "new"), ("C.ts", "c")]);
        let d = drift(&committed, &generated);
        assert_eq!(d.missing, vec!["C.ts"]);
        assert_eq!(d.stale, vec!["B.ts"]);
        assert_eq!(d.extra, vec!["Gone.ts"]);
        assert!(!d.is_empty());
        assert!(drift(&generated, &generated).is_empty());
    }

    #[test]
    fn export_writes_the_user_type_with_its_role_union() {
        let dir = tempfile::tempdir().unwrap();
        export_protocol(dir.path()).unwrap();
        let files = read_dir_files(dir.path()).unwrap();
        let role = files.get("Role.ts").expect("Role.ts generated");
        assert!(
            role.contains(r#""owner" | "manager" | "agent""#),
            "Role.ts was: {role}"
        );
        let user = files.get("User.ts").expect("User.ts generated");
        assert!(user.contains("import type { Role }"), "User.ts was: {user}");
    }
}
