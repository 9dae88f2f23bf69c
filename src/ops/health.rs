//! Whether the bridge is healthy: a pure function over what the health endpoint gathers, so the
//! rules are tested without clocks, sockets or a database.
//!
//! Whoever reaches `/healthz` may be anyone on the network, so its answer says what is wrong and
//! nothing about the system: no host, process or database error text. The detail is in the log
//! and in `/approvals status`.

use std::time::Duration;

use serde::Serialize;

/// How many poll intervals may pass without a successful poll before the bridge is unhealthy.
pub const STALE_AFTER_INTERVALS: u32 = 3;

/// What the health endpoint gathered about the running bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// Whether the database answered.
    pub database_answers: bool,
    /// Whether the Discord gateway connection is up.
    pub gateway_connected: bool,
    /// Whether shutdown has begun.
    pub shutting_down: bool,
    /// Whether this process waits while another bridge is active on the database.
    pub standing_by: bool,
    /// Whether this process takes interactions while it stands by (a replica behind the
    /// interactions endpoint): then standing by is healthy.
    pub serves_interactions: bool,
    /// When the last poll succeeded, unix milliseconds.
    pub last_success_ms: Option<i64>,
    /// When the bridge started running, unix milliseconds.
    pub started_ms: i64,
    /// Now, unix milliseconds.
    pub now_ms: i64,
    /// The configured time between two polls.
    pub poll_interval: Duration,
}

/// The answer of `/healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    /// `ok`, `unhealthy`, or `standby` (another bridge is active on the database).
    pub status: &'static str,
    /// What is wrong, one sentence each; empty when healthy.
    pub reasons: Vec<String>,
    /// Seconds since the last successful poll, if there was one.
    pub last_successful_poll_secs_ago: Option<i64>,
}

impl Health {
    /// Whether nothing is wrong.
    pub fn is_healthy(&self) -> bool {
        self.reasons.is_empty()
    }
}

/// Judges a probe: healthy when the database answers, the gateway is connected, shutdown has not
/// begun, and a poll succeeded within [`STALE_AFTER_INTERVALS`] intervals (counted from the start
/// while none has succeeded yet, so a fresh start is given the same time for its first poll).
pub fn assess(probe: &Probe) -> Health {
    let mut reasons = Vec::new();
    if !probe.database_answers {
        reasons.push("the database does not answer".to_owned());
    }
    if probe.standing_by {
        // A standby does not poll: only its database can be wrong. A replica behind the
        // interactions endpoint takes clicks meanwhile, so a load balancer keeps sending them.
        let expected = if probe.serves_interactions { 0 } else { 1 };
        if !probe.serves_interactions {
            reasons.push("standing by: another bridge is active on this database".to_owned());
        }
        return Health {
            status: if reasons.len() == expected { "standby" } else { "unhealthy" },
            reasons,
            last_successful_poll_secs_ago: None,
        };
    }
    if !probe.gateway_connected {
        reasons.push("not connected to the Discord gateway".to_owned());
    }
    if probe.shutting_down {
        reasons.push("shutting down".to_owned());
    }
    let limit_ms = i64::try_from(probe.poll_interval.saturating_mul(STALE_AFTER_INTERVALS).as_millis())
        .unwrap_or(i64::MAX);
    let limit = format!("more than {STALE_AFTER_INTERVALS} poll intervals, {} s", limit_ms / 1000);
    match probe.last_success_ms {
        Some(at) if probe.now_ms.saturating_sub(at) > limit_ms => {
            let ago = seconds(probe.now_ms.saturating_sub(at));
            reasons.push(format!("the last successful poll of Scenario was {ago} s ago ({limit})"));
        }
        None if probe.now_ms.saturating_sub(probe.started_ms) > limit_ms => {
            let ago = seconds(probe.now_ms.saturating_sub(probe.started_ms));
            reasons.push(format!("no poll of Scenario has succeeded since the start {ago} s ago ({limit})"));
        }
        _ => {}
    }
    Health {
        status: if reasons.is_empty() { "ok" } else { "unhealthy" },
        reasons,
        last_successful_poll_secs_ago: probe.last_success_ms.map(|at| probe.now_ms.saturating_sub(at) / 1000),
    }
}

