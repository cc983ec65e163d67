//! Seeds an empty store with a realistic workspace: an owner, a manager and agents, two
//! channels, closing-note categories, snippets, and a few hundred contacts whose histories span
//! the last three weeks (open and closed conversations, replies, notes, comments). Histories
//! are written through the domain rules with explicit past times, so they read like real use.

use messenger_protocol::custom_channel::{ChannelMessage, InboundContact};
use messenger_protocol::{
    Actor, CategoryInput, ChannelKind, ClientId, ClosingNote, Delivery, NewChannel, NewComment,
    Role, SendMessageRequest, Settings, SnippetInput, Timestamp,
};
use messenger_protocol::{
    AssignStrategy, AssignTarget, AssignmentCondition, Conditions, Step, Trigger, WorkflowInput,
};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use super::script::*;
use crate::clock::Clock;
use crate::domain::{
    Ctx, assignment, categories, channels, comments, conversations, inbound, outgoing, persist,
    snippets, workflows,
};
use crate::error::AppResult;
use crate::operator;
use crate::store::{ChannelRecord, Store, UserRecord, WriteTx};

pub const PASSWORD: &str = "demo-password";
pub const OWNER_EMAIL: &str = "owner@demo.example.com";
pub const CONTACTS: usize = 300;
pub const WHATSAPP: &str = "WhatsApp (demo)";
pub const WEB_CHAT: &str = "Web chat (demo)";

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;

/// Who signs in to the demo.
pub struct DemoUsers {
    pub owner: UserRecord,
    pub agents: Vec<UserRecord>,
}

/// Seeds when the store has no users; returns whether it did.
pub async fn seed_if_empty(store: &dyn Store, clock: &dyn Clock) -> AppResult<bool> {
    if store.read(|tx| Ok(tx.count_users()?)).await? > 0 {
        return Ok(false);
    }
    let now = clock.now();
    let users = add_users(store, clock).await?;
    let owner = users.owner.clone();
    let start = now.plus_millis(-21 * DAY);
    let channels = store
        .write(move |tx| {
            let ctx = Ctx::load(tx, owner.clone(), start)?;
            workspace(tx, &ctx)
        })
        .await?;
    let mut rng = StdRng::seed_from_u64(20261127);
    // In batches: one transaction per 25 contacts.
    for batch in 0..CONTACTS.div_ceil(25) {
        let plans: Vec<ContactPlan> = (batch * 25..((batch + 1) * 25).min(CONTACTS))
            .map(|i| ContactPlan::random(i, &mut rng, now))
            .collect();
        let (agents, channels) = (users.agents.clone(), channels.clone());
        store
            .write(move |tx| {
                for plan in &plans {
                    plan.write(tx, &agents, &channels)?;
                }
                Ok(())
            })
            .await?;
    }
    // Example automation, added after the history so that it acts on new conversations only.
    let owner = users.owner.clone();
    store
        .write(move |tx| {
            let ctx = Ctx::load(tx, owner.clone(), now)?;
            let web_chat = tx.channels()?.into_iter().find(|c| c.name == WEB_CHAT).map(|c| c.id);
            workflows::create(tx, &ctx, WorkflowInput {
                name: "Web chat greeting".into(),
                enabled: true,
                trigger: Trigger::ConversationOpened,
                conditions: Conditions { channel_ids: web_chat.into_iter().collect(), ..Default::default() },
                steps: vec![Step::SendMessage {
                    text: "Hi {{contact.first_name}}! Thanks for writing in; an agent will be with you shortly.".into(),
                }],
            })?;
            workflows::create(tx, &ctx, WorkflowInput {
                name: "Round robin among online agents".into(),
                enabled: false,
                trigger: Trigger::ConversationOpened,
                conditions: Conditions { assignment: AssignmentCondition::Unassigned, ..Default::default() },
                steps: vec![Step::Assign {
                    to: AssignTarget::Pool { strategy: AssignStrategy::RoundRobin, team: Vec::new() },
                    only_online: true,
                    max_open: Some(20),
                }],
            })?;
            Ok(())
        })
        .await?;
    tracing::info!(contacts = CONTACTS, "seeded the demo workspace");
    Ok(true)
}

