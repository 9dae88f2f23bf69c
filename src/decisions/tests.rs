//! Every branch of the decision table, against a scripted Scenario and a store on a fresh
//! database file; claims whose process stopped in tests/orphans.rs, quorums in tests/quorum.rs,
//! selection gates in tests/selection.rs.

use std::{collections::VecDeque, sync::Mutex};

use serde_json::json;
use serenity::all::RoleId;

use super::*;
use crate::approvals::{policy::Policy, selection::Replaced};
use crate::store::tests::{TempDb, gate, on_both_engines, reviewer, temp_store};

/// What the scripted Scenario answers to a read of the run.
#[derive(Debug, Clone, Copy)]
enum Read {
    /// The gate waits.
    Waiting,
    /// The gate was approved.
    Approved,
    /// The gate was rejected.
    Rejected,
    /// The run was canceled with the gate undecided.
    Canceled,
    /// 404.
    Gone,
    /// 503 (the read itself failed).
    Down,
}

/// What the scripted Scenario answers to the PUT.
#[derive(Debug, Clone, Copy)]
enum Put {
    /// 200: taken.
    Taken,
    /// 400 "not waiting": refused outright.
    Refused,
    /// 503: the answer is lost, Scenario may have acted.
    Lost,
    /// 401.
    BadKey,
    /// 429 on every attempt.
    RateLimited,
}

/// A Scenario that answers from a script and counts the decisions sent.
#[derive(Default)]
struct Scripted {
    reads: Mutex<VecDeque<Read>>,
    puts: Mutex<VecDeque<Put>>,
    sent: Mutex<Vec<Decision>>,
    picks_sent: Mutex<Vec<Option<Vec<u32>>>>,
    read_count: Mutex<usize>,
}

impl Scripted {
    fn new(reads: &[Read], puts: &[Put]) -> Self {
        Self {
            reads: Mutex::new(reads.iter().copied().collect()),
            puts: Mutex::new(puts.iter().copied().collect()),
            ..Self::default()
        }
    }

    fn sent(&self) -> Vec<Decision> {
        self.sent.lock().unwrap().clone()
    }

    fn reads(&self) -> usize {
        *self.read_count.lock().unwrap()
    }
}

fn run(node_status: &str, run_status: &str) -> Job {
    serde_json::from_value(json!({
        "jobId": "job_1", "jobType": "workflow", "status": run_status, "progress": 0.5,
        "statusHistory": [], "createdAt": "2024-05-01T10:00:00.000Z",
        "metadata": { "workflowId": "wflow_1", "flow": [
            { "id": "gen", "type": "custom-model", "status": "success", "jobId": "job_gen" },
            { "id": "gate", "type": "user-approval", "status": node_status, "dependsOn": ["gen"] }
        ] }
    }))
    .unwrap()
}

fn server_error() -> ScenarioError {
    ScenarioError::Server { status: 503, attempts: 1, message: None }
}

impl Gates for Scripted {
    async fn read_run(&self, _job_id: &JobId) -> Result<Job, ScenarioError> {
        *self.read_count.lock().unwrap() += 1;
        let next = self.reads.lock().unwrap().pop_front().expect("the script has a read left");
        match next {
            Read::Waiting => Ok(run("pending", "in-progress")),
            Read::Approved => Ok(run("success", "in-progress")),
            Read::Rejected => Ok(run("rejected", "in-progress")),
            Read::Canceled => Ok(run("pending", "canceled")),
            Read::Gone => Err(ScenarioError::NotFound { what: "job job_1".into(), message: None }),
            Read::Down => Err(server_error()),
        }
    }

    async fn send_decision(&self, approval: &Approval, decision: Decision) -> Result<(), ScenarioError> {
        self.sent.lock().unwrap().push(decision);
        self.picks_sent.lock().unwrap().push(approval.picks.clone());
        let next = self.puts.lock().unwrap().pop_front().expect("the script has a PUT left");
        match next {
            Put::Taken => Ok(()),
            Put::Refused => Err(ScenarioError::Rejected {
                status: 400,
                message: "not waiting".into(),
                details: None,
                after_unanswered: false,
            }),
            Put::Lost => Err(server_error()),
            Put::BadKey => Err(ScenarioError::BadCredentials { status: 401, message: None }),
            Put::RateLimited => Err(ScenarioError::RateLimited { attempts: 3 }),
        }
    }
}

