//! The configuration every inbound message reads (the enabled workflows of a trigger) is read
//! as the writes before it left it: a write sees what an earlier write of the same transaction
//! changed, and never what a refused write changed and was undone (a store may remember such
//! reads for a while: see the PostgreSQL store's `ConfigMemo`).

use messenger_protocol::{Conditions, Trigger, WorkflowInput};
use messenger_server::error::AppError;

use super::bed::Bed;

fn workflow(name: &str) -> WorkflowInput {
    WorkflowInput {
        name: name.into(),
        enabled: true,
        trigger: Trigger::MessageReceived,
        conditions: Conditions::default(),
        steps: Vec::new(),
    }
}

pub async fn configuration_reads_follow_earlier_writes_and_never_undone_ones(bed: Bed) {
    let store = bed.handle(0);

    let (before, after) = store
        .write(|tx| {
            let before = tx.workflows_for(Trigger::MessageReceived)?.len();
            tx.insert_workflow(&workflow("kept"))?;
            let after = tx.workflows_for(Trigger::MessageReceived)?;
            Ok((
                before,
                after.iter().map(|w| w.name.clone()).collect::<Vec<_>>(),
            ))
        })
        .await
        .unwrap();
    assert_eq!(before, 0, "{}: no workflow yet", bed.store);
    assert_eq!(
        after,
        ["kept"],
        "{}: the write's own workflow is read back",
        bed.store
    );

    // Issued at once, so that a store committing writes in groups mixes refused writers and
    // readers in one transaction.
    let writes = (0..40).map(|i| {
        let store = store.clone();
        async move {
            store
                .write(move |tx| {
                    if i % 2 == 0 {
                        tx.insert_workflow(&workflow(&format!("undone-{i}")))?;
                        tx.workflows_for(Trigger::MessageReceived)?;
                        return Err(AppError::invalid("refused after writing (in a test)"));
                    }
                    let names = tx.workflows_for(Trigger::MessageReceived)?;
                    Ok(names.into_iter().map(|w| w.name).collect::<Vec<_>>())
                })
                .await
        }
    });
    for (i, answer) in futures::future::join_all(writes)
        .await
        .into_iter()
        .enumerate()
    {
        match answer {
            Ok(names) => assert_eq!(
                names,
                ["kept"],
                "{}: write {i} read a workflow that a refused write undid",
                bed.store
            ),
            Err(e) => assert_eq!(i % 2, 0, "{}: write {i} failed: {e:?}", bed.store),
        }
    }
}
