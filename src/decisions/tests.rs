//! Every branch of the decision table, against a scripted Scenario and a store on a fresh
//! database file.

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

on_both_engines! {
    async fn an_orphaned_claim_on_a_waiting_gate_is_sent_once_after_reading_the_run() {
        let (store, orphan, _dir) = orphaned_claim().await;
        let scenario = Scripted::new(&[Read::Waiting], &[Put::Taken]);
        let outcome = finish_orphan(&store, &scenario, &orphan).await;
        assert!(matches!(outcome, Outcome::Decided(_)), "{outcome:?}");
        assert_eq!((scenario.reads(), scenario.sent()), (1, vec![Decision::Approve]));
    }
}

on_both_engines! {
    async fn an_orphaned_claim_whose_put_had_landed_is_the_reviewers_without_a_put() {
        let (store, orphan, _dir) = orphaned_claim().await;
        let scenario = Scripted::new(&[Read::Approved], &[]);
        let outcome = finish_orphan(&store, &scenario, &orphan).await;
        assert!(matches!(outcome, Outcome::Decided(_)), "{outcome:?}");
        assert_eq!(outcome.approval().decided_by, Some(reviewer(1)));
        assert!(scenario.sent().is_empty());
    }
}

on_both_engines! {
    async fn an_orphaned_claim_on_a_gate_decided_the_other_way_or_ended_sends_nothing() {
        for (read, to) in [
            (Read::Rejected, ApprovalState::DecidedElsewhere),
            (Read::Canceled, ApprovalState::RunEnded),
            (Read::Gone, ApprovalState::RunEnded),
        ] {
            let (store, orphan, _dir) = orphaned_claim().await;
            let scenario = Scripted::new(&[read], &[]);
            let outcome = finish_orphan(&store, &scenario, &orphan).await;
            assert_eq!(state_of(&outcome), to, "{read:?}");
            assert!(scenario.sent().is_empty(), "{read:?}");
        }
    }
}

on_both_engines! {
    async fn an_orphaned_claim_with_the_run_unreadable_sends_nothing_and_stays_recorded() {
        let (store, orphan, _dir) = orphaned_claim().await;
        let scenario = Scripted::new(&[Read::Down], &[]);
        let outcome = finish_orphan(&store, &scenario, &orphan).await;
        assert!(matches!(outcome, Outcome::Recorded(_)), "{outcome:?}");
        assert_eq!(outcome.approval().decided_by, Some(reviewer(1)), "the click is never dropped");
        assert!(scenario.sent().is_empty(), "never a blind PUT");
    }
}

on_both_engines! {
    async fn an_orphaned_claim_whose_put_fails_on_a_waiting_gate_stays_recorded_for_the_next_try() {
        let (store, orphan, _dir) = orphaned_claim().await;
        let scenario = Scripted::new(&[Read::Waiting, Read::Waiting], &[Put::Lost]);
        let outcome = finish_orphan(&store, &scenario, &orphan).await;
        assert!(matches!(outcome, Outcome::Recorded(_)), "{outcome:?}");
        assert_eq!(state_of(&outcome), ApprovalState::Deciding);
        assert_eq!(scenario.sent().len(), 1);
    }
}

on_both_engines! {
    async fn a_claim_that_moved_on_is_not_taken_over() {
        let (store, orphan, _dir) = orphaned_claim().await;
        let scenario = Scripted::new(&[Read::Waiting], &[Put::Taken]);
        let claims = LiveClaims::default();
        assert!(resume(&store, &scenario, &claims, &orphan, Resend::Allowed).await.unwrap().is_some());
        // `orphan` is the row as it was before: its claim was finished meanwhile.
        assert_eq!(resume(&store, &scenario, &claims, &orphan, Resend::Allowed).await.unwrap(), None);
        assert_eq!((scenario.reads(), scenario.sent().len()), (1, 1));
    }
}