/// A store holding one pending gate.
async fn one_gate() -> (Store, Approval, TempDb) {
    let (store, dir) = temp_store().await;
    let approval = store.insert_approval(&gate("job_1", "gate")).await.unwrap().unwrap();
    (store, approval, dir)
}

/// A click approving the gate, against `scenario`.
async fn click(store: &Store, scenario: &Scripted, approval: &Approval) -> Outcome {
    let claims = LiveClaims::default();
    decide(store, scenario, &claims, approval, &reviewer(1), Decision::Approve, None).await.unwrap()
}

/// A gate left `deciding` (approve by reviewer 1) with no decision holding its claim.
async fn orphaned_claim() -> (Store, Approval, TempDb) {
    let (store, approval, dir) = one_gate().await;
    let claims = LiveClaims::default();
    let held = claims.hold();
    let Claim::Won(claimed) =
        store.claim(approval.id, &reviewer(1), Decision::Approve, None, held.token()).await.unwrap()
    else {
        panic!("the only claim wins");
    };
    (store, claimed, dir)
}

async fn finish_orphan(store: &Store, scenario: &Scripted, orphan: &Approval) -> Outcome {
    let claims = LiveClaims::default();
    resume(store, scenario, &claims, orphan, Resend::Allowed)
        .await
        .unwrap()
        .expect("the orphan is taken over")
}

fn state_of(outcome: &Outcome) -> ApprovalState {
    outcome.approval().state
}

on_both_engines! {
    async fn a_click_whose_put_is_taken_is_decided_with_one_put() {
        let (store, approval, _dir) = one_gate().await;
        let scenario = Scripted::new(&[], &[Put::Taken]);
        let outcome = click(&store, &scenario, &approval).await;
        assert!(matches!(outcome, Outcome::Decided(_)), "{outcome:?}");
        assert_eq!(state_of(&outcome), ApprovalState::Approved);
        assert_eq!(outcome.approval().claim_token, None, "a finished decision holds no claim");
        assert_eq!((scenario.sent(), scenario.reads()), (vec![Decision::Approve], 0));
    }
}

on_both_engines! {
    async fn a_click_on_a_gate_already_claimed_sends_nothing() {
        let (store, claimed, _dir) = orphaned_claim().await;
        let scenario = Scripted::new(&[], &[]);
        let outcome = click(&store, &scenario, &claimed).await;
        assert!(matches!(outcome, Outcome::Taken(_)), "{outcome:?}");
        assert_eq!(state_of(&outcome), ApprovalState::Deciding);
        assert!(scenario.sent().is_empty());
    }
}

on_both_engines! {
    async fn a_refused_api_key_gives_the_gate_back_and_names_the_settings() {
        let (store, approval, _dir) = one_gate().await;
        let scenario = Scripted::new(&[], &[Put::BadKey]);
        let Outcome::Failed { approval: now, why } = click(&store, &scenario, &approval).await else {
            panic!("a refused key fails the decision");
        };
        assert_eq!((now.state, now.decided_by), (ApprovalState::Pending, None));
        assert!(why.contains("SCENARIO_SDK_API_KEY"), "{why}");
        assert_eq!(scenario.reads(), 0, "a refused key decided nothing: no need to read");
    }
}

on_both_engines! {
    async fn a_put_refused_outright_on_a_gate_decided_the_same_way_was_decided_elsewhere() {
        let (store, approval, _dir) = one_gate().await;
        let scenario = Scripted::new(&[Read::Approved], &[Put::Refused]);
        let outcome = click(&store, &scenario, &approval).await;
        assert!(matches!(outcome, Outcome::Closed(_)), "{outcome:?}");
        assert_eq!(state_of(&outcome), ApprovalState::DecidedElsewhere);
        assert_eq!(outcome.approval().reason.as_deref(), Some("Approved in Scenario"));
    }
}

on_both_engines! {
    async fn a_put_refused_on_a_gate_still_waiting_gives_it_back_with_the_reason() {
        let (store, approval, _dir) = one_gate().await;
        let scenario = Scripted::new(&[Read::Waiting], &[Put::Refused]);
        let Outcome::Failed { approval: now, why } = click(&store, &scenario, &approval).await else {
            panic!("the gate still waits: the claim is given back");
        };
        assert_eq!(now.state, ApprovalState::Pending);
        assert!(why.contains("not waiting"), "{why}");
        assert_eq!(scenario.sent().len(), 1, "the refused PUT is not repeated");
    }
}

