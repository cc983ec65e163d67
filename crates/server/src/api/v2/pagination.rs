//! Lists of the Developer API: `?limit=` (1–100, default 10) and `?cursorId=` (the id of the
//! last item of the previous page), answered with `pagination.next` as an absolute URL, empty
//! on the last page (the n8n node reads pages until `next` is empty, so the last page must not
//! have one).

use messenger_protocol::developer_api::{Page, Pagination};
use serde::Deserialize;

use super::error::V2Result;
use crate::app::AppState;
use crate::auth::api_token::ApiCaller;
use crate::error::{AppError, AppResult};
use crate::store::ReadTx;

const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 100;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1 to 100 (default 10).
    limit: Option<i64>,
    /// The id of the last item of the previous page.
    #[serde(rename = "cursorId")]
    #[param(rename = "cursorId")]
    cursor_id: Option<i64>,
}

impl PageQuery {
    pub fn limit(&self) -> AppResult<usize> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => Ok(n as usize),
            Some(n) => Err(AppError::invalid(format!(
                "limit must be from 1 to {MAX_LIMIT}; it is {n}."
            ))),
        }
    }

    pub fn cursor(&self) -> AppResult<Option<i64>> {
        match self.cursor_id {
            Some(c) if c < 1 => Err(AppError::invalid(format!(
                "cursorId must be the id of an item of the previous page; {c} is none."
            ))),
            other => Ok(other),
        }
    }
}

/// A page, with the links to the next and the first page (`path` as the client wrote it,
/// after `/v2`).
pub fn page<T>(
    state: &AppState,
    path: &str,
    query: &PageQuery,
    items: Vec<T>,
    next_cursor: Option<i64>,
) -> AppResult<Page<T>> {
    let limit = query.limit()?;
    let base = format!("{}{path}?limit={limit}", state.public_base);
    Ok(Page {
        items,
        pagination: Pagination {
            next: next_cursor
                .map(|c| format!("{base}&cursorId={c}"))
                .unwrap_or_default(),
            previous: if query.cursor_id.is_some() {
                base
            } else {
                String::new()
            },
        },
    })
}

/// The page of a short list held in memory, in ascending id order: the items after the
/// cursor, and the cursor of the next page when there are more.
pub fn slice<T>(
    mut items: Vec<T>,
    id_of: impl Fn(&T) -> i64,
    query: &PageQuery,
) -> AppResult<(Vec<T>, Option<i64>)> {
    let (limit, cursor) = (query.limit()?, query.cursor()?);
    items.sort_by_key(&id_of);
    let mut rest: Vec<T> = items
        .into_iter()
        .filter(|i| cursor.is_none_or(|c| id_of(i) > c))
        .collect();
    let more = rest.len() > limit;
    rest.truncate(limit);
    let next = more.then(|| rest.last().map(&id_of)).flatten();
    Ok((rest, next))
}

/// A page of a short list read whole in one transaction (the workspace's users, channels,
/// categories, fields), shaped by `shape` and paged by `id_of`.
pub async fn whole<R, T, L>(
    state: &AppState,
    caller: &ApiCaller,
    path: &str,
    query: &PageQuery,
    load: L,
    shape: impl Fn(&R) -> T,
    id_of: impl Fn(&T) -> i64,
) -> V2Result<Page<T>>
where
    R: Send + 'static,
    L: FnMut(&mut dyn ReadTx) -> AppResult<Vec<R>> + Send + 'static,
{
    let mut load = load;
    let rows = super::read(state, caller, move |tx, _| load(tx)).await?;
    let (items, next) = slice(rows.iter().map(shape).collect(), id_of, query)?;
    Ok(page(state, path, query, items, next)?)
}
