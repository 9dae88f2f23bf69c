//! From a reviewer's Start to exactly one new run, then the old gate rejected.
//!
//! The request is recorded first, one per gate ([`Store::request_rerun`]): of two Starts (a
//! double click, two reviewers, two replicas) one is recorded and the other told. The run PUT is
//! sent once, after the request is marked as sending, and never again for that request. When
//! its answer is lost, the runs of the workflow that changed since the request are read, and one
//! created since then with exactly the inputs sent is taken as the one started
//! ([`look_for_run`]); found nowhere, the request stays `unsettled` and the watcher keeps
//! looking until the PUT can no longer land, then records that nothing started. The old gate is
//! rejected only once the new run is known, through the usual claim ([`super::decide`]): the team
//! is never left with neither run; a rejection that fails is sent again by the watcher.

use serde_json::{Map, Value};
use time::OffsetDateTime;
use tracing::{info, warn};

use super::{LiveClaims, Outcome, decide};
use crate::{
    approvals::{
        ids::{ApprovalId, JobId},
        rerun::same_inputs,
        state::Decision,
    },
    scenario::{ScenarioClient, ScenarioError},
    store::{Approval, Rerun, RerunDraft, RerunEnd, RerunRequest, Reviewer, Store, StoreError},
};

/// How far before a request a run found may have been created: Scenario's clock and the shared
/// clock are different machines' clocks.
const CLOCK_MARGIN: time::Duration = time::Duration::minutes(2);

/// How a Start ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Started {
    /// This Start's run started (or was found started after a lost answer: `found`); the old
    /// gate's rejection ended as `rejected` (`None` when it was not tried: the gate was closed).
    Started { rerun: Rerun, found: bool, rejected: Option<Box<Outcome>> },
    /// Another Start of this gate was recorded first; its request as it stands.
    Taken(Rerun),
    /// Nothing was started; `why` in words for the reviewer.
    NotStarted { rerun: Rerun, why: String },
    /// The answer was lost and no run was found yet: it may or may not have started.
    Unsettled(Rerun),
}

/// Records and sends a re-run of `approval` as `reviewer` drafted it: one run, then the gate
/// rejected. `round` is the new run's round.
pub async fn start(
    store: &Store,
    scenario: &ScenarioClient,
    claims: &LiveClaims,
    (approval, reviewer): (&Approval, &Reviewer),
    draft: &RerunDraft,
    round: u32,
) -> Result<Started, StoreError> {
    let held = claims.hold();
    let request =
        store.request_rerun(approval.id, &approval.workflow_id, reviewer, draft, held.token(), round).await?;
    let rerun = match request {
        RerunRequest::Recorded(rerun) => rerun,
        RerunRequest::Taken(rerun) => return Ok(Started::Taken(rerun)),
    };
    if !store.rerun_sending(&rerun).await? {
        return Ok(Started::Taken(reload(store, rerun.approval_id).await?));
    }
    let (end, found) = match scenario.start_run(&rerun.workflow_id, &rerun.draft.inputs).await {
        Ok(job) => (RerunEnd::Started(job.job_id), false),
        Err(err) if started_nothing(&err) => (RerunEnd::NotStarted(refusal_words(&err)), false),
        Err(err) => {
            warn!(error = %err, rerun_id = rerun.id, "the run's answer was lost; looking for the run");
            match look_for_run(store, scenario, &rerun).await {
                Ok(Some(job)) => (RerunEnd::Started(job), true),
                Ok(None) => (RerunEnd::Unsettled(UNSETTLED.into()), false),
                Err(read) => {
                    warn!(error = %read, "the runs could not be read");
                    (RerunEnd::Unsettled(UNSETTLED.into()), false)
                }
            }
        }
    };
    store.rerun_ended(&rerun, &end).await?;
    let rerun = reload(store, rerun.approval_id).await?;
    Ok(match end {
        RerunEnd::Started(_) => {
            let rejected = reject_old_gate(store, scenario, claims, &rerun).await?.map(Box::new);
            Started::Started { rerun, found, rejected }
        }
        RerunEnd::NotStarted(why) => Started::NotStarted { rerun, why },
        RerunEnd::Unsettled(_) => Started::Unsettled(rerun),
    })
}

/// What the reviewer and the card read while a lost answer is not cleared up.
pub const UNSETTLED: &str = "Scenario did not answer, and the run was not found yet: it may or may not have started. \
     approval-bridge keeps looking and the card says which; nothing is sent again.";

