//! The settlement rule: where an open approval goes once Scenario shows where its gate stands.
//!
//! The watcher (pending gates), a decision whose answer was refused or lost, and the finishing
//! of an interrupted decision all follow this one rule, so a gate closed in the web app reads the
//! same on every card whichever path noticed it.

use super::{
    detect::GateState,
    state::{ApprovalState, Decision},
};

/// What an open approval becomes, given its gate's state in Scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// The gate still waits (or is not reached yet): nothing to settle.
    Open,
    /// The gate went the way of a claim whose PUT may have done it: the reviewer's decision.
    Ours(Decision),
    /// The gate was closed by someone else or by the end of the run.
    Closed(Closure),
}

/// How a gate closed without the bridge: the approval's final state and what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    /// The state the approval moves to.
    pub to: ApprovalState,
    /// What happened, in words for the card and the audit.
    pub what: String,
}

/// What a gate approved outside the bridge reads as (a selection gate's card says "picked").
pub const APPROVED_IN_SCENARIO: &str = "Approved in Scenario";

/// Where an approval goes when Scenario shows its gate as `gate`. `sent` is the decision of a
/// claim whose PUT may have reached Scenario (`None` for a pending gate, or when the claim's PUT
/// was refused outright and so decided nothing): a gate decided that way is the reviewer's.
pub fn settlement(gate: &GateState, sent: Option<Decision>) -> Settlement {
    let closed = |to, what: &str| Settlement::Closed(Closure { to, what: what.to_owned() });
    match gate {
        GateState::Approved if sent == Some(Decision::Approve) => Settlement::Ours(Decision::Approve),
        GateState::Rejected if sent == Some(Decision::Reject) => Settlement::Ours(Decision::Reject),
        GateState::Approved => closed(ApprovalState::DecidedElsewhere, APPROVED_IN_SCENARIO),
        GateState::Rejected => closed(ApprovalState::DecidedElsewhere, "Rejected in Scenario"),
        GateState::RunEnded(status) => {
            closed(ApprovalState::RunEnded, &format!("The run ended ({status}) before a decision"))
        }
        GateState::Missing => closed(ApprovalState::RunEnded, "The run no longer has this gate"),
        GateState::AwaitingDecision | GateState::NotReady => Settlement::Open,
    }
}

/// Where an approval goes when Scenario no longer knows its run (404).
pub fn run_gone() -> Closure {
    Closure { to: ApprovalState::RunEnded, what: "The run no longer exists in Scenario".to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approvals::enums::JobStatus;

    fn closed_to(settlement: &Settlement) -> Option<ApprovalState> {
        match settlement {
            Settlement::Closed(closure) => Some(closure.to),
            _ => None,
        }
    }

    #[test]
    fn a_waiting_or_unreached_gate_stays_open_whatever_was_sent() {
        for sent in [None, Some(Decision::Approve), Some(Decision::Reject)] {
            assert_eq!(settlement(&GateState::AwaitingDecision, sent), Settlement::Open);
            assert_eq!(settlement(&GateState::NotReady, sent), Settlement::Open);
        }
    }

    #[test]
    fn a_gate_decided_the_way_of_a_sent_claim_is_the_reviewers() {
        assert_eq!(
            settlement(&GateState::Approved, Some(Decision::Approve)),
            Settlement::Ours(Decision::Approve)
        );
        assert_eq!(
            settlement(&GateState::Rejected, Some(Decision::Reject)),
            Settlement::Ours(Decision::Reject)
        );
    }

    #[test]
    fn a_gate_decided_the_other_way_or_without_a_sent_claim_was_decided_elsewhere() {
        let approved = settlement(&GateState::Approved, Some(Decision::Reject));
        assert_eq!(
            approved,
            Settlement::Closed(Closure {
                to: ApprovalState::DecidedElsewhere,
                what: "Approved in Scenario".into()
            })
        );
        let rejected = settlement(&GateState::Rejected, None);
        assert_eq!(
            rejected,
            Settlement::Closed(Closure {
                to: ApprovalState::DecidedElsewhere,
                what: "Rejected in Scenario".into()
            })
        );
    }

    #[test]
    fn an_ended_run_a_missing_gate_or_a_vanished_run_end_the_approval() {
        let ended = settlement(&GateState::RunEnded(JobStatus::Canceled), Some(Decision::Approve));
        assert_eq!(closed_to(&ended), Some(ApprovalState::RunEnded));
        let Settlement::Closed(closure) = ended else { unreachable!("checked above") };
        assert!(closure.what.starts_with("The run ended ("), "{}", closure.what);
        assert_eq!(closed_to(&settlement(&GateState::Missing, None)), Some(ApprovalState::RunEnded));
        assert_eq!(run_gone().to, ApprovalState::RunEnded);
    }
}
