//! Assignment steps of workflows under concurrency: round robin splits contacts evenly and
//! least open keeps its cap, however many instances run assignments at once.

use std::collections::HashMap;

use messenger_protocol::{
    AssignStrategy, AssignTarget, Conditions, ContactId, Step, Trigger, UserId, WorkflowInput,
};
use messenger_server::domain::workflow_steps;

use super::bed::Bed;
use super::workspace::{self, at_once};

/// Runs the workflow's assign step for every contact at once (one writer per contact, spread
/// over the handles); the contacts' assignees after.
async fn assign_all_at_once(
    bed: &Bed,
    strategy: AssignStrategy,
    team: Vec<UserId>,
    max_open: Option<u32>,
    contacts: Vec<ContactId>,
) -> HashMap<UserId, usize> {
    let store = bed.handle(0);
    // Disabled: nothing fires it; the cases run its step as the workflow runner would.
    let input = WorkflowInput {
        name: "Share the load".into(),
        enabled: false,
        trigger: Trigger::MessageReceived,
        conditions: Conditions::default(),
        steps: vec![Step::Assign {
            to: AssignTarget::Pool { strategy, team },
            only_online: false,
            max_open,
        }],
    };
    let workflow = store
        .write(move |tx| Ok(tx.insert_workflow(&input)?))
        .await
        .unwrap();
    let n = contacts.len();
    let ran = at_once(bed, n, {
        let (workflow, contacts) = (workflow.clone(), contacts.clone());
        move |i, store| {
            let (workflow, contact) = (workflow.clone(), contacts[i].clone());
            async move {
                store
                    .write(move |tx| {
                        let mut c = tx.contact(&contact)?.expect("the contact exists");
                        workflow_steps::run_step(tx, &workflow, 0, &mut c, workspace::now())
                    })
                    .await
            }
        }
    })
    .await;
    for (i, r) in ran.into_iter().enumerate() {
        r.unwrap_or_else(|e| panic!("{}: assigning contact {i} failed: {e:?}", bed.store));
    }
    let mut counts = HashMap::new();
    for id in &contacts {
        if let Some(a) = workspace::read_contact(&store, id).await.assignee_id {
            *counts.entry(a).or_insert(0) += 1;
        }
    }
    counts
}

async fn open_contacts(bed: &Bed, n: usize) -> Vec<ContactId> {
    let store = bed.handle(0);
    let channel = workspace::channel(&store).await;
    let mut out = Vec::new();
    for i in 0..n {
        out.push(workspace::contact(&store, &channel, &format!("+{i}")).await);
    }
    out
}

pub async fn round_robin_splits_concurrent_assignments_evenly(bed: Bed) {
    let agents = workspace::agents(&bed.handle(0), 3).await;
    let contacts = open_contacts(&bed, 12).await;
    let team = agents.iter().map(|a| a.id.clone()).collect();
    let counts = assign_all_at_once(&bed, AssignStrategy::RoundRobin, team, None, contacts).await;
    for a in &agents {
        assert_eq!(
            counts.get(&a.id).copied().unwrap_or(0),
            4,
            "{}: 12 contacts over 3 agents by round robin: {counts:?}",
            bed.store
        );
    }
}

pub async fn least_open_keeps_the_cap_under_concurrent_assignments(bed: Bed) {
    let agents = workspace::agents(&bed.handle(0), 3).await;
    let contacts = open_contacts(&bed, 9).await;
    let team = agents.iter().map(|a| a.id.clone()).collect();
    let counts = assign_all_at_once(&bed, AssignStrategy::LeastOpen, team, Some(2), contacts).await;
    for a in &agents {
        assert_eq!(
            counts.get(&a.id).copied().unwrap_or(0),
            2,
            "{}: 9 contacts, 3 agents with at most 2 open each: {counts:?}",
            bed.store
        );
    }
    assert_eq!(
        counts.values().sum::<usize>(),
        6,
        "{}: 3 left unassigned",
        bed.store
    );
}
