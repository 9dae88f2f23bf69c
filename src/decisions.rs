//! From a reviewer's click to exactly one decision in Scenario.
//!
//! A decision is claimed in the store first (compare-and-swap from `pending`), so of two clicks
//! only one ever reaches Scenario. When Scenario refuses or does not answer, the job is read
//! again and the approval follows what Scenario shows; only when the gate is still waiting is the
//! claim released, leaving the card live for another try. A gate Scenario shows decided counts as
//! the reviewer's only when their PUT may have done it: a PUT refused outright decided nothing,
//! so the gate was decided elsewhere.

use tracing::{info, instrument, warn};

use crate::{
    approvals::{
        detect::{GateState, gate_state},
        state::ApprovalState,
    },
    bridge::Bridge,
    scenario::{Decision, ScenarioError},
    store::{Approval, Claim, Reviewer, StoreError},
};

/// How a decision ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Scenario took the decision; the approval as stored now.
    Decided(Approval),
    /// Someone else had claimed or closed the gate first.
    Taken(Approval),
    /// The gate turned out to be closed already (decided in Scenario, run ended).
    Closed(Approval),
    /// The decision could not be sent; the gate is pending again and `why` says what failed.
    Failed {
        /// The approval, pending again.
        approval: Approval,
        /// What went wrong, in words for the reviewer.
        why: String,
    },
}

impl Outcome {
    /// The approval as the outcome left it.
    pub fn approval(&self) -> &Approval {
        match self {
            Self::Decided(a) | Self::Taken(a) | Self::Closed(a) | Self::Failed { approval: a, .. } => a,
        }
    }
}

/// Claims `approval` for `reviewer` and sends the decision.
#[instrument(skip_all, fields(approval_id = approval.id, job_id = %approval.job_id, node_id = %approval.node_id, reviewer = reviewer.id, decision = %decision))]
pub async fn decide(
    bridge: &Bridge,
    approval: &Approval,
    reviewer: &Reviewer,
    decision: Decision,
    reason: Option<&str>,
) -> Result<Outcome, StoreError> {
    match bridge.store.claim(approval.id, reviewer, decision, reason).await? {
        Claim::Won(claimed) => complete(bridge, claimed).await,
        Claim::Lost(current) => Ok(Outcome::Taken(current)),
    }
}

/// Sends a claimed decision and records what happened.
pub async fn complete(bridge: &Bridge, claimed: Approval) -> Result<Outcome, StoreError> {
    send(bridge, claimed, Sent::NotYet).await
}

/// Finishes a claim a stop or a crash interrupted (start-up): the reviewer's recorded click is
/// honoured, never sent twice, never lost. The PUT may have reached Scenario before the stop, so
/// the run is read first and the decision is sent only while the gate still waits.
#[instrument(skip_all, fields(approval_id = claimed.id, job_id = %claimed.job_id, node_id = %claimed.node_id))]
pub async fn resume(bridge: &Bridge, claimed: Approval) -> Result<Outcome, StoreError> {
    match bridge.scenario.get_job(&claimed.job_id).await {
        Ok(job) => match gate_state(&job, &claimed.node_id) {
            GateState::AwaitingDecision => send(bridge, claimed, Sent::Maybe).await,
            state => follow(bridge, claimed, state, Sent::Maybe, "the gate is not waiting").await,
        },
        Err(ScenarioError::NotFound { .. }) => {
            close(bridge, claimed, ApprovalState::RunEnded, "The run no longer exists in Scenario").await
        }
        Err(err) => {
            warn!(error = %err, "the run could not be read; sending the interrupted decision");
            send(bridge, claimed, Sent::Maybe).await
        }
    }
}

/// Whether Scenario may already hold the claimed decision (from an earlier PUT, or from this one
/// when its answer was lost): then a gate decided the claimed way counts as the reviewer's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    /// No PUT of this claim reached Scenario, or Scenario refused it outright.
    NotYet,
    /// A PUT of this claim may have reached Scenario.
    Maybe,
}

async fn send(bridge: &Bridge, claimed: Approval, before: Sent) -> Result<Outcome, StoreError> {
    let Some(decision) = claimed.decision else {
        return settle_from_truth(bridge, claimed, "the claim recorded no decision", before).await;
    };
    let sent =
        bridge.scenario.decide(&claimed.workflow_id, &claimed.job_id, &claimed.node_id, decision).await;
    match sent {
        Ok(_) => finish(bridge, &claimed).await,
        Err(err @ ScenarioError::BadCredentials { .. }) => {
            warn!(error = %err, "Scenario refused the bridge's credentials while deciding");
            let why = "Scenario refused the bridge's API key, so nothing was decided. \
                       Ask an admin to check SCENARIO_SDK_API_KEY and SCENARIO_SDK_API_SECRET.";
            release(bridge, claimed, why.to_owned()).await
        }
        Err(err) => {
            warn!(error = %err, "the decision was not confirmed; reading the run again");
            // A plain refusal (e.g. 400 "not waiting": decided in the web app meanwhile) means
            // this PUT decided nothing; a lost answer (timeout, 5xx) may hide that it did.
            let refused = matches!(err, ScenarioError::Rejected { after_unanswered: false, .. });
            let sent = if refused { before } else { Sent::Maybe };
            settle_from_truth(bridge, claimed, &describe(&err), sent).await
        }
    }
}

