//! Running one step of a workflow, as the workflow (actor kind `automation`, with its name).

use messenger_protocol::{
    ActivityKind, Actor, AssignStrategy, AssignTarget, ClosingNote, Contact, Role, Step, Timestamp,
    UserId, UserStatus, Workflow,
};

use super::{activity, assignment, comments, conversations, outgoing, snippets, workflows};
use crate::error::AppResult;
use crate::store::{UserRecord, WriteTx};

/// Runs `workflow.steps[index]` for the contact.
pub fn run_step(
    tx: &mut dyn WriteTx,
    workflow: &Workflow,
    index: usize,
    contact: &mut Contact,
    now: Timestamp,
) -> AppResult<()> {
    let Some(step) = workflow.steps.get(index) else {
        return Ok(());
    };
    let by = workflows::actor(workflow);
    let settings = tx.settings()?;
    match step {
        Step::Assign {
            to,
            only_online,
            max_open,
        } => assign(tx, workflow, &by, contact, to, *only_online, *max_open, now),
        Step::Unassign => {
            assignment::set_assignee(tx, contact, None, &by, now)?;
            Ok(())
        }
        Step::OpenConversation => {
            if contact.open_conversation_id.is_none() {
                let channel = contact.channels.last().map(|c| c.channel_id.clone());
                conversations::open(tx, contact, channel, by, now)?;
            }
            Ok(())
        }
        Step::CloseConversation { category, summary } => {
            let Some(open) = contact.open_conversation_id.clone() else {
                return Ok(());
            };
            // A category deleted since the workflow was saved is left out rather than failing.
            let category = match category {
                Some(c) => tx.category_by_name(c)?.map(|c| c.name),
                None => None,
            };
            let summary = summary.clone().filter(|s| !s.trim().is_empty());
            let note = (category.is_some() || summary.is_some())
                .then_some(ClosingNote { category, summary });
            conversations::close(tx, &open, by, note, &settings, now)?;
            if let Some(fresh) = tx.contact(&contact.id)? {
                *contact = fresh;
            }
            Ok(())
        }
        Step::SendMessage { text } => {
            let text = snippets::render(text, contact, &workflow.name);
            outgoing::send_as(tx, &by, contact, &text, now)?;
            Ok(())
        }
        Step::AddComment { text } => {
            let text = snippets::render(text, contact, &workflow.name);
            comments::add_as(tx, &by, contact, &text, now)?;
            Ok(())
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn assign(
    tx: &mut dyn WriteTx,
    workflow: &Workflow,
    by: &Actor,
    contact: &mut Contact,
    to: &AssignTarget,
    only_online: bool,
    max_open: Option<u32>,
    now: Timestamp,
) -> AppResult<()> {
    // Concurrent assignments (other instances) wait here, so the counts and the round-robin
    // position read below are the ones the previous assignment left.
    tx.lock_assignment()?;
    let counts = tx.open_contact_counts()?;
    let (pool, team_given): (Vec<UserRecord>, bool) = match to {
        AssignTarget::User { user_id } => (tx.user(user_id)?.into_iter().collect(), true),
        AssignTarget::Pool { team, .. } if !team.is_empty() => {
            let mut users = Vec::new();
            for id in team {
                users.extend(tx.user(id)?);
            }
            (users, true)
        }
        AssignTarget::Pool { .. } => (
            tx.users()?
                .into_iter()
                .filter(|u| u.role == Role::Agent)
                .collect(),
            false,
        ),
    };
    let open = |u: &UserRecord| counts.get(&u.id).copied().unwrap_or(0);
    let active: Vec<UserRecord> = pool.into_iter().filter(|u| u.active).collect();
    let online: Vec<UserRecord> = active
        .iter()
        .filter(|u| !only_online || u.status == UserStatus::Online)
        .cloned()
        .collect();
    let fits: Vec<UserRecord> = online
        .iter()
        .filter(|u| max_open.is_none_or(|cap| open(u) < cap))
        .cloned()
        .collect();
    if fits.is_empty() {
        let who = if team_given {
            "in the team"
        } else {
            "among the agents"
        };
        let why = if active.is_empty() {
            format!("there is nobody {who}")
        } else if online.is_empty() {
            format!("nobody {who} is online")
        } else {
            format!(
                "everyone {who} has {} or more open contacts",
                max_open.unwrap_or(0)
            )
        };
        tracing::info!(workflow = %workflow.id, contact = %contact.id, %why, "assign step found nobody");
        activity::record_with(
            tx,
            contact,
            contact.open_conversation_id.clone(),
            activity::of(ActivityKind::AssignmentSkipped, by),
            Some(&why),
            now,
        )?;
        return Ok(());
    }
    let chosen = match to {
        AssignTarget::User { .. } => fits[0].id.clone(),
        AssignTarget::Pool { strategy, .. } => {
            let last = tx.round_robin_last(&workflow.id)?;
            let pick = match strategy {
                AssignStrategy::RoundRobin => round_robin(&fits, last.as_ref()),
                AssignStrategy::LeastOpen => {
                    let least = fits.iter().map(&open).min().unwrap_or(0);
                    let tied: Vec<UserRecord> =
                        fits.iter().filter(|u| open(u) == least).cloned().collect();
                    round_robin(&tied, last.as_ref())
                }
            };
            tx.set_round_robin_last(&workflow.id, &pick)?;
            pick
        }
    };
    assignment::set_assignee(tx, contact, Some(&chosen), by, now)?;
    Ok(())
}

/// The next user after `last` in id order (wrapping), so turns continue across runs.
fn round_robin(candidates: &[UserRecord], last: Option<&UserId>) -> UserId {
    let key = |id: &UserId| id.as_str().parse::<i64>().unwrap_or(i64::MAX);
    let mut ids: Vec<&UserId> = candidates.iter().map(|u| &u.id).collect();
    ids.sort_by_key(|id| key(id));
    let after = last.map(key).unwrap_or(i64::MIN);
    ids.iter()
        .find(|id| key(id) > after)
        .or_else(|| ids.first())
        .map(|id| (*id).clone())
        .unwrap_or_else(|| UserId(String::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> UserRecord {
        UserRecord {
            id: UserId(id.into()),
            name: id.into(),
            email: String::new(),
            role: Role::Agent,
            status: UserStatus::Online,
            password_hash: String::new(),
            active: true,
            chosen_status: UserStatus::Online,
            created_at: Timestamp::EPOCH,
        }
    }

    #[test]
    fn round_robin_continues_after_the_last_and_wraps() {
        let users = [user("3"), user("10"), user("7")];
        assert_eq!(round_robin(&users, None).as_str(), "3");
        assert_eq!(round_robin(&users, Some(&UserId("3".into()))).as_str(), "7");
        assert_eq!(
            round_robin(&users, Some(&UserId("7".into()))).as_str(),
            "10"
        );
        assert_eq!(
            round_robin(&users, Some(&UserId("10".into()))).as_str(),
            "3"
        );
        // The last one left the pool: continue with whoever comes after it.
        assert_eq!(
            round_robin(&users, Some(&UserId("8".into()))).as_str(),
            "10"
        );
    }
}
