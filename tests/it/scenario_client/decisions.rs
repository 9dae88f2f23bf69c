use approval_bridge::approvals::detect::{GateState, gate_state, gates_awaiting};
use approval_bridge::approvals::ids::{JobId, NodeId, WorkflowId};
use approval_bridge::approvals::state::Decision;
use approval_bridge::scenario::{JobStatus, NodeStatus, ScenarioError};
use serde_json::json;

use crate::support::fake_scenario::{Endpoint, FakeScenario, Fault, FlowTemplate};

fn ids(wf: &str, run: &str, node: &str) -> (WorkflowId, JobId, NodeId) {
    (wf.into(), run.into(), node.into())
}

#[tokio::test]
async fn approving_a_parked_gate_lets_the_run_finish() {
    let fake = FakeScenario::start().await;
    let wf = fake.add_workflow("Posters", FlowTemplate::single_gate());
    let run = fake.start_parked_run(&wf);
    let client = fake.client();
    let (wf_id, job_id, node_id) = ids(&wf, &run, "review");

    let gates = gates_awaiting(&client.get_job(&job_id).await.unwrap());
    assert_eq!(gates.len(), 1);
    assert_eq!(gates[0].assets.len(), 1);
    let job = client.decide(&wf_id, &job_id, &node_id, Decision::Approve).await.unwrap();

    assert_eq!(gate_state(&job, &node_id), GateState::Approved);
    let body = fake.requests_to(Endpoint::UserApproval)[0].body.clone().unwrap();
    assert_eq!(body, json!({ "nodeId": "review", "workflowJobId": run, "action": "approve" }));
    fake.settle();
    assert_eq!(fake.job_status(&run), "success");
    assert_eq!(fake.node_status(&run, "upscale").as_deref(), Some("success"));
}

#[tokio::test]
async fn rejecting_a_gate_cancels_the_run() {
    let fake = FakeScenario::start().await;
    let wf = fake.add_workflow("Posters", FlowTemplate::single_gate());
    let run = fake.start_parked_run(&wf);
    let (wf_id, job_id, node_id) = ids(&wf, &run, "review");

    let job = fake.client().decide(&wf_id, &job_id, &node_id, Decision::Reject).await.unwrap();

    assert_eq!(job.status, JobStatus::Canceled);
    assert_eq!(gate_state(&job, &node_id), GateState::Rejected);
    fake.settle();
    assert_eq!(fake.node_status(&run, "upscale").as_deref(), Some("pending"));
}

#[tokio::test]
async fn rejecting_inside_a_foreach_ends_only_that_iteration() {
    let fake = FakeScenario::start().await;
    let wf = fake.add_workflow("Tiles", FlowTemplate::for_each_gate(2));
    let run = fake.start_run(&wf);
    fake.settle();
    let client = fake.client();
    let job_id = JobId::from(run.as_str());

    let gates = gates_awaiting(&client.get_job(&job_id).await.unwrap());
    let found: Vec<_> = gates.iter().map(|g| (g.node_id.as_str(), g.iteration)).collect();
    assert_eq!(found, [("check_0", Some(0)), ("check_1", Some(1))]);
    assert_eq!(gates[1].loop_node_id.as_ref().map(NodeId::as_str), Some("loop"));
    assert_eq!(gates[1].assets[0].node_id.as_str(), "draw_1");

    let wf_id = WorkflowId::from(wf.as_str());
    let job = client.decide(&wf_id, &job_id, &"check_0".into(), Decision::Reject).await.unwrap();
    assert_eq!(job.status, JobStatus::InProgress, "the run goes on");
    client.decide(&wf_id, &job_id, &"check_1".into(), Decision::Approve).await.unwrap();
    fake.settle();

    assert_eq!(fake.job_status(&run), "success");
    assert_eq!(fake.node_status(&run, "check_0").as_deref(), Some("rejected"));
    assert_eq!(fake.node_status(&run, "collect").as_deref(), Some("success"));
}

#[tokio::test]
async fn deciding_a_gate_that_is_not_waiting_is_refused_with_the_apis_message() {
    let fake = FakeScenario::start().await;
    let wf = fake.add_workflow("Posters", FlowTemplate::single_gate());
    let run = fake.start_parked_run(&wf);
    let client = fake.client();
    let (wf_id, job_id, node_id) = ids(&wf, &run, "review");
    client.decide(&wf_id, &job_id, &node_id, Decision::Approve).await.unwrap();

    let error = client.decide(&wf_id, &job_id, &node_id, Decision::Approve).await.unwrap_err();

    let ScenarioError::Rejected { status, message, after_unanswered, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*status, 400);
    assert!(message.contains("not waiting for approval"), "{message}");
    assert!(!after_unanswered, "the only attempt was answered");
    assert!(!error.is_transient());
    assert_eq!(fake.count(Endpoint::UserApproval), 2, "a 400 is not retried");
}