async fn finish(bridge: &Bridge, claimed: &Approval) -> Result<Outcome, StoreError> {
    bridge.store.decided(claimed).await?;
    let now = reload(bridge, claimed).await?;
    info!(state = %now.state, "decision sent");
    Ok(Outcome::Decided(now))
}

/// Reads the run again and lets the approval follow what Scenario shows.
async fn settle_from_truth(
    bridge: &Bridge,
    claimed: Approval,
    failure: &str,
    sent: Sent,
) -> Result<Outcome, StoreError> {
    match bridge.scenario.get_job(&claimed.job_id).await {
        Ok(job) => {
            let state = gate_state(&job, &claimed.node_id);
            follow(bridge, claimed, state, sent, failure).await
        }
        Err(ScenarioError::NotFound { .. }) => {
            close(bridge, claimed, ApprovalState::RunEnded, "The run no longer exists in Scenario").await
        }
        Err(err) => {
            warn!(error = %err, "the run could not be read again");
            release(bridge, claimed, failure.to_owned()).await
        }
    }
}

/// Moves a claimed approval to where Scenario shows its gate: decided by the reviewer when the
/// gate went the claimed way and the claim's PUT may have done it, closed when anyone else
/// decided or the run ended, pending again (with `failure` as the reason) while it still waits.
async fn follow(
    bridge: &Bridge,
    claimed: Approval,
    state: GateState,
    sent: Sent,
    failure: &str,
) -> Result<Outcome, StoreError> {
    let ours = claimed.decision.filter(|_| sent == Sent::Maybe);
    match state {
        GateState::Approved if ours == Some(Decision::Approve) => finish(bridge, &claimed).await,
        GateState::Rejected if ours == Some(Decision::Reject) => finish(bridge, &claimed).await,
        GateState::Approved => {
            close(bridge, claimed, ApprovalState::DecidedElsewhere, "Approved in Scenario").await
        }
        GateState::Rejected => {
            close(bridge, claimed, ApprovalState::DecidedElsewhere, "Rejected in Scenario").await
        }
        GateState::RunEnded(status) => {
            let what = format!("The run ended ({status}) before a decision");
            close(bridge, claimed, ApprovalState::RunEnded, &what).await
        }
        GateState::Missing => {
            close(bridge, claimed, ApprovalState::RunEnded, "The run no longer has this gate").await
        }
        GateState::AwaitingDecision | GateState::NotReady => {
            release(bridge, claimed, failure.to_owned()).await
        }
    }
}

async fn close(
    bridge: &Bridge,
    claimed: Approval,
    to: ApprovalState,
    what: &str,
) -> Result<Outcome, StoreError> {
    let current = reload(bridge, &claimed).await?;
    bridge.store.settle(current.id, current.state, to, what).await?;
    info!(state = %to, what, "gate was already closed in Scenario");
    Ok(Outcome::Closed(reload(bridge, &claimed).await?))
}

async fn release(bridge: &Bridge, claimed: Approval, why: String) -> Result<Outcome, StoreError> {
    if let Some(reviewer) = &claimed.decided_by {
        bridge.store.release(claimed.id, reviewer, &why).await?;
    }
    info!(why, "claim released; the card stays live");
    Ok(Outcome::Failed { approval: reload(bridge, &claimed).await?, why })
}

async fn reload(bridge: &Bridge, approval: &Approval) -> Result<Approval, StoreError> {
    bridge
        .store
        .approval(approval.id)
        .await?
        .ok_or_else(|| StoreError::Corrupt { id: approval.id, what: "row vanished".into() })
}

/// A failure in words for the reviewer: what happened and what to do.
fn describe(err: &ScenarioError) -> String {
    match err {
        ScenarioError::RateLimited { .. } => {
            "Scenario is rate limiting requests right now; nothing was decided. Try again in a minute.".into()
        }
        ScenarioError::Server { status, .. } => {
            format!(
                "Scenario had a server error (HTTP {status}); nothing was decided. Try again in a minute."
            )
        }
        ScenarioError::Timeout { .. } | ScenarioError::Transport { .. } => {
            "Scenario did not answer; nothing was decided. Try again in a minute.".into()
        }
        ScenarioError::Rejected { message, .. } => format!("Scenario refused the decision: {message}"),
        other => format!("The decision could not be sent: {other}"),
    }
}
