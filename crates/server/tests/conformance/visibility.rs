//! Visibility scopes as the store answers them: which contacts and conversations each scope
//! holds, and how the log reads for a restricted reader (by the assignees of now).

use std::collections::BTreeSet;

use messenger_protocol::ContactId;
use messenger_server::domain::visibility::LogView;
use messenger_server::store::Scope;

use super::bed::Bed;
use super::workspace;

fn ids(contacts: impl IntoIterator<Item = ContactId>) -> BTreeSet<ContactId> {
    contacts.into_iter().collect()
}

pub async fn scopes_choose_contacts_by_their_assignee(bed: Bed) {
    let store = bed.handle(0);
    let owner = workspace::owner(&store).await;
    let agents = workspace::agents(&store, 2).await;
    let (a, b) = (&agents[0], &agents[1]);
    let channel = workspace::channel(&store).await;
    let of_a = workspace::contact(&store, &channel, "+a").await;
    let of_b = workspace::contact(&store, &channel, "+b").await;
    let nobodys = workspace::contact(&store, &channel, "+u").await;
    workspace::assign(&store, &of_a, Some(a), &owner).await;
    workspace::assign(&store, &of_b, Some(b), &owner).await;

    let cases = [
        (
            Scope::All,
            ids([of_a.clone(), of_b.clone(), nobodys.clone()]),
        ),
        (
            Scope::AssignedToOrUnassigned(a.id.clone()),
            ids([of_a.clone(), nobodys.clone()]),
        ),
        (Scope::AssignedTo(a.id.clone()), ids([of_a.clone()])),
        (Scope::AssignedTo(b.id.clone()), ids([of_b.clone()])),
    ];
    for (scope, expected) in cases {
        let s = scope.clone();
        let (contacts, conversations) = store
            .read(move |tx| Ok((tx.contacts_in_scope(&s)?, tx.conversations_in_scope(&s)?)))
            .await
            .unwrap();
        assert_eq!(
            ids(contacts.into_iter().map(|c| c.id)),
            expected,
            "{}: contacts in {scope:?}",
            bed.store
        );
        assert_eq!(
            ids(conversations.into_iter().map(|c| c.contact_id)),
            expected,
            "{}: contacts of the conversations in {scope:?}",
            bed.store
        );
    }
}

/// Every event of the log as a reader with `scope` reads it now: (contact, kind, frame).
async fn read_log_as(
    store: &std::sync::Arc<dyn messenger_server::store::Store>,
    scope: Scope,
) -> Vec<(Option<ContactId>, String, Option<String>)> {
    store
        .read(move |tx| {
            let events = tx.events_after(0, 100_000)?;
            let view = LogView::now(tx, scope.clone(), &events)?;
            Ok(events
                .iter()
                .map(|e| {
                    let frame = view.frame(e).map(|f| f.as_str().to_owned());
                    (e.contact_id.clone(), e.kind.clone(), frame)
                })
                .collect())
        })
        .await
        .unwrap()
}

pub async fn the_log_reads_with_the_assignees_of_now(bed: Bed) {
    let store = bed.handle(0);
    let owner = workspace::owner(&store).await;
    let agents = workspace::agents(&store, 2).await;
    let (a, b) = (&agents[0], &agents[1]);
    let channel = workspace::channel(&store).await;
    let of_a = workspace::contact(&store, &channel, "+a").await;
    let moving = workspace::contact(&store, &channel, "+m").await;
    workspace::assign(&store, &of_a, Some(a), &owner).await;
    workspace::assign(&store, &moving, Some(b), &owner).await;

    let scope = Scope::AssignedTo(a.id.clone());
    for (contact, kind, frame) in read_log_as(&store, scope.clone()).await {
        match contact {
            Some(c) if c == moving => match kind.as_str() {
                "contact.upserted" => assert!(
                    frame
                        .as_deref()
                        .is_some_and(|f| f.contains("\"contact.removed\"")),
                    "{}: a hidden contact's upsert reads as contact.removed: {frame:?}",
                    bed.store
                ),
                _ => assert!(
                    frame.is_none(),
                    "{}: {kind} of a contact assigned to someone else was shown: {frame:?}",
                    bed.store
                ),
            },
            Some(c) if c == of_a => assert!(
                frame
                    .as_deref()
                    .is_some_and(|f| !f.contains("\"contact.removed\"")),
                "{}: {kind} of the reader's own contact was withheld",
                bed.store
            ),
            _ => {}
        }
    }

    // Moved to the reader: its whole history reads as visible now, old events included.
    workspace::assign(&store, &moving, Some(a), &owner).await;
    let log = read_log_as(&store, scope).await;
    let of_moving: Vec<_> = log
        .iter()
        .filter(|(c, _, _)| c.as_ref() == Some(&moving))
        .collect();
    assert!(
        of_moving.len() > 3,
        "{}: the contact has a history",
        bed.store
    );
    for (_, kind, frame) in of_moving {
        assert!(
            frame
                .as_deref()
                .is_some_and(|f| !f.contains("\"contact.removed\"")),
            "{}: {kind} of a contact now assigned to the reader is withheld",
            bed.store
        );
    }

    // The store keeps each event's assignee as written (the live feed judges by it).
    let events = store
        .read(|tx| Ok(tx.events_after(0, 100_000)?))
        .await
        .unwrap();
    let last_upsert_of_a = events
        .iter()
        .rev()
        .find(|e| e.kind == "contact.upserted" && e.contact_id.as_ref() == Some(&of_a))
        .expect("an upsert of the contact");
    assert_eq!(
        last_upsert_of_a.assignee_id.as_ref(),
        Some(&a.id),
        "{}: the assignee an event was written with",
        bed.store
    );
}
