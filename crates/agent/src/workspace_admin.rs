//! Changes to the workspace that owners and managers make from the app's settings: the
//! closing-note rules and categories, snippets, and the Developer API's tokens. They need the server (they are not queued
//! in the outbox: a setting changed offline and applied hours later would surprise everyone);
//! the cache follows through the event stream, which raises `WorkspaceChanged`.

use messenger_protocol::{
    ApiToken, ApiTokenId, CategoryId, CategoryInput, ClosingNoteCategory, CreatedApiToken,
    NewApiToken, Settings, SettingsPatch, Snippet, SnippetId, SnippetInput,
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

    /// The workspace's Developer API tokens (not cached: they are read when Settings shows them).
    pub async fn api_tokens(&self) -> AgentResult<Vec<ApiToken>> {
        self.client()?.get("/api-tokens").await
    }

    /// A new token; the answer is the only time the token itself is seen.
    pub async fn create_api_token(&self, name: &str) -> AgentResult<CreatedApiToken> {
        let input = NewApiToken {
            name: name.to_owned(),
        };
        self.client()?.post("/api-tokens", &input).await
    }

    pub async fn revoke_api_token(&self, id: &ApiTokenId) -> AgentResult<()> {
        self.client()?.delete(&format!("/api-tokens/{id}")).await
    }
}
