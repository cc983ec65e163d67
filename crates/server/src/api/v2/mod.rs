//! The Developer API v2 at `/v2`, compatible with respond.io's, for the clients written for it
//! (its n8n node, its TypeScript SDK, Make and Zapier scripts). Callers are workspace access
//! tokens; every operation runs the same domain rules, visibility and store as `/api/v1`, and
//! only the shapes differ (`messenger_protocol::developer_api`). Its OpenAPI document is served
//! at `/v2/openapi.json`.

mod contacts;
mod conversations;
mod convert;
pub mod error;
mod identifier;
mod messages;
mod pagination;
mod space;

use axum::Router;
use axum::http::{Method, Uri};
use axum::routing::get;
use messenger_protocol::developer_api as v2;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::BearerAuth;
use crate::app::AppState;
use crate::auth::api_token::{self, ApiCaller};
use crate::domain::Ctx;
use crate::error::{AppError, AppResult};
use crate::store::{ReadTx, WriteTx};
use error::{Failure, V2Result};

/// Where the Developer API is served.
pub const V2_PREFIX: &str = "/v2";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "IS-Messenger Developer API v2",
        version = "2",
        description = "respond.io-compatible: contacts addressed as id:123, email:… or phone:+…; \
                       workspace access tokens as `Authorization: Bearer ism_…`; integer ids; Unix-second \
                       times; errors as {code, message}; lists with limit, cursorId and pagination.next."
    ),
    servers((url = "/v2")),
    modifiers(&BearerAuth),
    components(schemas(v2::V2Error))
)]
struct V2Doc;

/// The v2 routes and their OpenAPI document.
pub fn v2() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(V2Doc::openapi())
        .routes(routes!(contacts::list_contacts))
        .routes(routes!(contacts::merge_contacts))
        .routes(routes!(contacts::create_or_update_contact))
        .routes(routes!(
            contacts::get_contact,
            contacts::create_contact,
            contacts::update_contact,
            contacts::delete_contact
        ))
        .routes(routes!(contacts::add_tags, contacts::remove_tags))
        .routes(routes!(contacts::contact_channels))
        .routes(routes!(messages::send_message))
        .routes(routes!(messages::list_messages))
        .routes(routes!(messages::get_message))
        .routes(routes!(conversations::assign))
        .routes(routes!(conversations::set_status))
        .routes(routes!(conversations::add_comment))
        .routes(routes!(space::list_users))
        .routes(routes!(space::get_user))
        .routes(routes!(space::list_channels))
        .routes(routes!(space::list_closing_notes))
        .routes(routes!(
            space::list_custom_fields,
            space::create_custom_field
        ))
        .routes(routes!(space::get_custom_field))
        .split_for_parts()
}

/// The v2 router, with its document and a 404 in its own error shape.
pub fn router() -> Router<AppState> {
    let (routes, doc) = v2();
    let doc_json = std::sync::Arc::new(doc.to_pretty_json().unwrap_or_else(|_| "{}".into()));
    routes
        .route(
            "/openapi.json",
            get(move || {
                let body = doc_json.clone();
                async move {
                    (
                        [("content-type", "application/json")],
                        body.as_str().to_owned(),
                    )
                }
            }),
        )
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn unknown_route(method: Method, uri: Uri) -> Failure {
    Failure(AppError::not_found(&format!(
        "The route {method} {V2_PREFIX}{}",
        uri.path()
    )))
}

async fn method_not_allowed(method: Method, uri: Uri) -> Failure {
    Failure(AppError::new(
        messenger_protocol::ErrorCode::MethodNotAllowed,
        format!("{V2_PREFIX}{} does not accept {method}.", uri.path()),
    ))
}

/// The context of a token's request, checked again in the request's own transaction: a token
/// revoked, or a creator demoted, since the request was authenticated acts no more.
fn ctx_of(
    tx: &mut dyn ReadTx,
    caller: &ApiCaller,
    now: messenger_protocol::Timestamp,
) -> AppResult<Ctx> {
    let token = tx.api_token(&caller.token.digest)?;
    let user = tx.user(&caller.user.id)?;
    let (Some(token), Some(user)) = (token, user.filter(api_token::may_act)) else {
        return Err(AppError::unauthenticated(
            "This API token was revoked, or its creator is no longer an owner or manager.",
        ));
    };
    let mut ctx = Ctx::load(tx, user, now)?;
    ctx.api_token = Some(token);
    Ok(ctx)
}

/// Runs `f` in one read transaction as the token.
pub async fn read<T, F>(state: &AppState, caller: &ApiCaller, f: F) -> V2Result<T>
where
    T: Send + 'static,
    F: FnMut(&mut dyn ReadTx, &Ctx) -> AppResult<T> + Send + 'static,
{
    let (now, caller, mut f) = (state.clock.now(), caller.clone(), f);
    Ok(state
        .store
        .read(move |tx| {
            let ctx = ctx_of(tx, &caller, now)?;
            f(tx, &ctx)
        })
        .await?)
}

/// Like [`read`], in a write transaction.
pub async fn write<T, F>(state: &AppState, caller: &ApiCaller, f: F) -> V2Result<T>
where
    T: Send + 'static,
    F: FnMut(&mut dyn WriteTx, &Ctx) -> AppResult<T> + Send + 'static,
{
    let (now, caller, mut f) = (state.clock.now(), caller.clone(), f);
    Ok(state
        .store
        .write(move |tx| {
            let ctx = ctx_of(tx, &caller, now)?;
            f(tx, &ctx)
        })
        .await?)
}
