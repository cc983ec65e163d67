//! Conversation metrics: `GET /reports/conversations`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ids::UserId;

/// A duration metric in seconds over the conversations it covers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DurationStats {
    /// How many conversations the figure covers.
    #[ts(type = "number")]
    pub count: u64,
    pub avg: Option<f64>,
    pub median: Option<f64>,
    pub p90: Option<f64>,
}

/// The figures for one user or one day.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportFigures {
    #[ts(type = "number")]
    pub opened: u64,
    #[ts(type = "number")]
    pub closed: u64,
    pub first_response_time_s: DurationStats,
    pub resolution_time_s: DurationStats,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserFigures {
    /// `null` for what no user is credited with (opened while unassigned).
    pub user_id: Option<UserId>,
    #[serde(flatten)]
    pub figures: ReportFigures,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayFigures {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    #[serde(flatten)]
    pub figures: ReportFigures,
}

/// The answer of `GET /reports/conversations?from=&to=&user_id=`. Each fact counts on the day
/// it happened: opened on the opening day (credited to the assignee at opening), first
/// response on the day of the first user reply (credited to that user; automation and bots do
/// not count), closed and resolution time on the closing day (credited to the assignee at
/// closing, else the user who closed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationReport {
    pub from: String,
    pub to: String,
    #[ts(type = "number")]
    pub opened: u64,
    #[ts(type = "number")]
    pub closed: u64,
    pub first_response_time_s: DurationStats,
    pub resolution_time_s: DurationStats,
    pub by_user: Vec<UserFigures>,
    pub by_day: Vec<DayFigures>,
}