/// Rejects the gate a started re-run replaces, as its reviewer, through the usual claim; `None`
/// when the gate is no longer pending.
pub async fn reject_old_gate(
    store: &Store,
    scenario: &ScenarioClient,
    claims: &LiveClaims,
    rerun: &Rerun,
) -> Result<Option<Outcome>, StoreError> {
    let Some(approval) = store.approval(rerun.approval_id).await? else { return Ok(None) };
    if approval.state != crate::approvals::state::ApprovalState::Pending {
        return Ok(None);
    }
    let reason = reject_reason(rerun);
    let outcome =
        decide(store, scenario, claims, &approval, &rerun.requested_by, Decision::Reject, Some(&reason))
            .await?;
    info!(approval_id = approval.id.get(), outcome = outcome.label(), "the re-run gate's rejection");
    Ok(Some(outcome))
}

/// "Re-run requested by @x", and the reviewer's note.
fn reject_reason(rerun: &Rerun) -> String {
    let asked = format!("Re-run requested by {}", rerun.requested_by.mention());
    match rerun.draft.note.as_deref().filter(|n| !n.is_empty()) {
        Some(note) => format!("{asked}: {note}"),
        None => asked,
    }
}

/// Looks for the run a request whose answer was lost may have started: a run of its workflow
/// created since the request (within the clocks' margin), with exactly the inputs sent, that is
/// neither the run re-run (a re-run with nothing changed has its inputs) nor one a request took
/// as its own already.
pub async fn look_for_run(
    store: &Store,
    scenario: &ScenarioClient,
    rerun: &Rerun,
) -> Result<Option<JobId>, ScenarioError> {
    let requested = OffsetDateTime::from_unix_timestamp_nanos(i128::from(rerun.requested_at) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let since = requested - CLOCK_MARGIN;
    let re_run = match store.approval(rerun.approval_id).await {
        Ok(approval) => approval.map(|a| a.job_id),
        Err(err) => {
            warn!(error = %err, "could not read the gate re-run");
            return Ok(None);
        }
    };
    let runs = scenario.runs_since(&rerun.workflow_id, since).await?;
    for job in runs {
        let recent = job.created_at.is_none_or(|at| at >= since);
        let other = re_run.as_ref() != Some(&job.job_id);
        if recent && other && same_inputs(job.metadata.input.as_ref(), &rerun.draft.inputs) {
            match store.rerun_adopted(&job.job_id).await {
                Ok(true) => continue,
                Ok(false) => return Ok(Some(job.job_id)),
                Err(err) => {
                    warn!(error = %err, "could not check whether a run is another re-run's");
                    return Ok(None);
                }
            }
        }
    }
    Ok(None)
}

/// Whether Scenario answered without starting anything: a refusal (bad input, a workflow not
/// ready, no credits), a 429 (it acts on none), credentials refused, the workflow gone.
pub fn started_nothing(err: &ScenarioError) -> bool {
    matches!(
        err,
        ScenarioError::Rejected { after_unanswered: false, .. }
            | ScenarioError::RateLimited { .. }
            | ScenarioError::BadCredentials { .. }
            | ScenarioError::NotFound { .. }
    )
}

/// Scenario's refusal of a run, in plain words: nothing was started.
pub fn refusal_words(err: &ScenarioError) -> String {
    match err {
        ScenarioError::RateLimited { .. } => "Scenario is busy (too many requests or runs at once, HTTP 429); \
                                               nothing was started. Try again in a minute."
            .into(),
        ScenarioError::Rejected { status, message, .. } => {
            format!("Scenario refused the run (HTTP {status}): {message}. Nothing was started.")
        }
        ScenarioError::BadCredentials { .. } => "Scenario refused the bridge's API key for this project; nothing \
                                                  was started. Ask an admin to check SCENARIO_SDK_API_KEY and SCENARIO_PROJECT_ID."
            .into(),
        ScenarioError::NotFound { .. } => "Scenario no longer has this workflow; nothing was started.".into(),
        other => format!("The run could not be started: {other}. Nothing was started."),
    }
}

/// The inputs of a run, as its job carries them.
pub fn run_inputs(job_input: Option<&Value>) -> Map<String, Value> {
    job_input.and_then(Value::as_object).cloned().unwrap_or_default()
}

async fn reload(store: &Store, approval_id: ApprovalId) -> Result<Rerun, StoreError> {
    store
        .rerun_of(approval_id)
        .await?
        .ok_or_else(|| StoreError::Corrupt { id: approval_id, what: "re-run request vanished".into() })
}
