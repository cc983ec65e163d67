//! `POST /custom-channel/webhook`: the respond.io-compatible Custom Channel's inbound side.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use messenger_protocol::ApiErrorBody;
use messenger_protocol::custom_channel::InboundWebhook;

use super::json::ApiJson;
use crate::app::AppState;
use crate::channel::webhook::{self, WebhookResult};
use crate::error::{AppError, AppResult};
use crate::store::ChannelRecord;

/// The channel whose api_token the request carries; checked before the body is read.
pub struct ChannelAuth(pub ChannelRecord);

impl FromRequestParts<AppState> for ChannelAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                AppError::unauthenticated(
                    "Send the channel's api_token as `Authorization: Bearer <token>`.",
                )
            })?;
        let channel = state
            .channels
            .by_token(state.store.as_ref(), token)
            .await?
            .ok_or_else(|| AppError::unauthenticated("No channel has this API token."))?;
        Ok(Self(channel))
    }
}

/// A provider delivers contacts' messages, welcome events and receipts. Authenticated with the
/// channel's api_token; answered 200 only once everything is durably stored. A repeated
/// (channel, mId) is accepted and stored once.
#[utoipa::path(post, path = "/custom-channel/webhook", tag = "custom channel", request_body = InboundWebhook,
    security(("bearer" = [])),
    responses((status = 200, body = WebhookResult), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub async fn custom_channel_webhook(
    State(state): State<AppState>,
    ChannelAuth(channel): ChannelAuth,
    ApiJson(hook): ApiJson<InboundWebhook>,
) -> AppResult<ApiJson<WebhookResult>> {
    Ok(ApiJson(webhook::receive(&state, channel, hook).await?))
}