on_both_engines! {
    async fn a_decision_whose_claim_was_taken_over_can_finish_nothing() {
        let (store, claimed, _dir) = orphaned_claim().await;
        let claims = LiveClaims::default();
        let new_owner = claims.hold();
        store.take_over(&claimed, new_owner.token()).await.unwrap().expect("the claim is taken over");
        assert!(store.decided(&claimed).await.unwrap().is_none());
        assert!(!store.release(&claimed, "too late").await.unwrap());
        assert!(!store.settle_claim(&claimed, ApprovalState::RunEnded, "too late").await.unwrap());
        assert_eq!(store.approval(claimed.id).await.unwrap().unwrap().state, ApprovalState::Deciding);
    }
}

on_both_engines! {
    async fn an_orphaned_claim_whose_put_may_be_in_flight_waits_while_its_gate_still_waits() {
        let (store, orphan, _dir) = orphaned_claim().await;
        assert!(store.sending(&orphan).await.unwrap(), "the PUT of the claim went out");
        let orphan = store.approval(orphan.id).await.unwrap().unwrap();
        let scenario = Scripted::new(&[Read::Waiting, Read::Waiting], &[Put::Taken]);
        let claims = LiveClaims::default();

        let early = resume(&store, &scenario, &claims, &orphan, Resend::NotYet).await.unwrap().unwrap();
        assert!(matches!(early, Outcome::Recorded(_)), "{early:?}");
        assert!(scenario.sent().is_empty(), "the first PUT may still land: nothing is sent");

        let later = resume(&store, &scenario, &claims, early.approval(), Resend::Allowed).await.unwrap().unwrap();
        assert!(matches!(later, Outcome::Decided(_)), "{later:?}");
        assert_eq!(scenario.sent(), [Decision::Approve]);
    }
}

