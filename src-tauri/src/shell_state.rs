//! What the commands share: the agent core (or why it could not start).

use std::sync::Arc;

use messenger_agent::view::{CommandError, CommandErrorKind};
use messenger_agent::{Agent, AgentResult};

pub struct ShellState {
    agent: Result<Arc<Agent>, CommandError>,
    pub preset_server_url: Option<String>,
}

impl ShellState {
    pub fn new(agent: AgentResult<Agent>, preset_server_url: Option<String>) -> Self {
        Self {
            agent: agent.map(Arc::new).map_err(|e| CommandError {
                kind: CommandErrorKind::Failed,
                message: format!("The app could not open its data: {e}"),
            }),
            preset_server_url,
        }
    }

    pub fn agent(&self) -> Result<Arc<Agent>, CommandError> {
        self.agent.clone()
    }
}
