//! Desktop notifications (notify-rust): what the policy selects, coalesced over a short window
//! so a burst becomes one notification; a click opens the contact in the app. A missing
//! notification daemon is logged once and never breaks anything.

pub mod policy;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use messenger_protocol::{ContactId, UserId};
use tokio::sync::{broadcast, mpsc};

use crate::cache::{Applied, Cache};
use crate::view::AgentEvent;
pub use policy::Intent;

/// How long a burst is gathered before one notification shows.
const COALESCE: Duration = Duration::from_millis(1200);

#[derive(Clone)]
pub struct Notifier {
    tx: mpsc::UnboundedSender<Intent>,
}

impl Notifier {
    /// Starts the notifier on the current runtime; clicks are sent as `OpenContact` events.
    pub fn start(events: broadcast::Sender<AgentEvent>) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(rx, events));
        Self { tx }
    }

    /// Queues what a batch of events is worth telling.
    pub fn consider(
        &self,
        cache: &Cache,
        me: &UserId,
        applied: &Applied,
        focused: Option<&ContactId>,
        notify_unassigned: bool,
    ) {
        for message in &applied.incoming {
            let Ok(Some(contact)) = cache.contact(&message.contact_id) else {
                continue;
            };
            if let Some(i) = policy::for_message(me, &contact, message, focused, notify_unassigned)
            {
                let _ = self.tx.send(i);
            }
        }
        for contact in &applied.assigned_to_me {
            if let Some(i) = policy::for_assignment(contact, focused) {
                let _ = self.tx.send(i);
            }
        }
    }
}

async fn run(mut rx: mpsc::UnboundedReceiver<Intent>, events: broadcast::Sender<AgentEvent>) {
    let warned = Arc::new(AtomicBool::new(false));
    while let Some(first) = rx.recv().await {
        let mut burst = vec![first];
        let deadline = tokio::time::Instant::now() + COALESCE;
        while let Ok(Some(next)) = tokio::time::timeout_at(deadline, rx.recv()).await {
            burst.push(next);
        }
        let Some((summary, body, contact)) = policy::coalesce(&burst) else {
            continue;
        };
        let (events, warned) = (events.clone(), warned.clone());
        // notify-rust talks D-Bus synchronously and waits for a click: off the async workers.
        tokio::task::spawn_blocking(move || show(&summary, &body, contact, &events, &warned));
    }
}

fn show(
    summary: &str,
    body: &str,
    contact: ContactId,
    events: &broadcast::Sender<AgentEvent>,
    warned: &AtomicBool,
) {
    let mut n = notify_rust::Notification::new();
    n.appname("IS-Messenger")
        .summary(summary)
        .body(body)
        .icon("mail-message-new");
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        n.action("default", "Open")
            .hint(notify_rust::Hint::Category("im.received".into()));
    }
    match n.show() {
        Ok(handle) => {
            #[cfg(all(unix, not(target_os = "macos")))]
            handle.wait_for_action(|action| {
                if action == "default" {
                    let _ = events.send(AgentEvent::OpenContact {
                        contact_id: contact.clone(),
                    });
                }
            });
            #[cfg(not(all(unix, not(target_os = "macos"))))]
            {
                let _ = (handle, &contact, events);
            }
        }
        Err(e) => {
            if !warned.swap(true, Ordering::SeqCst) {
                tracing::warn!(error = %e, "desktop notifications are unavailable (no notification daemon?); carrying on without them");
            }
        }
    }
}
