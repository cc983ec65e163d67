//! `GET, POST /channels`.

use axum::extract::State;
use axum::http::StatusCode;
use messenger_protocol::{ApiErrorBody, Channel, ChannelId, ChannelPatch, NewChannel};

use super::json::ApiJson;
use super::{ApiPath, read_as, write_as};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::domain::channels;
use crate::error::AppResult;

/// The channels; owners and managers also get each channel's credentials.
#[utoipa::path(get, path = "/channels", tag = "channels", security(("bearer" = [])),
    responses((status = 200, body = Vec<Channel>)))]
pub async fn list_channels(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<ApiJson<Vec<Channel>>> {
    let admin = me.user.role.administers();
    let list = read_as(&state, me, |tx, _| Ok(tx.channels()?)).await?;
    let base = admin.then_some(&*state.public_base);
    Ok(ApiJson(list.iter().map(|c| c.to_api(base)).collect()))
}

/// Add a channel; the answer carries the api_token, webhook_url and signing_secret.
#[utoipa::path(post, path = "/channels", tag = "channels", security(("bearer" = [])), request_body = NewChannel,
    responses((status = 201, body = Channel), (status = 403, body = ApiErrorBody)))]
pub async fn create_channel(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(input): ApiJson<NewChannel>,
) -> AppResult<(StatusCode, ApiJson<Channel>)> {
    let channel = write_as(&state, me, move |tx, ctx| {
        channels::create(tx, ctx, input.clone())
    })
    .await?;
    state.channels.insert(channel.clone());
    Ok((
        StatusCode::CREATED,
        ApiJson(channel.to_api(Some(&state.public_base))),
    ))
}

/// Change a channel (its URLs, voice support, name).
#[utoipa::path(patch, path = "/channels/{id}", tag = "channels", security(("bearer" = [])), request_body = ChannelPatch,
    params(("id" = String, Path)),
    responses((status = 200, body = Channel), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn patch_channel(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<ChannelId>,
    ApiJson(patch): ApiJson<ChannelPatch>,
) -> AppResult<ApiJson<Channel>> {
    let channel = write_as(&state, me, move |tx, ctx| {
        channels::update(tx, ctx, &id, patch.clone())
    })
    .await?;
    state.channels.insert(channel.clone());
    Ok(ApiJson(channel.to_api(Some(&state.public_base))))
}
