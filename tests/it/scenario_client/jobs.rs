use approval_bridge::approvals::detect::gates_awaiting;
use approval_bridge::approvals::ids::{JobId, WorkflowId};
use approval_bridge::scenario::{JobQuery, JobStatus, NodeStatus, NodeType, ScenarioClient, ScenarioError};
use serde_json::json;

use crate::support::fake_scenario::{Endpoint, FakeScenario, FlowTemplate, NodeSpec};

#[tokio::test]
async fn every_request_carries_basic_auth_the_user_agent_and_the_project_id() {
    let fake = FakeScenario::start().await;
    fake.require_project_id(Some("proj_team"));
    let mut settings = fake.settings();
    settings.project_id = Some("proj_team".into());
    let client = ScenarioClient::new(settings).unwrap();

    client.list_jobs(&JobQuery::in_progress_workflow_runs()).await.unwrap();

    let request = &fake.requests()[0];
    assert!(request.auth_ok);
    assert_eq!(request.param("projectId"), Some("proj_team"));
    let agent = request.user_agent.clone().unwrap();
    assert_eq!(agent, format!("approval-bridge/{}", env!("CARGO_PKG_VERSION")));
}

#[tokio::test]
async fn without_a_project_id_none_is_sent() {
    let fake = FakeScenario::start().await;
    fake.client().check_connection().await.unwrap();
    let request = &fake.requests()[0];
    assert_eq!(request.param("projectId"), None);
    assert_eq!(request.param("pageSize"), Some("1"));
}

#[tokio::test]
async fn listing_follows_tokens_to_the_end_through_empty_pages() {
    let fake = FakeScenario::start().await;
    let wf = fake.add_workflow("Posters", FlowTemplate::single_gate());
    fake.seed_runs(&wf, 250, 0);
    fake.set_empty_pages(true);

    let listing = fake.client().list_jobs(&JobQuery::in_progress_workflow_runs()).await.unwrap();

    assert_eq!(listing.jobs.len(), 250);
    assert!(listing.unreadable.is_empty());
    let requests = fake.requests_to(Endpoint::ListJobs);
    assert_eq!(listing.pages as usize, requests.len());
    assert_eq!(requests.len(), 6, "three empty pages and three full ones");
    for request in &requests {
        assert_eq!(request.param("pageSize"), Some("100"));
        assert_eq!(request.param("types"), Some("workflow"));
        assert_eq!(request.param("status"), Some("in-progress"));
    }
}

#[tokio::test]
async fn the_page_size_is_clamped_to_what_the_api_accepts() {
    let fake = FakeScenario::start().await;
    let client = fake.client();
    client.list_jobs(&JobQuery::workflow_runs().with_page_size(500)).await.unwrap();
    client.list_jobs(&JobQuery::workflow_runs().with_page_size(0)).await.unwrap();
    let sizes: Vec<_> = fake.requests().iter().map(|r| r.param("pageSize").map(str::to_owned)).collect();
    assert_eq!(sizes, [Some("100".to_owned()), Some("1".to_owned())]);
}

#[tokio::test]
async fn a_malformed_job_is_skipped_while_the_others_are_read() {
    let fake = FakeScenario::start().await;
    let wf = fake.add_workflow("Posters", FlowTemplate::single_gate());
    fake.start_parked_run(&wf);
    fake.insert_raw_job(json!({
        "jobId": "job_broken", "jobType": "workflow", "status": "in-progress",
        "metadata": { "workflowId": wf, "flow": "this is not a list" }
    }));
    fake.start_parked_run(&wf);

    let query = JobQuery::in_progress_workflow_runs().with_workflow(WorkflowId::from(wf.as_str()));
    let listing = fake.client().list_jobs(&query).await.unwrap();

    assert_eq!(listing.jobs.len(), 2);
    assert_eq!(listing.unreadable.len(), 1);
    assert_eq!(listing.unreadable[0].id.as_deref(), Some("job_broken"));
    assert_eq!(fake.requests()[0].param("workflowId"), Some(wf.as_str()));
}

#[tokio::test]
async fn a_run_with_unknown_node_types_and_statuses_is_read_and_its_gate_found() {
    let fake = FakeScenario::start().await;
    let flow = FlowTemplate::new()
        .node(NodeSpec::of_type("holo", "hologram").with_status("dreaming"))
        .node(NodeSpec::producer("gen").with_prompt("a comet"))
        .node(NodeSpec::gate("review").after(&["gen"]))
        .node(NodeSpec::gate("never").after(&["holo"]));
    let wf = fake.add_workflow("Odd", flow);
    let run = fake.start_parked_run(&wf);

    let job = fake.client().get_job(&JobId::from(run.as_str())).await.unwrap();

    assert_eq!(job.status, JobStatus::InProgress);
    assert_eq!(job.metadata.flow[0].node_type, NodeType::Unknown("hologram".into()));
    assert_eq!(job.metadata.flow[0].status, Some(NodeStatus::Unknown("dreaming".into())));
    let gates = gates_awaiting(&job);
    assert_eq!(gates.len(), 1);
    assert_eq!(gates[0].node_id.as_str(), "review");
    assert_eq!(gates[0].prompts[0].value, "a comet");
}

#[tokio::test]
async fn the_fake_takes_updated_after_only_with_a_filter_and_sorts_by_update_date() {
    let fake = FakeScenario::start().await;
    let wf = fake.add_workflow("Posters", FlowTemplate::single_gate());
    let first = fake.start_parked_run(&wf);
    let second = fake.start_parked_run(&wf);
    let before = time::OffsetDateTime::parse(
        fake.job_json(&first)["updatedAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
        - time::Duration::milliseconds(1);
    fake.approve(&first, "review").unwrap();
    let client = fake.client();

    let unfiltered = JobQuery { types: Vec::new(), ..JobQuery::workflow_runs_updated_after(before) };
    let refused = client.list_jobs(&unfiltered).await.unwrap_err();
    assert!(
        matches!(&refused, ScenarioError::Rejected { status: 400, message, .. } if message.contains("updatedAfter")),
        "{refused:?}"
    );

    let listing = client.list_jobs(&JobQuery::workflow_runs_updated_after(before)).await.unwrap();
    let ids: Vec<&str> = listing.jobs.iter().map(|j| j.job_id.as_str()).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&first.as_str()) && ids.contains(&second.as_str()), "{ids:?}");
    let stamps: Vec<_> = listing.jobs.iter().map(|j| j.updated_at.unwrap()).collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");
    assert!(stamps.iter().all(|s| s.nanosecond() % 1_000_000 == 0), "millisecond precision: {stamps:?}");

    let newest = *stamps.last().unwrap();
    let none = client.list_jobs(&JobQuery::workflow_runs_updated_after(newest)).await.unwrap();
    assert!(none.jobs.is_empty(), "strictly after: {:?}", none.jobs.len());
}