/// Milliseconds as seconds with one decimal, e.g. `45.0`.
fn seconds(ms: i64) -> String {
    format!("{:.1}", ms as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE_MS: i64 = 60_000;

    /// A healthy probe: started ten minutes ago, polled a minute ago, interval 15 s.
    fn healthy() -> Probe {
        Probe {
            database_answers: true,
            gateway_connected: true,
            serves_interactions: false,
            shutting_down: false,
            standing_by: false,
            last_success_ms: Some(9 * MINUTE_MS),
            started_ms: 0,
            now_ms: 10 * MINUTE_MS - 50_000,
            poll_interval: Duration::from_secs(15),
        }
    }

    #[test]
    fn all_well_is_healthy() {
        let health = assess(&healthy());
        assert!(health.is_healthy(), "{health:?}");
        assert_eq!(health.status, "ok");
        assert_eq!(health.last_successful_poll_secs_ago, Some(10));
    }

    #[test]
    fn a_poll_exactly_three_intervals_old_is_still_fresh_and_one_ms_more_is_not() {
        let mut probe = healthy();
        probe.now_ms = 9 * MINUTE_MS + 45_000;
        assert!(assess(&probe).is_healthy());
        probe.now_ms += 1;
        let health = assess(&probe);
        assert_eq!(health.status, "unhealthy");
        assert_eq!(
            health.reasons,
            ["the last successful poll of Scenario was 45.0 s ago (more than 3 poll intervals, 45 s)"]
        );
    }

    #[test]
    fn a_fresh_start_has_three_intervals_for_its_first_poll() {
        let mut probe = Probe { last_success_ms: None, started_ms: 0, now_ms: 44_000, ..healthy() };
        assert!(assess(&probe).is_healthy());
        probe.now_ms = 46_000;
        let health = assess(&probe);
        assert!(
            health.reasons[0].starts_with("no poll of Scenario has succeeded since the start 46.0 s ago")
        );
        assert_eq!(health.last_successful_poll_secs_ago, None);
    }

    #[test]
    fn every_failing_part_is_named() {
        let probe = Probe {
            database_answers: false,
            gateway_connected: false,
            serves_interactions: false,
            shutting_down: true,
            now_ms: 20 * MINUTE_MS,
            ..healthy()
        };
        let health = assess(&probe);
        assert_eq!(health.reasons.len(), 4, "{health:?}");
        assert_eq!(health.reasons[0], "the database does not answer");
        assert_eq!(health.reasons[1], "not connected to the Discord gateway");
        assert_eq!(health.reasons[2], "shutting down");
        assert!(health.reasons[3].contains("660.0 s ago"));
    }

    #[test]
    fn a_standby_says_it_waits_and_nothing_about_whom_discord_or_polls() {
        let probe = Probe {
            gateway_connected: false,
            serves_interactions: false,
            last_success_ms: None,
            now_ms: 20 * MINUTE_MS,
            standing_by: true,
            ..healthy()
        };
        let health = assess(&probe);
        assert_eq!(health.status, "standby");
        assert_eq!(health.reasons, ["standing by: another bridge is active on this database"]);
        let broken = assess(&Probe { database_answers: false, ..probe });
        assert_eq!((broken.status, broken.reasons.len()), ("unhealthy", 2), "{broken:?}");
    }

    #[test]
    fn the_body_is_small_json() {
        let body = serde_json::to_value(assess(&healthy())).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"status": "ok", "reasons": [], "last_successful_poll_secs_ago": 10})
        );
    }

    #[test]
    fn a_replica_standing_by_behind_the_interactions_endpoint_is_healthy_as_it_takes_clicks() {
        let probe = Probe {
            database_answers: true,
            gateway_connected: true,
            serves_interactions: true,
            shutting_down: false,
            standing_by: true,
            last_success_ms: None,
            started_ms: 0,
            now_ms: 3_600_000,
            poll_interval: Duration::from_secs(5),
        };
        let health = assess(&probe);
        assert_eq!((health.status, health.is_healthy()), ("standby", true), "{health:?}");
        let broken = assess(&Probe { database_answers: false, ..probe });
        assert_eq!((broken.status, broken.is_healthy()), ("unhealthy", false));
    }
}
