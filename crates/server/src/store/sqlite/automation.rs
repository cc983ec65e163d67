//! Workflows, round-robin state, open-contact counts, reporting facts and integration
//! webhooks in SQLite.

use std::collections::HashMap;

use messenger_protocol::{
    Conditions, ConversationId, IntegrationEvent, Step, Trigger, UserId, Workflow, WorkflowId,
    WorkflowInput,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::convert::{
    Json, id_param, id_required, id_text, millis, opt_id, opt_millis, opt_timestamp, opt_typed,
    timestamp, to_json,
};
use crate::secrets::SecretCipher;
use crate::store::{ConversationFact, IntegrationWebhookRecord, StoreError};

fn trigger_from(s: &str) -> Trigger {
    match s {
        "conversation_closed" => Trigger::ConversationClosed,
        "message_received" => Trigger::MessageReceived,
        "contact_assigned" => Trigger::ContactAssigned,
        _ => Trigger::ConversationOpened,
    }
}

fn workflow_row(r: &Row<'_>) -> rusqlite::Result<Workflow> {
    let conditions: Json<Conditions> = r.get(4)?;
    let steps: Json<Vec<Step>> = r.get(5)?;
    Ok(Workflow {
        id: WorkflowId(id_text(r.get(0)?)),
        name: r.get(1)?,
        enabled: r.get(2)?,
        trigger: trigger_from(&r.get::<_, String>(3)?),
        conditions: conditions.0,
        steps: steps.0,
    })
}

const WORKFLOW_COLUMNS: &str = "id, name, enabled, trigger, conditions, steps";

pub fn workflows(conn: &Connection) -> Result<Vec<Workflow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {WORKFLOW_COLUMNS} FROM workflows ORDER BY id"
    ))?;
    let rows = stmt.query_map([], workflow_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn workflow(conn: &Connection, id: &WorkflowId) -> Result<Option<Workflow>, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {WORKFLOW_COLUMNS} FROM workflows WHERE id = ?1"
        ))?
        .query_row([id], workflow_row)
        .optional()?)
}

pub fn workflows_for(conn: &Connection, trigger: Trigger) -> Result<Vec<Workflow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {WORKFLOW_COLUMNS} FROM workflows WHERE enabled = 1 AND trigger = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([trigger.as_str()], workflow_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn insert_workflow(conn: &Connection, w: &WorkflowInput) -> Result<Workflow, StoreError> {
    conn.prepare_cached(
        "INSERT INTO workflows (name, enabled, trigger, conditions, steps) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![w.name, w.enabled, w.trigger.as_str(), to_json(&w.conditions)?, to_json(&w.steps)?])?;
    Ok(Workflow {
        id: WorkflowId(id_text(conn.last_insert_rowid())),
        name: w.name.clone(),
        enabled: w.enabled,
        trigger: w.trigger,
        conditions: w.conditions.clone(),
        steps: w.steps.clone(),
    })
}

pub fn update_workflow(conn: &Connection, w: &Workflow) -> Result<(), StoreError> {
    let id = id_required(w.id.as_str(), "Workflow")?;
    conn.prepare_cached(
        "UPDATE workflows SET name = ?2, enabled = ?3, trigger = ?4, conditions = ?5, steps = ?6 WHERE id = ?1",
    )?
    .execute(params![id, w.name, w.enabled, w.trigger.as_str(), to_json(&w.conditions)?, to_json(&w.steps)?])?;
    Ok(())
}

pub fn delete_workflow(conn: &Connection, id: &WorkflowId) -> Result<bool, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(false);
    };
    Ok(conn
        .prepare_cached("DELETE FROM workflows WHERE id = ?1")?
        .execute([id])?
        > 0)
}

pub fn round_robin_last(
    conn: &Connection,
    workflow: &WorkflowId,
) -> Result<Option<UserId>, StoreError> {
    let Some(id) = id_param(workflow.as_str()) else {
        return Ok(None);
    };
    let last: Option<Option<i64>> = conn
        .prepare_cached("SELECT last_assigned FROM workflow_state WHERE workflow_id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(opt_typed::<UserId>(last.flatten()))
}

pub fn set_round_robin_last(
    conn: &Connection,
    workflow: &WorkflowId,
    user: &UserId,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO workflow_state (workflow_id, last_assigned) VALUES (?1, ?2)
         ON CONFLICT (workflow_id) DO UPDATE SET last_assigned = excluded.last_assigned",
    )?
    .execute(params![
        id_required(workflow.as_str(), "Workflow")?,
        id_required(user.as_str(), "User")?
    ])?;
    Ok(())
}

/// Open contacts (with an open conversation) per assignee.
pub fn open_contact_counts(conn: &Connection) -> Result<HashMap<UserId, u32>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT assignee_id, COUNT(*) FROM contacts
         WHERE assignee_id IS NOT NULL AND open_conversation_id IS NOT NULL GROUP BY assignee_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            UserId(id_text(r.get(0)?)),
            u32::try_from(r.get::<_, i64>(1)?).unwrap_or(u32::MAX),
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

const FACT_COLUMNS: &str = "conversation_id, opened_at, opened_assignee, first_response_at, responder_id, closed_at, resolver_id";

