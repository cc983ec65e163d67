//! Older history, fetched from the server page by page on demand and cached, so a contact
//! looked at once reads offline afterwards.

use std::sync::Arc;

use messenger_protocol::ContactId;

use crate::account::Account;
use crate::error::AgentResult;
use crate::view::AgentEvent;

const PAGE: u32 = 50;

/// Fetches the next older page of a contact's timeline (the newest page, the first time, with
/// its conversations and comments). Returns whether older pages remain.
pub async fn load_older(account: &Arc<Account>, contact: &ContactId) -> AgentResult<bool> {
    let (from, done) = account.cache.history_state(contact)?;
    if done {
        return Ok(false);
    }
    let before = from.map(|id| id.to_string());
    let page = account
        .client
        .messages(contact, before.as_deref(), PAGE)
        .await?;
    let first = from.is_none();
    let conversations = if first {
        Some(account.client.conversations(contact).await?)
    } else {
        None
    };
    let complete = page.next_cursor.is_none();
    let cache = account.cache.clone();
    let (c, items) = (contact.clone(), page.items);
    tokio::task::spawn_blocking(move || {
        cache.store_history(&c, &items, complete, conversations.as_deref())
    })
    .await
    .map_err(|e| crate::error::AgentError::Cache(e.to_string()))??;
    if first {
        let comments = account.client.comments(contact).await?;
        account.cache.store_comments(&comments)?;
    }
    account.emit(AgentEvent::TimelineChanged {
        contact_id: contact.clone(),
    });
    account.emit(AgentEvent::ContactsChanged {
        ids: vec![contact.clone()],
    });
    Ok(!complete)
}

/// Makes sure the newest page of a contact's timeline is cached.
pub async fn ensure(account: &Arc<Account>, contact: &ContactId) -> AgentResult<()> {
    let (from, done) = account.cache.history_state(contact)?;
    if from.is_none() && !done {
        load_older(account, contact).await?;
    }
    Ok(())
}

/// In the background: the newest page of every contact assigned to me that has none cached,
/// so the agent's own conversations read offline even if never opened.
pub async fn prefetch_mine(account: Arc<Account>) {
    let me = account.session.user.id.clone();
    let q = crate::cache::InboxQuery {
        view: messenger_protocol::ContactView::Mine,
        status: messenger_protocol::StatusFilter::Any,
        sort: crate::view::InboxSortOrder::Newest,
        text: None,
        offset: 0,
        limit: 200,
    };
    let Ok(page) = account.cache.inbox(&me, &q) else {
        return;
    };
    for row in page.rows {
        if account.stopping() {
            return;
        }
        if let Err(e) = ensure(&account, &row.contact.id).await {
            tracing::debug!(error = %e, "history prefetch stopped");
            return;
        }
    }
}