on_both_engines! {
    async fn a_decision_whose_claim_was_taken_over_sends_nothing() {
        let (store, claimed, _dir) = orphaned_claim().await;
        let claims = LiveClaims::default();
        let new_owner = claims.hold();
        store.take_over(&claimed, new_owner.token()).await.unwrap().expect("the claim is taken over");
        assert!(!store.sending(&claimed).await.unwrap(), "the old claim may not send");
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

on_both_engines! {
    async fn an_approval_whose_reviewer_may_no_longer_decide_does_not_count() {
        let (store, approval, _dir) = one_gate().await;
        let scenario = Scripted::new(&[], &[Put::Taken]);
        let claims = LiveClaims::default();
        let parts = (&store, &scenario, &claims);
        let (policy, ana, ben) = (two_approvals(), reviewer(1), reviewer(2));
        approve(parts, &Everyone, &approval, &ana, &policy, None).await.unwrap();
        // Ana's role is taken away: Ben's approval is the only one that counts.
        let second = approve(parts, &Only(vec![ben.clone()]), &approval, &ben, &policy, None).await.unwrap();
        assert_eq!(second, Approved::Counted(tally(vec![ben.clone()])));
        assert!(scenario.sent().is_empty(), "no quorum, no PUT");
        // Ana gets the role back: her approval counts again, and Ben's click reaches the count.
        let again = approve(parts, &Everyone, &approval, &ben, &policy, None).await.unwrap();
        assert!(matches!(again, Approved::Decided(Outcome::Decided(_))), "{again:?}");
        assert_eq!(scenario.sent(), [Decision::Approve]);
    }
}

on_both_engines! {
    async fn under_a_quorum_a_first_approval_is_counted_and_sends_nothing() {
        let (store, approval, _dir) = one_gate().await;
        let scenario = Scripted::new(&[], &[]);
        let claims = LiveClaims::default();
        let first = approve((&store, &scenario, &claims), &Everyone, &approval, &reviewer(1), &two_approvals(), None).await.unwrap();
        assert_eq!(first, Approved::Counted(tally(vec![reviewer(1)])));
        let again = approve((&store, &scenario, &claims), &Everyone, &approval, &reviewer(1), &two_approvals(), None).await.unwrap();
        assert_eq!(again, Approved::Again(tally(vec![reviewer(1)])), "the same reviewer counts once");
        assert!(scenario.sent().is_empty());
        assert_eq!(store.approval(approval.id).await.unwrap().unwrap().state, ApprovalState::Pending);
    }
}

on_both_engines! {
    async fn under_a_quorum_the_approval_that_reaches_it_sends_one_put() {
        let (store, approval, _dir) = one_gate().await;
        let scenario = Scripted::new(&[], &[Put::Taken]);
        let claims = LiveClaims::default();
        approve((&store, &scenario, &claims), &Everyone, &approval, &reviewer(1), &two_approvals(), None).await.unwrap();
        let second =
            approve((&store, &scenario, &claims), &Everyone, &approval, &reviewer(2), &two_approvals(), None).await.unwrap();
        let Approved::Decided(Outcome::Decided(decided)) = second else { panic!("{second:?}") };
        assert_eq!(decided.decided_by, Some(reviewer(2)));
        assert_eq!(scenario.sent(), [Decision::Approve]);
    }
}

/// A store holding one pending selection gate of four candidates.
async fn one_selection() -> (Store, Approval, TempDb) {
    use crate::approvals::selection::{Candidate, Choice};
    let (store, dir) = temp_store().await;
    let mut new = gate("job_1", "gate");
    let candidates = (0..4).map(|n| Candidate::Text { text: format!("idea {n}") }).collect();
    new.snapshot.selection = Some(Choice { candidates, min: 1, max: 2 });
    let approval = store.insert_approval(&new).await.unwrap().unwrap();
    (store, approval, dir)
}

on_both_engines! {
    async fn a_confirmed_selection_is_claimed_with_its_picks_and_sent_once() {
        let (store, approval, _dir) = one_selection().await;
        let scenario = Scripted::new(&[], &[Put::Taken]);
        let claims = LiveClaims::default();
        let outcome = select(&store, &scenario, &claims, &approval, &reviewer(1), &[3, 1]).await.unwrap();
        assert!(matches!(outcome, Outcome::Decided(_)), "{outcome:?}");
        assert_eq!(state_of(&outcome), ApprovalState::Approved);
        assert_eq!(outcome.approval().picks, Some(vec![3, 1]), "the picks stay with the decision, in order");
        assert_eq!(*scenario.picks_sent.lock().unwrap(), [Some(vec![3, 1])]);
        let audit = store.audit_of(approval.id).await.unwrap();
        let claimed = audit.iter().find(|e| e.action == "claimed").unwrap();
        assert_eq!((claimed.actor_id, claimed.detail.as_deref()), (Some(1), Some("select [3,1]")));
    }
}

on_both_engines! {
    async fn two_approvals_that_both_see_the_quorum_reached_send_one_put() {
        let (store, approval, _dir) = one_gate().await;
        // Both approvals are counted before either looks at the count: both see it reached.
        store.vote(approval.id, &reviewer(1), None, None).await.unwrap();
        store.vote(approval.id, &reviewer(2), None, None).await.unwrap();
        let scenario = Scripted::new(&[], &[Put::Taken, Put::Taken]);
        let claims = LiveClaims::default();
        let (policy, ana, ben) = (two_approvals(), reviewer(1), reviewer(2));
        let (a, b) = tokio::join!(
            approve((&store, &scenario, &claims), &Everyone, &approval, &ana, &policy, None),
            approve((&store, &scenario, &claims), &Everyone, &approval, &ben, &policy, None),
        );
        let outcomes = [a.unwrap(), b.unwrap()];
        assert_eq!(scenario.sent(), [Decision::Approve], "one PUT: {outcomes:?}");
        let decided = outcomes.iter().filter(|o| matches!(o, Approved::Decided(Outcome::Decided(_)))).count();
        // The other lost the claim, or (when the first finished before it looked) found the gate
        // closed: either way it sent nothing.
        let lost = outcomes
            .iter()
            .filter(|o| matches!(o, Approved::Decided(Outcome::Taken(_)) | Approved::Closed(_)))
            .count();
        assert_eq!((decided, lost), (1, 1), "{outcomes:?}");
    }
}

on_both_engines! {
    async fn an_approval_after_the_gate_closed_counts_nothing() {
        let (store, approval, _dir) = one_gate().await;
        store.settle(approval.id, ApprovalState::Pending, ApprovalState::RunEnded, "canceled").await.unwrap();
        let scenario = Scripted::new(&[], &[]);
        let claims = LiveClaims::default();
        let late = approve((&store, &scenario, &claims), &Everyone, &approval, &reviewer(1), &two_approvals(), None).await.unwrap();
        assert!(matches!(late, Approved::Closed(ref a) if a.state == ApprovalState::RunEnded), "{late:?}");
        assert!(store.voters(approval.id).await.unwrap().is_empty());
    }
}

on_both_engines! {
    async fn with_one_approval_required_a_click_decides_at_once() {
        let (store, approval, _dir) = one_gate().await;
        let scenario = Scripted::new(&[], &[Put::Taken]);
        let claims = LiveClaims::default();
        let outcome =
            approve((&store, &scenario, &claims), &Everyone, &approval, &reviewer(1), &Policy::default(), None).await.unwrap();
        assert!(matches!(outcome, Approved::Decided(Outcome::Decided(_))), "{outcome:?}");
        assert!(store.voters(approval.id).await.unwrap().is_empty(), "nothing to count");
    }
}

on_both_engines! {
    async fn a_selection_claim_without_picks_is_given_back_and_sends_nothing() {
        let (store, approval, _dir) = one_selection().await;
        let held = LiveClaims::default();
        let token = held.hold();
        // As a row claimed by hand (or by an older build) would be: "approve" with no picks.
        let Claim::Won(orphan) =
            store.claim(approval.id, &reviewer(1), Decision::Approve, None, token.token()).await.unwrap()
        else {
            panic!("the only claim wins");
        };
        let scenario = Scripted::new(&[Read::Waiting], &[]);
        let outcome = finish_orphan(&store, &scenario, &orphan).await;
        let Outcome::Failed { approval: now, why } = outcome else { panic!("given back: {outcome:?}") };
        assert_eq!(now.state, ApprovalState::Pending);
        assert!(why.contains("no picks"), "{why}");
        assert!(scenario.sent().is_empty(), "nothing is sent without picks");
    }
}

on_both_engines! {
    async fn two_reviewers_confirming_a_selection_together_send_one_put() {
        let (store, approval, _dir) = one_selection().await;
        let scenario = Scripted::new(&[], &[Put::Taken]);
        let claims = LiveClaims::default();
        let (ana, bo) = (reviewer(1), reviewer(2));
        let (first, second) = tokio::join!(
            select(&store, &scenario, &claims, &approval, &ana, &[0]),
            select(&store, &scenario, &claims, &approval, &bo, &[2, 3]),
        );
        let outcomes = [first.unwrap(), second.unwrap()];
        assert_eq!(outcomes.iter().filter(|o| matches!(o, Outcome::Decided(_))).count(), 1, "{outcomes:?}");
        assert_eq!(outcomes.iter().filter(|o| matches!(o, Outcome::Taken(_))).count(), 1, "{outcomes:?}");
        assert_eq!(scenario.sent().len(), 1);
    }
}

on_both_engines! {
    async fn under_a_quorum_two_reviewers_confirming_the_same_picks_send_them_once() {
        let (store, approval, _dir) = one_selection().await;
        let scenario = Scripted::new(&[], &[Put::Taken]);
        let claims = LiveClaims::default();
        let (parts, policy, ana, bo) = ((&store, &scenario, &claims), two_approvals(), reviewer(1), reviewer(2));
        let first = confirm(parts, &Everyone, &approval, &ana, &policy, &[2, 0]).await.unwrap();
        assert_eq!(first, Approved::Counted(tally(vec![ana.clone()])));
        assert_eq!(store.proposal(approval.id).await.unwrap(), Some(vec![2, 0]));
        let again = confirm(parts, &Everyone, &approval, &ana, &policy, &[2, 0]).await.unwrap();
        assert_eq!(again, Approved::Again(tally(vec![ana.clone()])), "the same reviewer confirms once");
        assert!(scenario.sent().is_empty(), "one confirmation sends nothing");
        let second = confirm(parts, &Everyone, &approval, &bo, &policy, &[2, 0]).await.unwrap();
        let Approved::Decided(Outcome::Decided(decided)) = second else { panic!("{second:?}") };
        assert_eq!((decided.decided_by, decided.picks), (Some(bo), Some(vec![2, 0])));
        assert_eq!(*scenario.picks_sent.lock().unwrap(), [Some(vec![2, 0])], "one PUT, the proposed picks");
    }
}

on_both_engines! {
    async fn under_a_quorum_other_picks_start_a_new_proposal_and_send_nothing() {
        let (store, approval, _dir) = one_selection().await;
        let scenario = Scripted::new(&[], &[Put::Taken]);
        let claims = LiveClaims::default();
        let (parts, policy, ana, bo) = ((&store, &scenario, &claims), two_approvals(), reviewer(1), reviewer(2));
        confirm(parts, &Everyone, &approval, &ana, &policy, &[0]).await.unwrap();
        let other = confirm(parts, &Everyone, &approval, &bo, &policy, &[1]).await.unwrap();
        assert_eq!(other, Approved::Counted(tally(vec![bo.clone()])), "Ana's confirmation was of other picks");
        assert_eq!(store.proposal(approval.id).await.unwrap(), Some(vec![1]));
        let replaced = Replaced { picks: vec![0], confirmed_by: vec![ana.id.get()] };
        assert_eq!(store.replaced_proposal(approval.id).await.unwrap(), Some(replaced), "kept for the card");
        assert!(scenario.sent().is_empty(), "no two reviewers confirmed the same picks");
        // The same picks in another order are other picks: the order is sent too.
        let reordered = confirm(parts, &Everyone, &approval, &ana, &policy, &[1, 3]).await.unwrap();
        assert_eq!(reordered, Approved::Counted(tally(vec![ana.clone()])));
        let agreed = confirm(parts, &Everyone, &approval, &bo, &policy, &[1, 3]).await.unwrap();
        assert!(matches!(agreed, Approved::Decided(Outcome::Decided(_))), "{agreed:?}");
        assert_eq!(*scenario.picks_sent.lock().unwrap(), [Some(vec![1, 3])]);
    }
}

on_both_engines! {
    async fn a_confirmation_whose_reviewer_may_no_longer_decide_does_not_count() {
        let (store, approval, _dir) = one_selection().await;
        let scenario = Scripted::new(&[], &[]);
        let claims = LiveClaims::default();
        let (parts, policy, ana, bo) = ((&store, &scenario, &claims), two_approvals(), reviewer(1), reviewer(2));
        confirm(parts, &Everyone, &approval, &ana, &policy, &[0]).await.unwrap();
        let second = confirm(parts, &Only(vec![bo.clone()]), &approval, &bo, &policy, &[0]).await.unwrap();
        assert_eq!(second, Approved::Counted(tally(vec![bo])), "Ana lost the role");
        assert!(scenario.sent().is_empty());
    }
}

on_both_engines! {
    async fn with_one_approval_required_a_confirmation_sends_its_picks_at_once() {
        let (store, approval, _dir) = one_selection().await;
        let scenario = Scripted::new(&[], &[Put::Taken]);
        let claims = LiveClaims::default();
        let parts = (&store, &scenario, &claims);
        let outcome = confirm(parts, &Everyone, &approval, &reviewer(1), &Policy::default(), &[3]).await.unwrap();
        assert!(matches!(outcome, Approved::Decided(Outcome::Decided(_))), "{outcome:?}");
        assert!(store.voters(approval.id).await.unwrap().is_empty(), "nothing to count");
        assert_eq!(*scenario.picks_sent.lock().unwrap(), [Some(vec![3])]);
    }
}

on_both_engines! {
    async fn a_confirmation_after_the_gate_closed_counts_nothing_and_keeps_the_proposal() {
        let (store, approval, _dir) = one_selection().await;
        let scenario = Scripted::new(&[], &[Put::Taken]);
        let claims = LiveClaims::default();
        let (parts, policy) = ((&store, &scenario, &claims), two_approvals());
        confirm(parts, &Everyone, &approval, &reviewer(1), &policy, &[0]).await.unwrap();
        decide(&store, &scenario, &claims, &approval, &reviewer(2), Decision::Reject, None).await.unwrap();
        let late = confirm(parts, &Everyone, &approval, &reviewer(3), &policy, &[1]).await.unwrap();
        assert!(matches!(late, Approved::Closed(_)), "{late:?}");
        assert_eq!(store.proposal(approval.id).await.unwrap(), Some(vec![0]), "a closed gate's votes stay");
    }
}
