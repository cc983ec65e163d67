//! Workflows, round-robin state, open-contact counts, reporting facts and integration
//! webhooks in PostgreSQL.

use std::collections::HashMap;

use messenger_protocol::{
    Conditions, ConversationId, IntegrationEvent, Step, Trigger, UserId, Workflow, WorkflowId,
    WorkflowInput,
};
use tokio_postgres::Row;

use super::convert::{
    Col, id_param, id_required, id_text, millis, opt_id, opt_millis, opt_timestamp, opt_typed,
    timestamp, to_json,
};
use super::db::Db;
use crate::secrets::SecretCipher;
use crate::store::{ConversationFact, IntegrationWebhookRecord, StoreError};

/// The configuration every inbound message reads (the enabled workflows of a trigger, the
/// integration webhooks), remembered by a [`Db`] for its transaction: a writer's batch reads it
/// once instead of once per job. Any write to it through the same `Db`, and any rollback to a
/// savepoint, forgets it, so a job still sees what the jobs before it changed; what another
/// instance commits meanwhile is seen by the next batch, as READ COMMITTED would let a
/// statement of the same transaction miss it anyway.
#[derive(Default)]
pub struct ConfigMemo {
    workflows: HashMap<Trigger, Vec<Workflow>>,
    integration_webhooks: Option<Vec<IntegrationWebhookRecord>>,
}

/// The same associated data as SQLite's, so copied secrets open with the same key.
pub const WEBHOOK_SECRET_FIELD: &str = "integration_webhooks.signing_secret";

fn trigger_from(s: &str) -> Trigger {
    match s {
        "conversation_closed" => Trigger::ConversationClosed,
        "message_received" => Trigger::MessageReceived,
        "contact_assigned" => Trigger::ContactAssigned,
        _ => Trigger::ConversationOpened,
    }
}

const WORKFLOW_COLUMNS: &str = "id, name, enabled, trigger, conditions, steps";

fn workflow_row(r: &Row) -> Result<Workflow, StoreError> {
    Ok(Workflow {
        id: WorkflowId(id_text(r.col(0)?)),
        name: r.col(1)?,
        enabled: r.col(2)?,
        trigger: trigger_from(r.col(3)?),
        conditions: r.json::<Conditions>(4)?,
        steps: r.json::<Vec<Step>>(5)?,
    })
}

pub fn workflows(db: &Db<'_>) -> Result<Vec<Workflow>, StoreError> {
    db.query(
        &format!("SELECT {WORKFLOW_COLUMNS} FROM workflows ORDER BY id"),
        &[],
    )?
    .iter()
    .map(workflow_row)
    .collect()
}

pub fn workflow(db: &Db<'_>, id: &WorkflowId) -> Result<Option<Workflow>, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(None);
    };
    db.query_opt(
        &format!("SELECT {WORKFLOW_COLUMNS} FROM workflows WHERE id = $1"),
        &[&id],
    )?
    .as_ref()
    .map(workflow_row)
    .transpose()
}

pub fn workflows_for(db: &Db<'_>, trigger: Trigger) -> Result<Vec<Workflow>, StoreError> {
    if let Some(known) = db.config.borrow().workflows.get(&trigger) {
        return Ok(known.clone());
    }
    let found: Vec<Workflow> = db
        .query(
            &format!(
                "SELECT {WORKFLOW_COLUMNS} FROM workflows WHERE enabled AND trigger = $1 ORDER BY id"
            ),
            &[&trigger.as_str()],
        )?
        .iter()
        .map(workflow_row)
        .collect::<Result<_, _>>()?;
    db.config
        .borrow_mut()
        .workflows
        .insert(trigger, found.clone());
    Ok(found)
}

pub fn insert_workflow(db: &Db<'_>, w: &WorkflowInput) -> Result<Workflow, StoreError> {
    db.forget_config();
    let id: i64 = db
        .query_one(
            "INSERT INTO workflows (name, enabled, trigger, conditions, steps)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[
                &w.name,
                &w.enabled,
                &w.trigger.as_str(),
                &to_json(&w.conditions)?,
                &to_json(&w.steps)?,
            ],
        )?
        .col(0)?;
    Ok(Workflow {
        id: WorkflowId(id_text(id)),
        name: w.name.clone(),
        enabled: w.enabled,
        trigger: w.trigger,
        conditions: w.conditions.clone(),
        steps: w.steps.clone(),
    })
}

