//! Changes to the workspace that owners and managers make from the app's settings: the
//! closing-note rules and categories, and snippets. They need the server (they are not queued
//! in the outbox: a setting changed offline and applied hours later would surprise everyone);
//! the cache follows through the event stream, which raises `WorkspaceChanged`.

use messenger_protocol::{
    CategoryId, CategoryInput, ClosingNoteCategory, Settings, SettingsPatch, Snippet, SnippetId,
    SnippetInput,
};

use crate::Agent;
use crate::error::AgentResult;

impl Agent {
    pub async fn update_settings(&self, patch: &SettingsPatch) -> AgentResult<Settings> {
        self.client()?.patch("/settings", patch).await
    }

    pub async fn create_category(&self, input: &CategoryInput) -> AgentResult<ClosingNoteCategory> {
        self.client()?.post("/closing-note-categories", input).await
    }

    pub async fn update_category(
        &self,
        id: &CategoryId,
        input: &CategoryInput,
    ) -> AgentResult<ClosingNoteCategory> {
        self.client()?
            .patch(&format!("/closing-note-categories/{id}"), input)
            .await
    }

    pub async fn delete_category(&self, id: &CategoryId) -> AgentResult<()> {
        self.client()?
            .delete(&format!("/closing-note-categories/{id}"))
            .await
    }

    pub async fn create_snippet(&self, input: &SnippetInput) -> AgentResult<Snippet> {
        self.client()?.post("/snippets", input).await
    }

    pub async fn update_snippet(
        &self,
        id: &SnippetId,
        input: &SnippetInput,
    ) -> AgentResult<Snippet> {
        self.client()?
            .patch(&format!("/snippets/{id}"), input)
            .await
    }

    pub async fn delete_snippet(&self, id: &SnippetId) -> AgentResult<()> {
        self.client()?.delete(&format!("/snippets/{id}")).await
    }
}
