//! One pass over the facts: counts, and avg / median / p90 of first response and resolution
//! times, overall, by user and by day (UTC). Percentiles use the nearest-rank method.

use messenger_protocol::{
    ConversationReport, DayFigures, DurationStats, ReportFigures, UserFigures, UserId,
};
use time::Date;

use super::{CompactFact, NONE};

/// The period (whole UTC days, `to` included) and the user to report on.
#[derive(Clone, Debug)]
pub struct ReportQuery {
    pub from: Date,
    pub to: Date,
    pub user: Option<u32>,
}

#[derive(Default)]
struct Acc {
    opened: u64,
    closed: u64,
    frt: Vec<i64>,
    resolution: Vec<i64>,
}

impl Acc {
    fn figures(mut self) -> ReportFigures {
        ReportFigures {
            opened: self.opened,
            closed: self.closed,
            first_response_time_s: stats(&mut self.frt),
            resolution_time_s: stats(&mut self.resolution),
        }
    }
}

/// Statistics in seconds of durations in milliseconds.
pub fn stats(values: &mut [i64]) -> DurationStats {
    let n = values.len();
    if n == 0 {
        return DurationStats::default();
    }
    let sum: i128 = values.iter().map(|v| i128::from(*v)).sum();
    let rank = |p: f64| ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
    let (median_at, p90_at) = (rank(0.5), rank(0.9));
    let median = *values.select_nth_unstable(median_at).1;
    let p90 = *values.select_nth_unstable(p90_at).1;
    DurationStats {
        count: n as u64,
        avg: Some(sum as f64 / n as f64 / 1000.0),
        median: Some(median as f64 / 1000.0),
        p90: Some(p90 as f64 / 1000.0),
    }
}

fn day_start_ms(d: Date) -> i64 {
    let t = d.midnight().assume_utc().unix_timestamp();
    t * 1000
}

pub fn compute(facts: &[Option<CompactFact>], q: &ReportQuery) -> ConversationReport {
    const DAY_MS: i64 = 86_400_000;
    let start = day_start_ms(q.from);
    let days = usize::try_from((q.to - q.from).whole_days() + 1).unwrap_or(1);
    let end = start + days as i64 * DAY_MS;
    // Days and users index flat arrays: one pass, no map lookups, no calendar arithmetic.
    let day_index = |t: i64| -> Option<usize> {
        (t != NONE && t >= start && t < end).then(|| ((t - start) / DAY_MS) as usize)
    };
    let wanted = |u: u32| q.user.is_none_or(|w| w == u);
    let mut total = Acc::default();
    // The totals can hold every fact: no reallocation in the pass.
    total.frt.reserve(facts.len());
    total.resolution.reserve(facts.len());
    let mut by_day: Vec<Acc> = (0..days).map(|_| Acc::default()).collect();
    let mut by_user: Vec<Acc> = Vec::new();
    let user_acc = |by_user: &mut Vec<Acc>, u: u32| -> usize {
        let i = u as usize;
        if by_user.len() <= i {
            by_user.resize_with(i + 1, Acc::default);
        }
        i
    };
    for f in facts.iter().flatten() {
        if let Some(d) = day_index(f.opened_at)
            && wanted(f.opened_assignee)
        {
            total.opened += 1;
            by_day[d].opened += 1;
            let u = user_acc(&mut by_user, f.opened_assignee);
            by_user[u].opened += 1;
        }
        if let Some(d) = day_index(f.first_response_at)
            && wanted(f.responder)
        {
            let v = f.first_response_at - f.opened_at;
            total.frt.push(v);
            by_day[d].frt.push(v);
            let u = user_acc(&mut by_user, f.responder);
            by_user[u].frt.push(v);
        }
        if let Some(d) = day_index(f.closed_at)
            && wanted(f.resolver)
        {
            let v = f.closed_at - f.opened_at;
            total.closed += 1;
            total.resolution.push(v);
            by_day[d].closed += 1;
            by_day[d].resolution.push(v);
            let u = user_acc(&mut by_user, f.resolver);
            by_user[u].closed += 1;
            by_user[u].resolution.push(v);
        }
    }
    // Every day of the period is listed, quiet ones too (charts need the gaps).
    let mut day = q.from;
    let mut day_rows = Vec::with_capacity(days);
    for acc in by_day {
        day_rows.push(DayFigures {
            day: day.to_string(),
            figures: acc.figures(),
        });
        day = day.next_day().unwrap_or(day);
    }
    let users = by_user
        .into_iter()
        .enumerate()
        .filter(|(_, acc)| acc.opened > 0 || acc.closed > 0 || !acc.frt.is_empty())
        .map(|(u, acc)| UserFigures {
            user_id: (u != 0).then(|| UserId(u.to_string())),
            figures: acc.figures(),
        })
        .collect();
    let figures = total.figures();
    ConversationReport {
        from: q.from.to_string(),
        to: q.to.to_string(),
        opened: figures.opened,
        closed: figures.closed,
        first_response_time_s: figures.first_response_time_s,
        resolution_time_s: figures.resolution_time_s,
        by_user: users,
        by_day: day_rows,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn nearest_rank_percentiles_and_averages() {
        let mut v: Vec<i64> = (1..=10).map(|s| s * 1000).collect();
        let s = stats(&mut v);
        assert_eq!(
            (s.count, s.avg, s.median, s.p90),
            (10, Some(5.5), Some(5.0), Some(9.0))
        );
        let mut one = vec![42_000];
        assert_eq!(stats(&mut one).p90, Some(42.0));
        assert_eq!(stats(&mut []).avg, None);
    }

    #[test]
    fn facts_count_on_the_day_they_happened() {
        let day = |d: Date, h: i64| day_start_ms(d) + h * 3_600_000;
        let facts = vec![
            None,
            Some(CompactFact {
                opened_at: day(date!(2026 - 11 - 02), 9),
                first_response_at: day(date!(2026 - 11 - 02), 10),
                closed_at: day(date!(2026 - 11 - 03), 9),
                opened_assignee: 0,
                responder: 7,
                resolver: 7,
            }),
            Some(CompactFact {
                opened_at: day(date!(2026 - 11 - 01), 23),
                first_response_at: NONE,
                closed_at: NONE,
                opened_assignee: 8,
                responder: 0,
                resolver: 0,
            }),
        ];
        let r = compute(
            &facts,
            &ReportQuery {
                from: date!(2026 - 11 - 02),
                to: date!(2026 - 11 - 03),
                user: None,
            },
        );
        assert_eq!((r.opened, r.closed), (1, 1));
        assert_eq!(r.first_response_time_s.median, Some(3600.0));
        assert_eq!(r.resolution_time_s.avg, Some(86400.0));
        assert_eq!(r.by_day.len(), 2);
        assert_eq!(r.by_day[1].figures.closed, 1);
        let only8 = compute(
            &facts,
            &ReportQuery {
                from: date!(2026 - 11 - 01),
                to: date!(2026 - 11 - 03),
                user: Some(8),
            },
        );
        assert_eq!((only8.opened, only8.closed), (1, 0));
    }
}