pub fn update_workflow(db: &Db<'_>, w: &Workflow) -> Result<(), StoreError> {
    db.forget_config();
    let id = id_required(w.id.as_str(), "Workflow")?;
    db.execute(
        "UPDATE workflows SET name = $2, enabled = $3, trigger = $4, conditions = $5, steps = $6
         WHERE id = $1",
        &[
            &id,
            &w.name,
            &w.enabled,
            &w.trigger.as_str(),
            &to_json(&w.conditions)?,
            &to_json(&w.steps)?,
        ],
    )?;
    Ok(())
}

pub fn delete_workflow(db: &Db<'_>, id: &WorkflowId) -> Result<bool, StoreError> {
    db.forget_config();
    let Some(id) = id_param(id.as_str()) else {
        return Ok(false);
    };
    Ok(db.execute("DELETE FROM workflows WHERE id = $1", &[&id])? > 0)
}

pub fn round_robin_last(db: &Db<'_>, workflow: &WorkflowId) -> Result<Option<UserId>, StoreError> {
    let Some(id) = id_param(workflow.as_str()) else {
        return Ok(None);
    };
    let last: Option<i64> = db
        .query_opt(
            "SELECT last_assigned FROM workflow_state WHERE workflow_id = $1",
            &[&id],
        )?
        .map(|r| r.col::<Option<i64>>(0))
        .transpose()?
        .flatten();
    Ok(opt_typed::<UserId>(last))
}

pub fn set_round_robin_last(
    db: &Db<'_>,
    workflow: &WorkflowId,
    user: &UserId,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO workflow_state (workflow_id, last_assigned) VALUES ($1, $2)
         ON CONFLICT (workflow_id) DO UPDATE SET last_assigned = excluded.last_assigned",
        &[
            &id_required(workflow.as_str(), "Workflow")?,
            &id_required(user.as_str(), "User")?,
        ],
    )?;
    Ok(())
}

/// Open contacts (with an open conversation) per assignee.
pub fn open_contact_counts(db: &Db<'_>) -> Result<HashMap<UserId, u32>, StoreError> {
    db.query(
        "SELECT assignee_id, COUNT(*) FROM contacts
         WHERE assignee_id IS NOT NULL AND open_conversation_id IS NOT NULL GROUP BY assignee_id",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok((
            UserId(id_text(r.col(0)?)),
            u32::try_from(r.col::<i64>(1)?).unwrap_or(u32::MAX),
        ))
    })
    .collect()
}

const FACT_COLUMNS: &str = "conversation_id, opened_at, opened_assignee, first_response_at, \
                            responder_id, closed_at, resolver_id";

fn fact_row(r: &Row) -> Result<ConversationFact, StoreError> {
    Ok(ConversationFact {
        conversation_id: ConversationId(id_text(r.col(0)?)),
        opened_at: timestamp(r.col(1)?),
        opened_assignee: opt_typed::<UserId>(r.col(2)?),
        first_response_at: opt_timestamp(r.col(3)?),
        responder_id: opt_typed::<UserId>(r.col(4)?),
        closed_at: opt_timestamp(r.col(5)?),
        resolver_id: opt_typed::<UserId>(r.col(6)?),
    })
}

pub fn fact(db: &Db<'_>, id: &ConversationId) -> Result<Option<ConversationFact>, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(None);
    };
    db.query_opt(
        &format!("SELECT {FACT_COLUMNS} FROM conversation_facts WHERE conversation_id = $1"),
        &[&id],
    )?
    .as_ref()
    .map(fact_row)
    .transpose()
}

/// Facts with `conversation_id > after`, in id order, at most `limit` (for loading in pages).
pub fn facts_after(
    db: &Db<'_>,
    after: i64,
    limit: usize,
) -> Result<Vec<ConversationFact>, StoreError> {
    db.query(
        &format!(
            "SELECT {FACT_COLUMNS} FROM conversation_facts WHERE conversation_id > $1
             ORDER BY conversation_id LIMIT $2"
        ),
        &[&after, &i64::try_from(limit).unwrap_or(10_000)],
    )?
    .iter()
    .map(fact_row)
    .collect()
}