fn fact_row(r: &Row<'_>) -> rusqlite::Result<ConversationFact> {
    Ok(ConversationFact {
        conversation_id: ConversationId(id_text(r.get(0)?)),
        opened_at: timestamp(r.get(1)?),
        opened_assignee: opt_typed::<UserId>(r.get(2)?),
        first_response_at: opt_timestamp(r.get(3)?),
        responder_id: opt_typed::<UserId>(r.get(4)?),
        closed_at: opt_timestamp(r.get(5)?),
        resolver_id: opt_typed::<UserId>(r.get(6)?),
    })
}

pub fn fact(
    conn: &Connection,
    id: &ConversationId,
) -> Result<Option<ConversationFact>, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {FACT_COLUMNS} FROM conversation_facts WHERE conversation_id = ?1"
        ))?
        .query_row([id], fact_row)
        .optional()?)
}

/// Facts with `conversation_id > after`, in id order, at most `limit` (for loading in pages).
pub fn facts_after(
    conn: &Connection,
    after: i64,
    limit: usize,
) -> Result<Vec<ConversationFact>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {FACT_COLUMNS} FROM conversation_facts WHERE conversation_id > ?1 ORDER BY conversation_id LIMIT ?2"
    ))?;
    let rows = stmt.query_map(
        params![after, i64::try_from(limit).unwrap_or(10_000)],
        fact_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn facts_of(
    conn: &Connection,
    ids: &[ConversationId],
) -> Result<Vec<ConversationFact>, StoreError> {
    let ids: Vec<Value> = ids
        .iter()
        .filter_map(|i| id_param(i.as_str()))
        .map(Value::Integer)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; ids.len()].join(",");
    let mut stmt = conn.prepare(&format!(
        "SELECT {FACT_COLUMNS} FROM conversation_facts WHERE conversation_id IN ({marks})"
    ))?;
    let rows = stmt.query_map(params_from_iter(ids), fact_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn upsert_fact(conn: &Connection, f: &ConversationFact) -> Result<(), StoreError> {
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO conversation_facts ({FACT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    ))?
    .execute(params![
        id_required(f.conversation_id.as_str(), "Conversation")?,
        millis(f.opened_at),
        opt_id(f.opened_assignee.as_ref()),
        opt_millis(f.first_response_at),
        opt_id(f.responder_id.as_ref()),
        opt_millis(f.closed_at),
        opt_id(f.resolver_id.as_ref())
    ])?;
    Ok(())
}

/// The associated data that binds a sealed integration signing secret to its column.
pub const WEBHOOK_SECRET_FIELD: &str = "integration_webhooks.signing_secret";

/// A row as stored: its signing secret still sealed.
fn webhook_row(r: &Row<'_>) -> rusqlite::Result<IntegrationWebhookRecord> {
    let events: Json<Vec<IntegrationEvent>> = r.get(2)?;
    Ok(IntegrationWebhookRecord {
        id: id_text(r.get(0)?),
        url: r.get(1)?,
        events: events.0,
        signing_secret: r.get(3)?,
        allow_private_network: r.get(4)?,
        created_at: timestamp(r.get(5)?),
    })
}

fn unseal_webhook(
    cipher: &SecretCipher,
    mut w: IntegrationWebhookRecord,
) -> Result<IntegrationWebhookRecord, StoreError> {
    w.signing_secret = cipher.open(WEBHOOK_SECRET_FIELD, &w.signing_secret)?;
    Ok(w)
}

const WEBHOOK_COLUMNS: &str = "id, url, events, signing_secret, allow_private_network, created_at";

pub fn integration_webhooks(
    conn: &Connection,
    cipher: &SecretCipher,
) -> Result<Vec<IntegrationWebhookRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {WEBHOOK_COLUMNS} FROM integration_webhooks ORDER BY id"
    ))?;
    let rows = stmt.query_map([], webhook_row)?;
    rows.map(|row| unseal_webhook(cipher, row?)).collect()
}

pub fn integration_webhook(
    conn: &Connection,
    cipher: &SecretCipher,
    id: &str,
) -> Result<Option<IntegrationWebhookRecord>, StoreError> {
    let Some(id) = id_param(id) else {
        return Ok(None);
    };
    conn.prepare_cached(&format!(
        "SELECT {WEBHOOK_COLUMNS} FROM integration_webhooks WHERE id = ?1"
    ))?
    .query_row([id], webhook_row)
    .optional()?
    .map(|w| unseal_webhook(cipher, w))
    .transpose()
}

pub fn insert_integration_webhook(
    conn: &Connection,
    cipher: &SecretCipher,
    w: &IntegrationWebhookRecord,
) -> Result<IntegrationWebhookRecord, StoreError> {
    conn.prepare_cached(
        "INSERT INTO integration_webhooks (url, events, signing_secret, allow_private_network, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        w.url,
        to_json(&w.events)?,
        cipher.seal(WEBHOOK_SECRET_FIELD, &w.signing_secret)?,
        w.allow_private_network,
        millis(w.created_at)
    ])?;
    let mut stored = w.clone();
    stored.id = id_text(conn.last_insert_rowid());
    Ok(stored)
}

pub fn delete_integration_webhook(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    let Some(id) = id_param(id) else {
        return Ok(false);
    };
    Ok(conn
        .prepare_cached("DELETE FROM integration_webhooks WHERE id = ?1")?
        .execute([id])?
        > 0)
}
