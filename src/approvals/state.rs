//! The states of one approval and the transitions between them.
//!
//! ```text
//! pending ──claim──▶ deciding ──PUT ok──▶ approved | rejected
//!    │                  └──PUT failed (after retries)──▶ pending
//!    └──watcher──▶ decided_elsewhere | run_ended
//! ```
//! The store makes every transition one SQL statement guarded by the state it leaves.

use std::fmt;

/// A reviewer's decision on a gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Let the run go on.
    Approve,
    /// Stop the run (or, inside a ForEach, that iteration).
    Reject,
}

impl Decision {
    /// The `action` value of the approval endpoint.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject => "reject",
        }
    }
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an approval stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApprovalState {
    /// The gate waits and its card offers the buttons.
    Pending,
    /// A reviewer's click has claimed the gate and the decision is being sent to Scenario.
    Deciding,
    /// A reviewer approved it through the bridge.
    Approved,
    /// A reviewer rejected it through the bridge.
    Rejected,
    /// Someone decided the gate outside the bridge (Scenario's web app).
    DecidedElsewhere,
    /// The run ended (failed, was cancelled, or vanished) before anyone decided.
    RunEnded,
}

impl ApprovalState {
    /// Every state, for exhaustive tests and queries.
    pub const ALL: [ApprovalState; 6] = [
        Self::Pending,
        Self::Deciding,
        Self::Approved,
        Self::Rejected,
        Self::DecidedElsewhere,
        Self::RunEnded,
    ];

    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Deciding => "deciding",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::DecidedElsewhere => "decided_elsewhere",
            Self::RunEnded => "run_ended",
        }
    }

    /// Parses a stored name; `None` for a name this version does not know.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == name)
    }

    /// Whether nothing can happen to the gate any more.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Pending | Self::Deciding)
    }
}

impl fmt::Display for ApprovalState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Decision> for ApprovalState {
    /// The state an approval reaches once Scenario accepted the decision.
    fn from(decision: Decision) -> Self {
        match decision {
            Decision::Approve => Self::Approved,
            Decision::Reject => Self::Rejected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_round_trips_through_its_stored_name() {
        for state in ApprovalState::ALL {
            assert_eq!(ApprovalState::parse(state.as_str()), Some(state));
        }
        assert_eq!(ApprovalState::parse("expired"), None);
    }

    #[test]
    fn only_pending_and_deciding_are_open() {
        let open: Vec<_> = ApprovalState::ALL.into_iter().filter(|s| !s.is_final()).collect();
        assert_eq!(open, [ApprovalState::Pending, ApprovalState::Deciding]);
    }

    #[test]
    fn a_decision_leads_to_its_own_final_state() {
        assert_eq!(ApprovalState::from(Decision::Approve), ApprovalState::Approved);
        assert_eq!(ApprovalState::from(Decision::Reject), ApprovalState::Rejected);
    }
}
