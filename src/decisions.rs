//! From a reviewer's click to exactly one decision in Scenario.
//!
//! A decision is claimed in the store first (compare-and-swap from `pending`, under a claim token
//! this process holds), so of two clicks only one ever reaches Scenario. The PUT is sent once:
//! when its answer is lost (timeout, dropped connection, 5xx) or Scenario refuses it, the run is
//! read again and the approval follows what Scenario shows ([`settlement`]). A PUT is never
//! repeated blind: a claim finished later (after a stop, or after an outage) is sent again only
//! when a fresh read shows the gate still waiting. While the run cannot be read the row stays
//! `deciding` as the reviewer's, and the watcher tries again on its next passes. A gate Scenario
//! shows decided counts as the reviewer's only when their PUT may have done it: a PUT refused
//! outright decided nothing, so the gate was decided elsewhere. Under a route's quorum, approvals
//! are counted first and the decision is claimed once enough distinct reviewers approved
//! ([`approve`]).
//!
//! A selection gate goes the same way: its claim records the picks (an approval's "approve" is
//! a selection's "select"), and a selection claim without picks sends nothing. Under a quorum,
//! confirmations of the same picks are counted like approvals ([`confirm`]).

mod claims;
mod quorum;
#[cfg(test)]
mod tests;

use std::future::Future;

use tracing::{info, instrument, warn};

pub use claims::{HeldClaim, LiveClaims, owner_of};
pub use quorum::{Approved, Electorate, approve, confirm, counting};

use crate::{
    approvals::{
        detect::{GateState, gate_state},
        ids::JobId,
        settle::{Closure, Settlement, run_gone, settlement},
        state::{ApprovalState, Decision},
    },
    scenario::{Class, Job, ScenarioClient, ScenarioError},
    store::{Approval, Claim, Reviewer, Store, StoreError},
};

/// What a decision needs of Scenario: read a run, send a decision once.
pub trait Gates: Sync {
    /// Reads the run (workflow job) `job_id`.
    fn read_run(&self, job_id: &JobId) -> impl Future<Output = Result<Job, ScenarioError>> + Send;

    /// Sends `decision` on the gate of `approval` once; an attempt whose answer was lost is not
    /// repeated (the caller reads the run instead).
    fn send_decision(
        &self,
        approval: &Approval,
        decision: Decision,
    ) -> impl Future<Output = Result<(), ScenarioError>> + Send;
}

impl Gates for ScenarioClient {
    async fn read_run(&self, job_id: &JobId) -> Result<Job, ScenarioError> {
        // The reads around a decision go ahead of everything else, like its PUT.
        self.with_class(Class::Decision).get_job(job_id).await
    }

    async fn send_decision(&self, approval: &Approval, decision: Decision) -> Result<(), ScenarioError> {
        let (workflow_id, job_id, node_id) = (&approval.workflow_id, &approval.job_id, &approval.node_id);
        if approval.snapshot.selection.is_none() {
            return self.decide(workflow_id, job_id, node_id, decision).await.map(drop);
        }
        // `send` never lets a selection claim without picks get here.
        let picks = match decision {
            Decision::Approve => Some(approval.picks.as_deref().unwrap_or_default()),
            Decision::Reject => None,
        };
        self.select(workflow_id, job_id, node_id, picks).await.map(drop)
    }
}

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
    /// Scenario could not be asked whether the decision landed: it stays recorded as the
    /// reviewer's (`deciding`) and is finished once Scenario answers.
    Recorded(Approval),
}

impl Outcome {
    /// The approval as the outcome left it.
    pub fn approval(&self) -> &Approval {
        match self {
            Self::Decided(a)
            | Self::Taken(a)
            | Self::Closed(a)
            | Self::Recorded(a)
            | Self::Failed { approval: a, .. } => a,
        }
    }

    /// For a decision Scenario took, how long its gate waited, in milliseconds.
    pub fn gate_wait_ms(&self) -> Option<i64> {
        match self {
            Self::Decided(approval) => approval.decided_at.map(|at| at.saturating_sub(approval.found_at)),
            _ => None,
        }
    }

    /// A short name of the outcome, for metrics (`approval_bridge_decisions_total`).
    pub fn label(&self) -> &'static str {
        match self {
            Self::Decided(approval) if approval.state == ApprovalState::Rejected => "rejected",
            Self::Decided(_) => "approved",
            Self::Taken(_) => "lost_race",
            Self::Closed(_) => "already_closed",
            Self::Failed { .. } => "failed",
            Self::Recorded(_) => "recorded",
        }
    }
}

