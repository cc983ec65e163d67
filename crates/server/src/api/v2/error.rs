//! The Developer API's error body, `{"code": <HTTP status>, "message"}`, and extractors whose
//! rejections have it: the same checks and sentences as `/api/v1`, in respond.io's shape.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use messenger_protocol::developer_api::V2Error;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::super::ApiQuery;
use super::super::json::ApiJson;
use crate::app::AppState;
use crate::auth::api_token::{self, ApiCaller};
use crate::error::AppError;

/// An [`AppError`] rendered in the Developer API's shape.
#[derive(Debug)]
pub struct Failure(pub AppError);

pub type V2Result<T> = Result<T, Failure>;

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let body = V2Error {
            code: status.as_u16(),
            message: self.0.message,
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(secs) = self.0.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

/// A JSON body, checked as `ApiJson` checks it.
pub struct V2Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for V2Json<T> {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Failure> {
        Ok(Self(ApiJson::<T>::from_request(req, state).await?.0))
    }
}

impl<T: Serialize> IntoResponse for V2Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

pub struct V2Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for V2Query<T> {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Failure> {
        Ok(Self(
            ApiQuery::<T>::from_request_parts(parts, state).await?.0,
        ))
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        Ok(api_token::authenticate(state, &parts.headers).await?)
    }
}

/// Path parameters, with a clear error when they do not parse.
pub struct V2Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for V2Path<T> {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Failure> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Self(v))
            .map_err(|e| {
                Failure(AppError::malformed(format!(
                    "The path is not valid: {}",
                    e.body_text()
                )))
            })
    }
}