async fn add_users(store: &dyn Store, clock: &dyn Clock) -> AppResult<DemoUsers> {
    let owner = operator::add_user(
        store,
        clock,
        "Olivia Owner",
        OWNER_EMAIL,
        PASSWORD,
        Role::Owner,
    )
    .await?;
    operator::add_user(
        store,
        clock,
        "Mona Manager",
        "manager@demo.example.com",
        PASSWORD,
        Role::Manager,
    )
    .await?;
    let mut agents = Vec::new();
    for (name, email) in [
        ("Alice Agent", "alice@demo.example.com"),
        ("Bob Agent", "bob@demo.example.com"),
        ("Carla Agent", "carla@demo.example.com"),
        ("Dan Agent", "dan@demo.example.com"),
    ] {
        agents.push(operator::add_user(store, clock, name, email, PASSWORD, Role::Agent).await?);
    }
    Ok(DemoUsers { owner, agents })
}

fn workspace(tx: &mut dyn WriteTx, ctx: &Ctx) -> AppResult<Vec<ChannelRecord>> {
    for (name, description) in CATEGORIES {
        categories::create(
            tx,
            ctx,
            CategoryInput {
                name: Some((*name).into()),
                description: Some((*description).into()),
            },
        )?;
    }
    for (name, shortcut, text) in SNIPPETS {
        snippets::create(
            tx,
            ctx,
            SnippetInput {
                name: Some((*name).into()),
                shortcut: Some((*shortcut).into()),
                text: Some((*text).into()),
            },
        )?;
    }
    let mut out = Vec::new();
    for (name, voice) in [(WHATSAPP, true), (WEB_CHAT, false)] {
        out.push(channels::create(
            tx,
            ctx,
            NewChannel {
                name: name.into(),
                kind: ChannelKind::Custom,
                supports_voice: voice,
                outbound_url: None,
                bot_url: None,
                allow_private_network: true,
            },
        )?);
    }
    Ok(out)
}

/// One contact's made-up history.
struct ContactPlan {
    index: usize,
    first: &'static str,
    last: &'static str,
    whatsapp: bool,
    conversations: Vec<ConversationPlan>,
    comment: Option<&'static str>,
}

struct ConversationPlan {
    start: Timestamp,
    incoming: Vec<&'static str>,
    /// (agent index, reply texts)
    replies: Option<(usize, Vec<&'static str>)>,
    close: Option<(usize, Option<&'static str>, Option<&'static str>)>,
}

impl ContactPlan {
    fn random(index: usize, rng: &mut StdRng, now: Timestamp) -> Self {
        let count = rng.random_range(1..=3);
        let mut start = now.plus_millis(-rng.random_range(DAY..21 * DAY));
        let mut conversations = Vec::new();
        for n in 0..count {
            let last = n + 1 == count;
            let incoming = (0..rng.random_range(1..=3))
                .map(|k| {
                    if k == 0 {
                        *OPENERS.choose(rng).unwrap_or(&"Hi")
                    } else {
                        *FOLLOW_UPS.choose(rng).unwrap_or(&"Thanks")
                    }
                })
                .collect();
            let agent = rng.random_range(0..4);
            let replies = (!last || rng.random_bool(0.7)).then(|| {
                (
                    agent,
                    (0..rng.random_range(1..=2))
                        .map(|_| *REPLIES.choose(rng).unwrap_or(&"Hello"))
                        .collect(),
                )
            });
            let close = (!last || rng.random_bool(0.4)).then(|| {
                let (category, _) = *CATEGORIES.choose(rng).unwrap_or(&("Resolved", ""));
                (
                    agent,
                    Some(category),
                    rng.random_bool(0.7)
                        .then(|| *SUMMARIES.choose(rng).unwrap_or(&"Done.")),
                )
            });
            conversations.push(ConversationPlan {
                start,
                incoming,
                replies,
                close,
            });
            start = start.plus_millis(rng.random_range(DAY / 2..4 * DAY));
            if start > now.plus_millis(-60 * MINUTE) {
                break;
            }
        }
        Self {
            index,
            first: FIRST_NAMES.choose(rng).unwrap_or(&"Sam"),
            last: LAST_NAMES.choose(rng).unwrap_or(&"Lee"),
            whatsapp: rng.random_bool(0.6),
            conversations,
            comment: rng
                .random_bool(0.15)
                .then(|| *COMMENTS.choose(rng).unwrap_or(&"Note")),
        }
    }