on_both_engines! {
    async fn a_rate_limited_put_decided_nothing_so_a_gate_approved_meanwhile_was_decided_elsewhere() {
        let (store, approval, _dir) = one_gate().await;
        let scenario = Scripted::new(&[Read::Approved], &[Put::RateLimited]);
        let outcome = click(&store, &scenario, &approval).await;
        assert_eq!(state_of(&outcome), ApprovalState::DecidedElsewhere, "{outcome:?}");
    }
}

on_both_engines! {
    async fn a_lost_answer_on_a_gate_now_decided_the_claimed_way_is_the_reviewers() {
        let (store, approval, _dir) = one_gate().await;
        let scenario = Scripted::new(&[Read::Approved], &[Put::Lost]);
        let outcome = click(&store, &scenario, &approval).await;
        assert!(matches!(outcome, Outcome::Decided(_)), "{outcome:?}");
        assert_eq!(outcome.approval().decided_by, Some(reviewer(1)));
        assert_eq!(scenario.sent().len(), 1, "the PUT is never repeated after a lost answer");
    }
}

on_both_engines! {
    async fn a_lost_answer_on_a_gate_decided_the_other_way_was_decided_elsewhere() {
        let (store, approval, _dir) = one_gate().await;
        let scenario = Scripted::new(&[Read::Rejected], &[Put::Lost]);
        let outcome = click(&store, &scenario, &approval).await;
        assert_eq!(state_of(&outcome), ApprovalState::DecidedElsewhere);
        assert_eq!(outcome.approval().reason.as_deref(), Some("Rejected in Scenario"));
    }
}

on_both_engines! {
    async fn a_lost_answer_on_a_gate_still_waiting_gives_the_gate_back_without_a_second_put() {
        let (store, approval, _dir) = one_gate().await;
        let scenario = Scripted::new(&[Read::Waiting], &[Put::Lost]);
        let Outcome::Failed { approval: now, why } = click(&store, &scenario, &approval).await else {
            panic!("the gate still waits: the claim is given back");
        };
        assert_eq!(now.state, ApprovalState::Pending);
        assert!(why.contains("HTTP 503"), "{why}");
        assert_eq!(scenario.sent().len(), 1);
    }
}

on_both_engines! {
    async fn a_lost_answer_on_a_run_that_ended_or_vanished_ends_the_approval() {
        for read in [Read::Canceled, Read::Gone] {
            let (store, approval, _dir) = one_gate().await;
            let scenario = Scripted::new(&[read], &[Put::Lost]);
            let outcome = click(&store, &scenario, &approval).await;
            assert!(matches!(outcome, Outcome::Closed(_)), "{read:?}: {outcome:?}");
            assert_eq!(state_of(&outcome), ApprovalState::RunEnded, "{read:?}");
        }
    }
}

on_both_engines! {
    async fn a_lost_answer_with_the_run_unreadable_keeps_the_decision_recorded_as_the_reviewers() {
        let (store, approval, _dir) = one_gate().await;
        let scenario = Scripted::new(&[Read::Down], &[Put::Lost]);
        let outcome = click(&store, &scenario, &approval).await;
        assert!(matches!(outcome, Outcome::Recorded(_)), "{outcome:?}");
        let now = outcome.approval();
        assert_eq!((now.state, now.decided_by.clone()), (ApprovalState::Deciding, Some(reviewer(1))));
        assert_eq!(now.decision, Some(Decision::Approve));
        assert_eq!(scenario.sent().len(), 1);
    }
}

/// A quorum of two.
fn two_approvals() -> Policy {
    Policy { approvals_required: 2, ..Policy::default() }
}

/// A tally without groups: these approvers.
fn tally(approvers: Vec<Reviewer>) -> Tally {
    Tally { approvers, groups: Vec::new() }
}

/// Every reviewer may still decide.
struct Everyone;

impl Electorate for Everyone {
    async fn still_deciding(&self, _: &Approval, voters: Vec<Reviewer>) -> Vec<(Reviewer, Vec<RoleId>)> {
        voters.into_iter().map(|v| (v, Vec::new())).collect()
    }
}

/// Only these reviewers may still decide (the others lost the role).
struct Only(Vec<Reviewer>);

impl Electorate for Only {
    async fn still_deciding(&self, _: &Approval, voters: Vec<Reviewer>) -> Vec<(Reviewer, Vec<RoleId>)> {
        voters.into_iter().filter(|v| self.0.contains(v)).map(|v| (v, Vec::new())).collect()
    }
}

mod orphans;
mod quorum;
mod selection;