/// Where the claim being sent comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// A click just now, whose reviewer waits for the answer: a gate still waiting after a failed
    /// PUT is given back for another click, and the reviewer is told why.
    Click,
    /// A claim finished later, whose reviewer is gone: the claim is kept until Scenario takes
    /// the decision or shows the gate closed.
    Resume,
}

/// Whether a PUT of the claim may have reached Scenario (from an earlier life, or from this one
/// when its answer was lost): then a gate decided the claimed way is the reviewer's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Landed {
    /// No PUT of this claim reached Scenario, or Scenario refused it outright.
    No,
    /// A PUT of this claim may have reached Scenario.
    Maybe,
}

/// Claims `approval` for `reviewer` and sends the decision.
#[instrument(skip_all, fields(approval_id = approval.id.get(), job_id = %approval.job_id, node_id = %approval.node_id, reviewer = reviewer.id.get(), decision = %decision))]
pub async fn decide(
    store: &Store,
    scenario: &impl Gates,
    claims: &LiveClaims,
    approval: &Approval,
    reviewer: &Reviewer,
    decision: Decision,
    reason: Option<&str>,
) -> Result<Outcome, StoreError> {
    let held = claims.hold();
    let claim = store.claim(approval.id, reviewer, decision, reason, held.token()).await?;
    send_if_won(store, scenario, claim).await
}

/// Claims the selection gate `approval` for `reviewer` and sends `picks` (checked by the caller
/// against the gate's candidates and bounds).
#[instrument(skip_all, fields(approval_id = approval.id.get(), job_id = %approval.job_id, node_id = %approval.node_id, reviewer = reviewer.id.get(), picks = ?picks))]
pub async fn select(
    store: &Store,
    scenario: &impl Gates,
    claims: &LiveClaims,
    approval: &Approval,
    reviewer: &Reviewer,
    picks: &[u32],
) -> Result<Outcome, StoreError> {
    let held = claims.hold();
    let claim = store.claim_picks(approval.id, reviewer, picks, held.token()).await?;
    send_if_won(store, scenario, claim).await
}

async fn send_if_won(store: &Store, scenario: &impl Gates, claim: Claim) -> Result<Outcome, StoreError> {
    match claim {
        Claim::Won(claimed) => send(store, scenario, claimed, Origin::Click).await,
        Claim::Lost(current) => Ok(Outcome::Taken(current)),
    }
}

/// Whether a claim whose PUT was sent may be sent again when its gate still waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resend {
    /// Not yet: the earlier PUT may still be in flight at Scenario (its process stopped, or
    /// gave up waiting for the answer, less than a request timeout ago).
    NotYet,
    /// Yes: any earlier PUT has been answered or given up for longer than a request may take.
    Allowed,
}

/// Finishes a claim no running decision holds (interrupted by a stop, or left `deciding` while
/// Scenario could not be read): the reviewer's recorded click is honoured, never sent twice,
/// never lost. The run is read first and the decision sent only while the gate still waits, and
/// for a claim whose PUT was sent before, only when `resend` allows. `None` when the claim moved
/// on before it could be taken over.
#[instrument(skip_all, fields(approval_id = orphan.id.get(), job_id = %orphan.job_id, node_id = %orphan.node_id))]
pub async fn resume(
    store: &Store,
    scenario: &impl Gates,
    claims: &LiveClaims,
    orphan: &Approval,
    resend: Resend,
) -> Result<Option<Outcome>, StoreError> {
    let held = claims.hold();
    let Some(claimed) = store.take_over(orphan, held.token()).await? else {
        return Ok(None);
    };
    let outcome = match scenario.read_run(&claimed.job_id).await {
        Ok(job) if gate_state(&job, &claimed.node_id) == GateState::AwaitingDecision => {
            if claimed.decision_sent_at.is_some() && resend == Resend::NotYet {
                info!(
                    "the gate still waits, and the decision's PUT may still be on its way; checked again later"
                );
                keep(store, claimed).await?
            } else {
                send(store, scenario, claimed, Origin::Resume).await?
            }
        }
        read => {
            follow_read(store, claimed, read, Landed::Maybe, Origin::Resume, "the gate is not waiting")
                .await?
        }
    };
    Ok(Some(outcome))
}

