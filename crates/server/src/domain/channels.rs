//! Channels: created by owners and managers, with the credentials a provider bridge needs.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use messenger_protocol::{ChannelId, ChannelPatch, EventPayload, NewChannel};
use rand::RngCore;

use super::Ctx;
use crate::channel::url_guard::is_web_url;
use crate::error::{AppError, AppResult};
use crate::store::{ChannelRecord, NewChannelRecord, WriteTx, public_channel};

fn secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn check_url(label: &str, url: Option<String>) -> AppResult<Option<String>> {
    let Some(url) = url
        .map(|u| u.trim().trim_end_matches('/').to_owned())
        .filter(|u| !u.is_empty())
    else {
        return Ok(None);
    };
    if is_web_url(&url) {
        Ok(Some(url))
    } else {
        Err(AppError::invalid(format!(
            "{label} must be an http:// or https:// URL (got {url:?})."
        )))
    }
}

pub fn create(tx: &mut dyn WriteTx, ctx: &Ctx, input: NewChannel) -> AppResult<ChannelRecord> {
    if !ctx.me.role.administers() {
        return Err(AppError::forbidden(
            "Only owners and managers can add channels.",
        ));
    }
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid(
            "A channel's name has 1 to 100 characters.",
        ));
    }
    let channel = tx.insert_channel(&NewChannelRecord {
        name,
        kind: input.kind,
        supports_voice: input.supports_voice,
        outbound_url: check_url("outbound_url", input.outbound_url)?,
        bot_url: check_url("bot_url", input.bot_url)?,
        api_token: secret(),
        signing_secret: secret(),
        allow_private_network: input.allow_private_network,
        created_at: ctx.now,
    })?;
    tx.append_event(
        &EventPayload::ChannelUpserted(public_channel(&channel)),
        ctx.now,
        None,
    )?;
    Ok(channel)
}

/// Changes a channel's name, voice support, URLs or network permission (owners and managers).
pub fn update(
    tx: &mut dyn WriteTx,
    ctx: &Ctx,
    id: &ChannelId,
    patch: ChannelPatch,
) -> AppResult<ChannelRecord> {
    if !ctx.me.role.administers() {
        return Err(AppError::forbidden(
            "Only owners and managers can change channels.",
        ));
    }
    let mut channel = tx
        .channel(id)?
        .ok_or_else(|| AppError::not_found(&format!("Channel {id}")))?;
    if let Some(name) = patch.name {
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::invalid(
                "A channel's name has 1 to 100 characters.",
            ));
        }
        channel.name = name;
    }
    if let Some(v) = patch.supports_voice {
        channel.supports_voice = v;
    }
    if let Some(url) = patch.outbound_url {
        channel.outbound_url = check_url("outbound_url", url)?;
    }
    if let Some(url) = patch.bot_url {
        channel.bot_url = check_url("bot_url", url)?;
    }
    if let Some(v) = patch.allow_private_network {
        channel.allow_private_network = v;
    }
    tx.update_channel(&channel)?;
    tx.append_event(
        &EventPayload::ChannelUpserted(public_channel(&channel)),
        ctx.now,
        None,
    )?;
    Ok(channel)
}