pub fn facts_of(db: &Db<'_>, ids: &[ConversationId]) -> Result<Vec<ConversationFact>, StoreError> {
    let ids: Vec<i64> = ids.iter().filter_map(|i| id_param(i.as_str())).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db.query(
        &format!("SELECT {FACT_COLUMNS} FROM conversation_facts WHERE conversation_id = ANY($1)"),
        &[&ids],
    )?
    .iter()
    .map(fact_row)
    .collect()
}

pub fn upsert_fact(db: &Db<'_>, f: &ConversationFact) -> Result<(), StoreError> {
    db.execute(
        &format!(
            "INSERT INTO conversation_facts ({FACT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (conversation_id) DO UPDATE SET opened_at = excluded.opened_at,
                 opened_assignee = excluded.opened_assignee,
                 first_response_at = excluded.first_response_at,
                 responder_id = excluded.responder_id, closed_at = excluded.closed_at,
                 resolver_id = excluded.resolver_id"
        ),
        &[
            &id_required(f.conversation_id.as_str(), "Conversation")?,
            &millis(f.opened_at),
            &opt_id(f.opened_assignee.as_ref()),
            &opt_millis(f.first_response_at),
            &opt_id(f.responder_id.as_ref()),
            &opt_millis(f.closed_at),
            &opt_id(f.resolver_id.as_ref()),
        ],
    )?;
    Ok(())
}

const WEBHOOK_COLUMNS: &str = "id, url, events, signing_secret, allow_private_network, created_at";

/// A row with its signing secret opened.
fn webhook_row(cipher: &SecretCipher, r: &Row) -> Result<IntegrationWebhookRecord, StoreError> {
    let sealed: &str = r.col(3)?;
    Ok(IntegrationWebhookRecord {
        id: id_text(r.col(0)?),
        url: r.col(1)?,
        events: r.json::<Vec<IntegrationEvent>>(2)?,
        signing_secret: cipher.open(WEBHOOK_SECRET_FIELD, sealed)?,
        allow_private_network: r.col(4)?,
        created_at: timestamp(r.col(5)?),
    })
}

pub fn integration_webhooks(
    db: &Db<'_>,
    cipher: &SecretCipher,
) -> Result<Vec<IntegrationWebhookRecord>, StoreError> {
    if let Some(known) = &db.config.borrow().integration_webhooks {
        return Ok(known.clone());
    }
    let found: Vec<IntegrationWebhookRecord> = db
        .query(
            &format!("SELECT {WEBHOOK_COLUMNS} FROM integration_webhooks ORDER BY id"),
            &[],
        )?
        .iter()
        .map(|r| webhook_row(cipher, r))
        .collect::<Result<_, _>>()?;
    db.config.borrow_mut().integration_webhooks = Some(found.clone());
    Ok(found)
}

pub fn integration_webhook(
    db: &Db<'_>,
    cipher: &SecretCipher,
    id: &str,
) -> Result<Option<IntegrationWebhookRecord>, StoreError> {
    let Some(id) = id_param(id) else {
        return Ok(None);
    };
    db.query_opt(
        &format!("SELECT {WEBHOOK_COLUMNS} FROM integration_webhooks WHERE id = $1"),
        &[&id],
    )?
    .map(|r| webhook_row(cipher, &r))
    .transpose()
}

pub fn insert_integration_webhook(
    db: &Db<'_>,
    cipher: &SecretCipher,
    w: &IntegrationWebhookRecord,
) -> Result<IntegrationWebhookRecord, StoreError> {
    db.forget_config();
    let id: i64 = db
        .query_one(
            "INSERT INTO integration_webhooks
                 (url, events, signing_secret, allow_private_network, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[
                &w.url,
                &to_json(&w.events)?,
                &cipher.seal(WEBHOOK_SECRET_FIELD, &w.signing_secret)?,
                &w.allow_private_network,
                &millis(w.created_at),
            ],
        )?
        .col(0)?;
    let mut stored = w.clone();
    stored.id = id_text(id);
    Ok(stored)
}

pub fn delete_integration_webhook(db: &Db<'_>, id: &str) -> Result<bool, StoreError> {
    db.forget_config();
    let Some(id) = id_param(id) else {
        return Ok(false);
    };
    Ok(db.execute("DELETE FROM integration_webhooks WHERE id = $1", &[&id])? > 0)
}