    fn write(
        &self,
        tx: &mut dyn WriteTx,
        agents: &[UserRecord],
        channels: &[ChannelRecord],
    ) -> AppResult<()> {
        let (channel, external) = if self.whatsapp {
            (
                &channels[0],
                format!("+1555{:07}", 1_000_000 + self.index * 7919 % 9_000_000),
            )
        } else {
            (&channels[1], format!("web-{:05}", self.index))
        };
        let info = InboundContact {
            first_name: Some(self.first.into()),
            last_name: Some(self.last.into()),
            email: (!self.whatsapp).then(|| {
                format!(
                    "{}.{}@mail.example.com",
                    ascii(self.first),
                    ascii(self.last)
                )
            }),
            phone: self.whatsapp.then(|| external.clone()),
            ..InboundContact::default()
        };
        let settings = tx.settings()?;
        for (n, conv) in self.conversations.iter().enumerate() {
            let mut at = conv.start;
            let mut contact_id = None;
            for (k, text) in conv.incoming.iter().enumerate() {
                let m_id = format!("seed-{}-{n}-{k}", self.index);
                let content = ChannelMessage::Text {
                    text: (*text).into(),
                };
                if let Some((_, id)) = inbound::receive_message(
                    tx,
                    channel,
                    &external,
                    Some(&info),
                    inbound::Delivered {
                        m_id: &m_id,
                        content: &content,
                        sent_at: Some(at),
                    },
                    at,
                )? {
                    contact_id = Some(id);
                }
                at = at.plus_millis(2 * MINUTE);
            }
            let Some(contact_id) = contact_id else {
                continue;
            };
            if let Some((agent, texts)) = &conv.replies {
                let me = agents[*agent % agents.len()].clone();
                at = at.plus_millis(7 * MINUTE);
                let first = self.first;
                for text in texts {
                    let ctx = Ctx {
                        me: me.clone(),
                        settings: settings.clone(),
                        now: at,
                        api_token: None,
                    };
                    let sent = outgoing::send(
                        tx,
                        &ctx,
                        &contact_id,
                        SendMessageRequest {
                            client_id: ClientId(uuid::Uuid::now_v7().to_string()),
                            text: Some(text.replace("{first}", first)),
                            file_ids: Vec::new(),
                            voice: None,
                            channel_id: None,
                        },
                    )?;
                    // History was delivered long ago.
                    let mut message = sent.message;
                    message.delivery = Delivery::Read;
                    message.error = None;
                    let assignee = persist::assignee_of(tx, &contact_id)?;
                    persist::save_message(tx, &message, assignee.as_ref(), at)?;
                    at = at.plus_millis(4 * MINUTE);
                }
            } else if self.index.is_multiple_of(5) {
                let mut contact = tx
                    .contact(&contact_id)?
                    .ok_or_else(|| crate::error::AppError::not_found("Contact"))?;
                let agent = &agents[self.index % agents.len()];
                assignment::set_assignee(
                    tx,
                    &mut contact,
                    Some(&agent.id),
                    &Actor::user(agent.id.as_str()),
                    at,
                )?;
            }
            if let Some((agent, category, summary)) = &conv.close {
                let contact = tx
                    .contact(&contact_id)?
                    .ok_or_else(|| crate::error::AppError::not_found("Contact"))?;
                if let Some(conversation) = contact.open_conversation_id {
                    at = at.plus_millis(20 * MINUTE);
                    let by = Actor::user(agents[*agent % agents.len()].id.as_str());
                    let note = ClosingNote {
                        category: category.map(str::to_owned),
                        summary: summary.map(str::to_owned),
                    };
                    conversations::close(
                        tx,
                        &conversation,
                        by,
                        Some(note),
                        &Settings {
                            unassign_on_close: false,
                            ..settings.clone()
                        },
                        at,
                    )?;
                }
            }
            if n == 0
                && let Some(text) = self.comment
            {
                let author = agents[self.index % agents.len()].clone();
                let ctx = Ctx {
                    me: author,
                    settings: settings.clone(),
                    now: at,
                    api_token: None,
                };
                comments::add(
                    tx,
                    &ctx,
                    &contact_id,
                    NewComment {
                        text: text.into(),
                        client_id: None,
                        mentions: Vec::new(),
                    },
                )?;
            }
        }
        Ok(())
    }
}

fn ascii(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'á' | 'à' => 'a',
            'é' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' | 'ü' => 'u',
            'ñ' => 'n',
            other => other,
        })
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase()
}
