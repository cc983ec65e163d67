//! `GET, PATCH /settings`.

use axum::extract::State;
use messenger_protocol::{ApiErrorBody, Settings, SettingsPatch};

use super::json::ApiJson;
use super::{read_as, write_as};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::domain::settings;
use crate::error::AppResult;

#[utoipa::path(get, path = "/settings", tag = "settings", security(("bearer" = [])),
    responses((status = 200, body = Settings)))]
pub async fn get_settings(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<ApiJson<Settings>> {
    Ok(ApiJson(
        read_as(&state, me, |_, ctx| Ok(ctx.settings.clone())).await?,
    ))
}

/// Change workspace settings (owners and managers).
#[utoipa::path(patch, path = "/settings", tag = "settings", security(("bearer" = [])), request_body = SettingsPatch,
    responses((status = 200, body = Settings), (status = 403, body = ApiErrorBody)))]
pub async fn patch_settings(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(patch): ApiJson<SettingsPatch>,
) -> AppResult<ApiJson<Settings>> {
    Ok(ApiJson(
        write_as(&state, me, move |tx, ctx| {
            settings::update(tx, ctx, patch.clone())
        })
        .await?,
    ))
}
