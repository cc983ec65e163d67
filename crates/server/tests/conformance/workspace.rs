//! Building a small workspace for a case (users, a channel, contacts that write in) and
//! releasing writers at once.

use std::future::Future;
use std::sync::Arc;

use messenger_protocol::custom_channel::ChannelMessage;
use messenger_protocol::{ChannelKind, Contact, ContactId, Message, Role, Timestamp};
use messenger_server::domain::{Ctx, inbound};
use messenger_server::error::AppResult;
use messenger_server::store::{ChannelRecord, NewChannelRecord, NewUser, Store, UserRecord};
use tokio::sync::Barrier;

use super::bed::Bed;

/// The time every case writes at (the store keeps it; nothing here waits for it).
pub fn now() -> Timestamp {
    Timestamp::from_millis(1_795_000_000_000).unwrap()
}

pub async fn user(store: &Arc<dyn Store>, name: &str, role: Role) -> UserRecord {
    let new = NewUser {
        name: name.to_owned(),
        email: format!("{}@example.com", name.to_lowercase().replace(' ', ".")),
        role,
        password_hash: "not-a-hash".into(),
        created_at: now(),
    };
    store
        .write(move |tx| Ok(tx.insert_user(&new)?))
        .await
        .unwrap()
}

pub async fn owner(store: &Arc<dyn Store>) -> UserRecord {
    user(store, "Olivia Owner", Role::Owner).await
}

pub async fn agents(store: &Arc<dyn Store>, n: usize) -> Vec<UserRecord> {
    let mut out = Vec::new();
    for i in 0..n {
        out.push(user(store, &format!("Agent {i}"), Role::Agent).await);
    }
    out
}

/// A Custom Channel with no outbound URL (replies are stored, nothing is delivered).
pub async fn channel(store: &Arc<dyn Store>) -> ChannelRecord {
    let new = NewChannelRecord {
        name: "Web chat".into(),
        kind: ChannelKind::Custom,
        supports_voice: false,
        outbound_url: None,
        bot_url: None,
        api_token: uuid::Uuid::new_v4().simple().to_string(),
        signing_secret: uuid::Uuid::new_v4().simple().to_string(),
        allow_private_network: false,
        created_at: now(),
    };
    store
        .write(move |tx| Ok(tx.insert_channel(&new)?))
        .await
        .unwrap()
}

/// A contact (`external` on `channel`) writes `m_id`, as the webhook stores it.
pub async fn contact_writes(
    store: &Arc<dyn Store>,
    channel: &ChannelRecord,
    external: &str,
    m_id: &str,
) -> AppResult<Option<(Message, ContactId)>> {
    let (channel, external, m_id) = (channel.clone(), external.to_owned(), m_id.to_owned());
    store
        .write(move |tx| {
            let text = ChannelMessage::Text {
                text: format!("Hello ({m_id})"),
            };
            inbound::receive_message(
                tx,
                &channel,
                &external,
                None,
                inbound::Delivered::new(&m_id, &text),
                now(),
            )
        })
        .await
}

/// A contact that has written in (so it has an open conversation); its id.
pub async fn contact(store: &Arc<dyn Store>, channel: &ChannelRecord, external: &str) -> ContactId {
    let (_, id) = contact_writes(store, channel, external, &format!("{external}-first"))
        .await
        .unwrap()
        .expect("a first message is stored");
    id
}

pub async fn read_contact(store: &Arc<dyn Store>, id: &ContactId) -> Contact {
    let id = id.clone();
    store
        .read(move |tx| Ok(tx.contact(&id)?))
        .await
        .unwrap()
        .expect("the contact exists")
}

/// The context of `user` acting now, as a request builds it.
pub fn ctx(tx: &mut dyn messenger_server::store::ReadTx, user: &UserRecord) -> AppResult<Ctx> {
    Ctx::load(tx, user.clone(), now())
}

/// Runs `work(i, handle)` for `i` in `0..n`, each on its own task and on handle `i` of the
/// bed, released together; the results in order of `i`.
pub async fn at_once<T, F, Fut>(bed: &Bed, n: usize, work: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize, Arc<dyn Store>) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    let start = Arc::new(Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (start, work, store) = (start.clone(), work.clone(), bed.handle(i));
            tokio::spawn(async move {
                start.wait().await;
                work(i, store).await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// A contact known on `channel` as `external` that never wrote (no conversation yet).
pub async fn quiet_contact(
    store: &Arc<dyn Store>,
    channel: &ChannelRecord,
    external: &str,
) -> ContactId {
    let (channel, external) = (channel.id.clone(), external.to_owned());
    store
        .write(move |tx| {
            let contact = tx.insert_contact(&messenger_server::store::NewContact {
                name: format!("Contact {external}"),
                first_name: "Contact".into(),
                email: None,
                phone: None,
                profile: Default::default(),
                custom_fields: Default::default(),
                created_at: now(),
            })?;
            tx.add_contact_identity(&contact.id, &channel, &external)?;
            Ok(contact.id)
        })
        .await
        .unwrap()
}

/// Assigns the contact to `user` (None unassigns), as a manager would.
pub async fn assign(
    store: &Arc<dyn Store>,
    contact: &ContactId,
    user: Option<&UserRecord>,
    by: &UserRecord,
) {
    let (contact, user, by) = (contact.clone(), user.map(|u| u.id.clone()), by.id.clone());
    store
        .write(move |tx| {
            let mut c = tx.contact(&contact)?.expect("the contact exists");
            let by = messenger_protocol::Actor::user(by.as_str());
            messenger_server::domain::assignment::set_assignee(
                tx,
                &mut c,
                user.as_ref(),
                &by,
                now(),
            )
        })
        .await
        .unwrap();
}