async fn send(
    store: &Store,
    scenario: &impl Gates,
    claimed: Approval,
    origin: Origin,
) -> Result<Outcome, StoreError> {
    let Some(decision) = claimed.decision else {
        return release(store, claimed, "The claim recorded no decision; nothing was decided.".into()).await;
    };
    if claimed.snapshot.selection.is_some() && decision == Decision::Approve && claimed.picks.is_none() {
        return release(store, claimed, "The claim recorded no picks; nothing was decided.".into()).await;
    }
    if !store.sending(&claimed).await? {
        return Ok(Outcome::Taken(reload(store, &claimed).await?));
    }
    match scenario.send_decision(&claimed, decision).await {
        Ok(()) => finish(store, &claimed).await,
        Err(err @ ScenarioError::BadCredentials { status, .. }) => {
            warn!(error = %err, "Scenario refused the bridge's credentials while deciding");
            let why = if status == 403 {
                // The key is known but may not act here: most often a missing or wrong project.
                "Scenario refused the decision for this project (HTTP 403), so nothing was decided. \
                 Ask an admin to check SCENARIO_PROJECT_ID (a project this API key may use) and \
                 the key pair."
            } else {
                "Scenario refused the bridge's API key, so nothing was decided. \
                 Ask an admin to check SCENARIO_SDK_API_KEY and SCENARIO_SDK_API_SECRET."
            };
            release(store, claimed, why.to_owned()).await
        }
        Err(err) => {
            warn!(error = %err, "the decision was not confirmed; reading the run again");
            // A plain refusal (e.g. 400 "not waiting": decided in the web app meanwhile) or a
            // 429 means this PUT decided nothing; a lost answer (timeout, 5xx) may hide that it
            // did, and then a gate decided the claimed way is the reviewer's.
            let refused = matches!(
                err,
                ScenarioError::Rejected { after_unanswered: false, .. } | ScenarioError::RateLimited { .. }
            );
            let landed = match origin {
                Origin::Click if refused => Landed::No,
                _ => Landed::Maybe,
            };
            let read = scenario.read_run(&claimed.job_id).await;
            follow_read(store, claimed, read, landed, origin, &describe(&err)).await
        }
    }
}

/// Lets a claimed approval follow a read of its run: the reviewer's when the gate went the
/// claimed way and a PUT of the claim may have done it, closed when anyone else decided or the
/// run ended. A gate still waiting is given back (`failure` says why) after a click's PUT failed,
/// and kept otherwise; a run that cannot be read keeps the claim.
async fn follow_read(
    store: &Store,
    claimed: Approval,
    read: Result<Job, ScenarioError>,
    landed: Landed,
    origin: Origin,
    failure: &str,
) -> Result<Outcome, StoreError> {
    let job = match read {
        Ok(job) => job,
        Err(ScenarioError::NotFound { .. }) => return close(store, claimed, run_gone()).await,
        Err(err) => {
            warn!(error = %err, "the run could not be read; the decision stays recorded and is retried");
            return keep(store, claimed).await;
        }
    };
    let sent = claimed.decision.filter(|_| landed == Landed::Maybe);
    match settlement(&gate_state(&job, &claimed.node_id), sent) {
        Settlement::Ours(_) => finish(store, &claimed).await,
        Settlement::Closed(closure) => close(store, claimed, closure).await,
        Settlement::Open if origin == Origin::Click => release(store, claimed, failure.to_owned()).await,
        Settlement::Open => keep(store, claimed).await,
    }
}

async fn finish(store: &Store, claimed: &Approval) -> Result<Outcome, StoreError> {
    let decided = store.decided(claimed).await?;
    let now = reload(store, claimed).await?;
    if !decided {
        return Ok(Outcome::Taken(now));
    }
    info!(state = %now.state, "decision sent");
    Ok(Outcome::Decided(now))
}

async fn close(store: &Store, claimed: Approval, closure: Closure) -> Result<Outcome, StoreError> {
    let closed = store.settle_claim(&claimed, closure.to, &closure.what).await?;
    let now = reload(store, &claimed).await?;
    if !closed {
        return Ok(Outcome::Taken(now));
    }
    info!(state = %closure.to, what = closure.what, "gate was already closed in Scenario");
    Ok(Outcome::Closed(now))
}

async fn release(store: &Store, claimed: Approval, why: String) -> Result<Outcome, StoreError> {
    let released = store.release(&claimed, &why).await?;
    let now = reload(store, &claimed).await?;
    if !released {
        return Ok(Outcome::Taken(now));
    }
    info!(why, "claim released; the card stays live");
    Ok(Outcome::Failed { approval: now, why })
}

async fn keep(store: &Store, claimed: Approval) -> Result<Outcome, StoreError> {
    store.card_shows_sending(claimed.id).await?;
    Ok(Outcome::Recorded(reload(store, &claimed).await?))
}

async fn reload(store: &Store, approval: &Approval) -> Result<Approval, StoreError> {
    store
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
