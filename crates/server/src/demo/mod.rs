//! `messenger-server demo`: the server on a seeded demo workspace, with a provider bridge and
//! simulated contacts writing in through the real webhook.

mod provider;
mod script;
pub mod seed;
mod simulator;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use messenger_protocol::ChannelPatch;

use crate::app::{self, RunningServer, StartError};
use crate::clock::{Clock, SystemClock};
use crate::config::ServerConfig;
use crate::domain::{Ctx, channels};
use crate::store::Scope;
use provider::DemoProvider;
use simulator::{Simulator, Writer};

/// Seeds (when empty), starts the server, the provider bridge and the simulator.
pub async fn start(
    config: ServerConfig,
    every: (Duration, Duration),
) -> Result<RunningServer, StartError> {
    let store = app::open_store(&config)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let seeded = seed::seed_if_empty(store.as_ref(), clock.as_ref()).await?;
    let server = app::start_with(config, store.clone(), clock.clone()).await?;
    let webhook_url = format!("{}/api/v1/custom-channel/webhook", server.base_url());

    let demo_channels: Vec<_> = store
        .read(|tx| Ok(tx.channels()?))
        .await?
        .into_iter()
        .filter(|c| c.name == seed::WHATSAPP || c.name == seed::WEB_CHAT)
        .collect();
    let tokens: HashMap<String, String> = demo_channels
        .iter()
        .map(|c| (c.id.to_string(), c.api_token.clone()))
        .collect();
    let provider_base = DemoProvider::new(webhook_url.clone(), tokens)
        .serve()
        .await
        .map_err(|e| StartError::Init(format!("cannot start the demo provider: {e}")))?;

    // The provider's port is new on every run: point the demo channels at it.
    let owner = store
        .read(|tx| Ok(tx.user_by_email(seed::OWNER_EMAIL)?))
        .await?
        .ok_or_else(|| {
            StartError::Init("the demo owner is missing from this data directory".into())
        })?;
    for channel in &demo_channels {
        let (id, owner, url, now) = (
            channel.id.clone(),
            owner.clone(),
            provider_base.clone(),
            clock.now(),
        );
        let updated = store
            .write(move |tx| {
                let ctx = Ctx::load(tx, owner.clone(), now)?;
                channels::update(
                    tx,
                    &ctx,
                    &id,
                    ChannelPatch {
                        outbound_url: Some(Some(url.clone())),
                        ..Default::default()
                    },
                )
            })
            .await?;
        server.state.channels.insert(updated);
    }

    let writers: Vec<Writer> = store
        .read(|tx| Ok(tx.contacts_in_scope(&Scope::All)?))
        .await?
        .into_iter()
        .flat_map(|c| c.channels)
        .filter_map(|ident| {
            let token = demo_channels
                .iter()
                .find(|c| c.id == ident.channel_id)?
                .api_token
                .clone();
            Some(Writer {
                channel_id: ident.channel_id.to_string(),
                api_token: token,
                external_id: ident.external_id,
            })
        })
        .collect();
    let simulator = Simulator {
        webhook_url,
        photo_url: format!("{provider_base}/files/photo.png"),
        writers,
        channels: demo_channels
            .iter()
            .map(|c| (c.id.to_string(), c.api_token.clone()))
            .collect(),
        every,
    };
    tokio::spawn(simulator.run());
    if seeded {
        tracing::info!("demo workspace seeded");
    }
    Ok(server)
}

/// The lines printed for people: how to sign in.
pub fn sign_in_lines(server: &RunningServer) -> String {
    format!(
        "IS-Messenger demo workspace at {}\n  sign in as {} (owner), manager@demo.example.com, or an agent: alice@, bob@, carla@, dan@demo.example.com\n  password for all: {}\n",
        server.base_url(),
        seed::OWNER_EMAIL,
        seed::PASSWORD
    )
}
