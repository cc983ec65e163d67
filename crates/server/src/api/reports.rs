//! `GET /reports/conversations?from=&to=&user_id=`.

use axum::extract::State;
use messenger_protocol::{ApiErrorBody, ConversationReport, UserId};
use serde::Deserialize;
use time::{Date, Duration as TimeDuration, format_description::well_known::Iso8601};

use super::json::ApiJson;
use super::{ApiQuery, check_id};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::reports::{self, ReportQuery};

const MAX_DAYS: i64 = 366;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    /// First day (`YYYY-MM-DD`, UTC); default: 6 days before `to`.
    from: Option<String>,
    /// Last day, included (`YYYY-MM-DD`, UTC); default: today.
    to: Option<String>,
    /// Only what this user is credited with.
    user_id: Option<String>,
}

/// Years a report may name: nothing was recorded before 2000, and date arithmetic stays far
/// from the calendar's ends.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=9999;

fn parse_day(name: &str, s: &str) -> AppResult<Date> {
    let shown: String = s.chars().take(40).collect();
    let day = Date::parse(s, &Iso8601::DATE).map_err(|_| {
        AppError::invalid(format!(
            "{name} must be a date like 2026-11-27 (got {shown:?})."
        ))
    })?;
    if !YEARS.contains(&day.year()) {
        return Err(AppError::invalid(format!(
            "{name} must be a date in the years {} to {} (got {shown:?}).",
            YEARS.start(),
            YEARS.end()
        )));
    }
    Ok(day)
}

/// Opened and closed counts, first response and resolution times (avg, median, p90) by user
/// and by day. Computed from the recorded reporting facts.
#[utoipa::path(get, path = "/reports/conversations", tag = "reports", security(("bearer" = [])), params(ReportParams),
    responses((status = 200, body = ConversationReport), (status = 400, body = ApiErrorBody)))]
pub async fn conversation_report(
    State(state): State<AppState>,
    _me: CurrentUser,
    ApiQuery(p): ApiQuery<ReportParams>,
) -> AppResult<ApiJson<ConversationReport>> {
    let today = state.clock.now().datetime().date();
    let to =
        p.to.as_deref()
            .map(|s| parse_day("to", s))
            .transpose()?
            .unwrap_or(today);
    let from = p
        .from
        .as_deref()
        .map(|s| parse_day("from", s))
        .transpose()?
        .unwrap_or_else(|| to.saturating_sub(TimeDuration::days(6)));
    if from > to {
        return Err(AppError::invalid("from must not be after to."));
    }
    if (to - from).whole_days() >= MAX_DAYS {
        return Err(AppError::invalid(format!(
            "A report covers at most {MAX_DAYS} days."
        )));
    }
    let user = match p.user_id.map(UserId) {
        Some(u) => {
            check_id(&u)?;
            // Well formed but beyond any user the report index knows.
            Some(
                u.as_str()
                    .parse::<u32>()
                    .map_err(|_| AppError::not_found(&format!("User {u}")))?,
            )
        }
        None => None,
    };
    let seq = state.store.read(|tx| Ok(tx.last_seq()?)).await?;
    state.reports.caught_up(seq).await;
    let query = ReportQuery { from, to, user };
    let index = state.reports.clone();
    let report =
        tokio::task::spawn_blocking(move || index.with_facts(|f| reports::compute(f, &query)))
            .await
            .map_err(|e| AppError::internal("computing the report", e))?;
    Ok(ApiJson(report))
}
