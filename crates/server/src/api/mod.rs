//! The v1 HTTP API. Routes are registered through utoipa-axum, so the OpenAPI document served at
//! `/api/v1/openapi.json` is generated from the same handlers that answer.

mod api_tokens;
mod auth;
pub mod body_drain;
mod categories;
mod channels;
mod contacts;
mod conversations;
mod custom_fields;
mod extract;
mod files;
mod integrations;
pub mod json;
mod me;
mod messages;
mod reports;
mod settings;
mod snippets;
mod stream;
mod sync;
mod users;
pub mod v2;
mod webhook;
mod workflows;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use axum::routing::get;
use messenger_protocol::{API_PREFIX, ApiErrorBody, ErrorCode};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::Ctx;
use crate::error::{AppError, AppResult};
use crate::store::ReadTx;

pub use extract::{ApiPath, ApiQuery, ApiUpgrade, check_id};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "IS-Messenger API",
        version = "1",
        description = "The Messages Module: contacts, conversations, messages, the event log, and the respond.io-compatible Custom Channel."
    ),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth),
    components(schemas(ApiErrorBody, ErrorCode))
)]
struct ApiDoc;

pub(crate) struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The v1 routes and their OpenAPI document.
pub fn v1() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(me::get_me))
        .routes(routes!(me::put_status))
        .routes(routes!(users::list_users, users::create_user))
        .routes(routes!(users::patch_user, users::delete_user))
        .routes(routes!(settings::get_settings, settings::patch_settings))
        .routes(routes!(
            categories::list_categories,
            categories::create_category
        ))
        .routes(routes!(
            categories::patch_category,
            categories::delete_category
        ))
        .routes(routes!(channels::list_channels, channels::create_channel))
        .routes(routes!(channels::patch_channel))
        .routes(routes!(webhook::custom_channel_webhook))
        .routes(routes!(contacts::list_contacts))
        .routes(routes!(contacts::get_contact, contacts::patch_contact))
        .routes(routes!(contacts::put_assignee))
        .routes(routes!(contacts::merge_contact))
        .routes(routes!(
            conversations::list_conversations,
            conversations::open_conversation
        ))
        .routes(routes!(conversations::close_conversation))
        .routes(routes!(messages::list_messages, messages::send_message))
        .routes(routes!(messages::list_comments, messages::add_comment))
        .routes(routes!(files::upload_file))
        .routes(routes!(files::download_file))
        .routes(routes!(snippets::list_snippets, snippets::create_snippet))
        .routes(routes!(snippets::patch_snippet, snippets::delete_snippet))
        .routes(routes!(snippets::render_snippet))
        .routes(routes!(sync::sync))
        .routes(routes!(sync::snapshot))
        .routes(routes!(stream::stream))
        .routes(routes!(
            workflows::list_workflows,
            workflows::create_workflow
        ))
        .routes(routes!(
            workflows::replace_workflow,
            workflows::delete_workflow
        ))
        .routes(routes!(reports::conversation_report))
        .routes(routes!(
            integrations::list_webhooks,
            integrations::create_webhook
        ))
        .routes(routes!(integrations::delete_webhook))
        .routes(routes!(
            api_tokens::list_api_tokens,
            api_tokens::create_api_token
        ))
        .routes(routes!(api_tokens::revoke_api_token))
        .routes(routes!(
            custom_fields::list_custom_fields,
            custom_fields::create_custom_field
        ))
        .split_for_parts()
}

pub fn router(state: AppState) -> Router {
    let max_json = state.config.max_json_bytes;
    let (v1, doc) = v1();
    let doc_json = std::sync::Arc::new(doc.to_pretty_json().unwrap_or_else(|_| "{}".into()));
    // respond.io writes the webhook URL with a trailing slash; both forms are the same route.
    let v1 = v1.route(
        "/custom-channel/webhook/",
        axum::routing::post(webhook::custom_channel_webhook),
    );
    let v1 = v1.route(
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
    );
    Router::new()
        .nest(API_PREFIX, v1)
        .nest(v2::V2_PREFIX, v2::router())
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_json))
        .with_state(state)
}

/// Reads the signed-in user's context and runs `f` in one read transaction.
pub async fn read_as<T, F>(state: &AppState, me: crate::auth::CurrentUser, f: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnMut(&mut dyn ReadTx, &Ctx) -> AppResult<T> + Send + 'static,
{
    let (now, mut f) = (state.clock.now(), f);
    state
        .store
        .read(move |tx| {
            let ctx = Ctx::load(tx, me.user.clone(), now)?;
            f(tx, &ctx)
        })
        .await
}

/// Like [`read_as`], in a write transaction.
pub async fn write_as<T, F>(state: &AppState, me: crate::auth::CurrentUser, f: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnMut(&mut dyn crate::store::WriteTx, &Ctx) -> AppResult<T> + Send + 'static,
{
    let (now, mut f) = (state.clock.now(), f);
    state
        .store
        .write(move |tx| {
            let ctx = Ctx::load(tx, me.user.clone(), now)?;
            f(tx, &ctx)
        })
        .await
}

async fn unknown_route(method: Method, uri: Uri) -> AppError {
    AppError::new(
        ErrorCode::NotFound,
        format!("There is no route {method} {}.", uri.path()),
    )
}

async fn method_not_allowed(method: Method, uri: Uri) -> AppError {
    AppError::new(
        ErrorCode::MethodNotAllowed,
        format!("{} does not accept {method}.", uri.path()),
    )
}

/// A handler panicked: answer 500 in the usual shape (the panic itself goes to the log).
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    AppError::internal("handling the request", "a handler panicked").into_response()
}
