//! Which events an export keeps, and the instants its filters are written in.

use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use super::{DecisionKind, Event};

/// Which events an export keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// From this instant on (unix milliseconds), inclusive.
    pub since_ms: Option<i64>,
    /// Before this instant (unix milliseconds), exclusive.
    pub until_ms: Option<i64>,
    /// Only this workflow's.
    pub workflow_id: Option<String>,
    /// Only records with this decision.
    pub decision: Option<DecisionKind>,
    /// Only this Discord user's.
    pub reviewer_id: Option<i64>,
}

impl Filter {
    /// Whether `event` passes the filter. The store narrows by time, workflow and reviewer
    /// already; this is the whole rule, so a record read either way is judged the same.
    pub fn keeps(&self, event: &Event) -> bool {
        self.since_ms.is_none_or(|since| event.at_ms >= since)
            && self.until_ms.is_none_or(|until| event.at_ms < until)
            && self.workflow_id.as_ref().is_none_or(|w| event.workflow_id.as_ref() == Some(w))
            && self.decision.is_none_or(|d| event.decision == Some(d))
            && self.reviewer_id.is_none_or(|r| event.actor_id == Some(r.to_string()))
    }
}

/// A point in time as `--since`/`--until` and `/approvals export` take it: a date
/// (`2026-12-01`, midnight UTC) or an RFC 3339 instant (`2026-12-01T10:00:00Z`).
pub fn parse_instant(text: &str) -> Option<i64> {
    let text = text.trim();
    let at = OffsetDateTime::parse(text, &Rfc3339).ok().or_else(|| {
        let mut parts = text.splitn(3, '-');
        let year = parts.next()?.parse().ok()?;
        let month = time::Month::try_from(parts.next()?.parse::<u8>().ok()?).ok()?;
        let day = parts.next()?.parse().ok()?;
        Some(time::Date::from_calendar_date(year, month, day).ok()?.midnight().assume_utc())
    })?;
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}
