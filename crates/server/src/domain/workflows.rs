//! Workflows: validation (errors name the bad step), keeping them, and firing them. A fired
//! workflow becomes a durable job that runs its steps one transaction each (see
//! `workflow_steps`), so a crash resumes at the step it had reached and never runs one twice.

use messenger_protocol::{
    Actor, ActorKind, AssignTarget, AssignmentCondition, ChannelId, Contact, ContactId, Step,
    Trigger, Workflow, WorkflowId, WorkflowInput,
};
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::error::{AppError, AppResult};
use crate::store::{ReadTx, WriteTx};

/// The job kind that runs a fired workflow.
pub const WORKFLOW_JOB: &str = "workflow_run";
const MAX_STEPS: usize = 20;

/// The durable state of one run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Run {
    pub workflow_id: WorkflowId,
    pub contact_id: ContactId,
    pub trigger: Trigger,
    /// The next step to run; steps before it are done.
    pub next_step: usize,
}

/// The workflow as the actor of what it does.
pub fn actor(workflow: &Workflow) -> Actor {
    Actor {
        kind: ActorKind::Automation,
        id: Some(workflow.id.to_string()),
        name: Some(workflow.name.clone()),
    }
}

fn require_admin(ctx: &Ctx) -> AppResult<()> {
    if ctx.me.role.administers() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Only owners and managers can manage workflows.",
        ))
    }
}

fn step_name(step: &Step) -> &'static str {
    match step {
        Step::Assign { .. } => "assign",
        Step::Unassign => "unassign",
        Step::OpenConversation => "open_conversation",
        Step::CloseConversation { .. } => "close_conversation",
        Step::SendMessage { .. } => "send_message",
        Step::AddComment { .. } => "add_comment",
    }
}

/// Checks a workflow; a refusal names the step (`steps[2] (assign): ...`).
pub fn validate(tx: &mut dyn ReadTx, input: &WorkflowInput) -> AppResult<()> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid(
            "A workflow's name has 1 to 100 characters.",
        ));
    }
    if input.steps.is_empty() || input.steps.len() > MAX_STEPS {
        return Err(AppError::invalid(format!(
            "A workflow has 1 to {MAX_STEPS} steps."
        )));
    }
    for id in &input.conditions.channel_ids {
        if tx.channel(id)?.is_none() {
            return Err(AppError::invalid(format!(
                "conditions.channel_ids: there is no channel {id}."
            )));
        }
    }
    if input.conditions.text_contains.is_some() && input.trigger != Trigger::MessageReceived {
        return Err(AppError::invalid(
            "conditions.text_contains only applies to the message_received trigger.",
        ));
    }
    for (i, step) in input.steps.iter().enumerate() {
        let bad =
            |why: String| AppError::invalid(format!("steps[{i}] ({}): {why}", step_name(step)));
        match step {
            Step::Assign { to, max_open, .. } => {
                if *max_open == Some(0) {
                    return Err(bad("max_open must be at least 1.".into()));
                }
                let users = match to {
                    AssignTarget::User { user_id } => vec![user_id.clone()],
                    AssignTarget::Pool { team, .. } => team.clone(),
                };
                for u in users {
                    match tx.user(&u)? {
                        Some(user) if user.active => {}
                        Some(user) => {
                            return Err(bad(format!(
                                "{} was removed from the workspace.",
                                user.name
                            )));
                        }
                        None => return Err(bad(format!("there is no user {u}."))),
                    }
                }
            }
            Step::CloseConversation {
                category: Some(c), ..
            } if tx.category_by_name(c)?.is_none() => {
                return Err(bad(format!("there is no closing-note category {c:?}.")));
            }
            Step::SendMessage { text } | Step::AddComment { text } if text.trim().is_empty() => {
                return Err(bad("the text is empty.".into()));
            }
            Step::SendMessage { text } | Step::AddComment { text }
                if text.chars().count() > 10_000 =>
            {
                return Err(bad("the text is longer than 10000 characters.".into()));
            }
            _ => {}
        }
    }
    Ok(())
}

pub fn create(tx: &mut dyn WriteTx, ctx: &Ctx, input: WorkflowInput) -> AppResult<Workflow> {
    require_admin(ctx)?;
    validate(tx, &input)?;
    let input = WorkflowInput {
        name: input.name.trim().to_owned(),
        ..input
    };
    Ok(tx.insert_workflow(&input)?)
}

pub fn replace(
    tx: &mut dyn WriteTx,
    ctx: &Ctx,
    id: &WorkflowId,
    input: WorkflowInput,
) -> AppResult<Workflow> {
    require_admin(ctx)?;
    if tx.workflow(id)?.is_none() {
        return Err(AppError::not_found(&format!("Workflow {id}")));
    }
    validate(tx, &input)?;
    let workflow = Workflow {
        id: id.clone(),
        name: input.name.trim().to_owned(),
        enabled: input.enabled,
        trigger: input.trigger,
        conditions: input.conditions,
        steps: input.steps,
    };
    tx.update_workflow(&workflow)?;
    Ok(workflow)
}

pub fn delete(tx: &mut dyn WriteTx, ctx: &Ctx, id: &WorkflowId) -> AppResult<()> {
    require_admin(ctx)?;
    if !tx.delete_workflow(id)? {
        return Err(AppError::not_found(&format!("Workflow {id}")));
    }
    Ok(())
}

/// What happened, for matching workflows against it.
pub struct Fired<'a> {
    pub trigger: Trigger,
    pub contact: &'a Contact,
    pub channel_id: Option<&'a ChannelId>,
    pub text: Option<&'a str>,
    /// Who caused it; what workflows do fires nothing.
    pub by: &'a Actor,
}

fn matches(w: &Workflow, f: &Fired<'_>) -> bool {
    let c = &w.conditions;
    if !c.channel_ids.is_empty() && !f.channel_id.is_some_and(|id| c.channel_ids.contains(id)) {
        return false;
    }
    if !c.tags_any.is_empty()
        && !f
            .contact
            .tags
            .iter()
            .any(|t| c.tags_any.iter().any(|want| want.eq_ignore_ascii_case(t)))
    {
        return false;
    }
    let assigned = f.contact.assignee_id.is_some();
    match c.assignment {
        AssignmentCondition::Any => {}
        AssignmentCondition::Assigned if !assigned => return false,
        AssignmentCondition::Unassigned if assigned => return false,
        _ => {}
    }
    if let Some(needle) = c.text_contains.as_deref().filter(|n| !n.trim().is_empty()) {
        let hay = f.text.unwrap_or_default().to_lowercase();
        if !hay.contains(&needle.trim().to_lowercase()) {
            return false;
        }
    }
    true
}

/// Queues a run of every enabled workflow whose trigger and conditions match.
pub fn fire(
    tx: &mut dyn WriteTx,
    fired: Fired<'_>,
    at: messenger_protocol::Timestamp,
) -> AppResult<()> {
    if fired.by.kind == ActorKind::Automation {
        return Ok(());
    }
    for workflow in tx.workflows_for(fired.trigger)? {
        if !matches(&workflow, &fired) {
            continue;
        }
        let run = Run {
            workflow_id: workflow.id.clone(),
            contact_id: fired.contact.id.clone(),
            trigger: fired.trigger,
            next_step: 0,
        };
        let payload = serde_json::to_string(&run)
            .map_err(|e| AppError::internal("queueing a workflow", e))?;
        tx.enqueue_job(WORKFLOW_JOB, &payload, at)?;
    }
    Ok(())
}
