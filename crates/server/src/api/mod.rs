//! The v1 HTTP API: routes, and the answers for routes and methods that do not exist.

mod auth;
pub mod json;
mod me;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use axum::routing::{get, post};
use messenger_protocol::{API_PREFIX, ErrorCode};

use crate::app::AppState;
use crate::error::AppError;

pub fn router(state: AppState) -> Router {
    let max_json = state.config.max_json_bytes;
    let v1 = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(me::get_me));
    Router::new()
        .nest(API_PREFIX, v1)
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_json))
        .with_state(state)
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
