//! What the commands share: the agent core (or why it could not start), and when the process
//! started (for the start-up marks the benchmarks read).

use std::sync::Arc;
use std::time::Instant;

use messenger_agent::view::{CommandError, CommandErrorKind};
use messenger_agent::{Agent, AgentResult};

pub struct ShellState {
    agent: Result<Arc<Agent>, CommandError>,
    pub preset_server_url: Option<String>,
    pub started: Instant,
}

impl ShellState {
    pub fn new(
        agent: AgentResult<Agent>,
        preset_server_url: Option<String>,
        started: Instant,
    ) -> Self {
        Self {
            agent: agent.map(Arc::new).map_err(|e| CommandError {
                kind: CommandErrorKind::Failed,
                message: format!("The app could not open its data: {e}"),
            }),
            preset_server_url,
            started,
        }
    }

    pub fn agent(&self) -> Result<Arc<Agent>, CommandError> {
        self.agent.clone()
    }
}