#[tokio::test]
async fn a_decision_is_not_sent_again_after_an_attempt_whose_answer_was_lost() {
    let fake = FakeScenario::start().await;
    let wf = fake.add_workflow("Posters", FlowTemplate::single_gate());
    let run = fake.start_parked_run(&wf);
    let client = fake.client();
    let (wf_id, job_id, node_id) = ids(&wf, &run, "review");
    fake.inject(Endpoint::UserApproval, Fault::status(502), 1);
    fake.inject(Endpoint::UserApproval, Fault::ApplyThenClose, 1);

    // A 502 or a dropped connection may hide a decision carried out: the caller reads the run.
    let error = client.decide(&wf_id, &job_id, &node_id, Decision::Approve).await.unwrap_err();
    assert!(matches!(error, ScenarioError::Server { status: 502, attempts: 1, .. }), "{error:?}");
    let error = client.decide(&wf_id, &job_id, &node_id, Decision::Approve).await.unwrap_err();
    assert!(matches!(error, ScenarioError::Transport { attempts: 1, .. }), "{error:?}");

    assert_eq!(fake.count(Endpoint::UserApproval), 2, "one attempt each");
    assert_eq!(fake.node_status(&run, "review").as_deref(), Some("success"), "the second one landed");
}

#[tokio::test]
async fn a_gate_of_an_unknown_node_or_another_workflow_is_not_found() {
    let fake = FakeScenario::start().await;
    let wf = fake.add_workflow("Posters", FlowTemplate::single_gate());
    let other = fake.add_workflow("Other", FlowTemplate::single_gate());
    let run = fake.start_parked_run(&wf);
    let client = fake.client();
    let (wf_id, job_id, _) = ids(&wf, &run, "review");

    let no_node = client.decide(&wf_id, &job_id, &"ghost".into(), Decision::Approve).await;
    let wrong_wf = client.decide(&other.as_str().into(), &job_id, &"review".into(), Decision::Approve).await;

    for result in [no_node, wrong_wf] {
        assert!(matches!(result, Err(ScenarioError::NotFound { .. })), "{result:?}");
    }
}

#[tokio::test]
async fn a_gate_showing_processing_is_found_and_decided() {
    let fake = FakeScenario::start().await;
    fake.gates_wait_as_processing();
    let wf = fake.add_workflow("Posters", FlowTemplate::single_gate());
    let run = fake.start_parked_run(&wf);
    let client = fake.client();
    let (wf_id, job_id, node_id) = ids(&wf, &run, "review");

    let gates = gates_awaiting(&client.get_job(&job_id).await.unwrap());
    assert_eq!(gates[0].node_status, NodeStatus::Processing);
    client.decide(&wf_id, &job_id, &node_id, Decision::Approve).await.unwrap();
}

#[tokio::test]
async fn decisions_made_in_the_web_app_and_ended_runs_show_in_gate_state() {
    let fake = FakeScenario::start().await;
    let wf = fake.add_workflow("Two gates", FlowTemplate::two_producers_two_gates());
    let approved = fake.start_parked_run(&wf);
    let failed = fake.start_parked_run(&wf);
    let cancelled = fake.start_parked_run(&wf);
    fake.approve(&approved, "review").unwrap();
    fake.fail_run(&failed, "the GPU caught fire");
    fake.cancel_run(&cancelled);
    assert!(fake.approve(&approved, "review").is_err());
    let client = fake.client();
    let state = |job: &str, node: &str| {
        let client = client.clone();
        let (job, node) = (JobId::from(job), NodeId::from(node));
        async move { gate_state(&client.get_job(&job).await.unwrap(), &node) }
    };

    assert_eq!(state(&approved, "review").await, GateState::Approved);
    assert_eq!(state(&approved, "second").await, GateState::AwaitingDecision);
    assert_eq!(state(&failed, "review").await, GateState::RunEnded(JobStatus::Failure));
    assert_eq!(state(&cancelled, "second").await, GateState::RunEnded(JobStatus::Canceled));
    let job = client.get_job(&failed.as_str().into()).await.unwrap();
    assert_eq!(job.metadata.error.as_deref(), Some("the GPU caught fire"));
}
