use std::time::{Duration, Instant};

use approval_bridge::approvals::detect::gates_awaiting;
use approval_bridge::approvals::ids::{AssetId, JobId, WorkflowId};
use approval_bridge::scenario::{AssetKind, JobQuery};

use crate::support::{
    fake_scenario::{Endpoint, FakeScenario, FlowTemplate},
    wait::wait_until,
};

#[tokio::test]
async fn bulk_assets_are_fetched_in_chunks_of_a_hundred() {
    let fake = FakeScenario::start().await;
    let ids: Vec<AssetId> = fake.add_assets(150).into_iter().map(AssetId::from).collect();

    let assets = fake.client().assets(&ids).await.unwrap();

    assert_eq!(assets.len(), 150);
    assert_eq!(assets[0].kind, Some(AssetKind::Image));
    let sizes: Vec<usize> = fake
        .requests_to(Endpoint::GetBulkAssets)
        .iter()
        .map(|r| r.body.as_ref().unwrap()["assetIds"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [100, 50]);
}

#[tokio::test]
async fn asset_urls_are_fresh_and_served_by_the_fake_cdn() {
    let fake = FakeScenario::start().await;
    let wf = fake.add_workflow("Posters", FlowTemplate::single_gate());
    let run = fake.start_parked_run(&wf);
    let client = fake.client();
    let gate = gates_awaiting(&client.get_job(&JobId::from(run)).await.unwrap()).remove(0);

    let asset = client.asset(&gate.assets[0].asset_id).await.unwrap();

    assert_ne!(asset.url, gate.assets[0].url, "a new signature each time");
    assert_eq!(asset.metadata.prompt.as_deref(), Some("a lighthouse at dusk"));
    let image = reqwest::get(&asset.url).await.unwrap();
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/png");
    let unsigned = asset.url.split('?').next().unwrap().to_owned();
    assert_eq!(reqwest::get(unsigned).await.unwrap().status(), 403);
}

#[tokio::test]
async fn a_workflow_name_is_cached() {
    let fake = FakeScenario::start().await;
    let wf = fake.add_workflow("Posters", FlowTemplate::single_gate());
    let client = fake.client();
    let id = WorkflowId::from(wf.as_str());

    assert_eq!(client.workflow_name(&id).await.unwrap(), "Posters");
    fake.rename_workflow(&wf, "Posters v2");
    assert_eq!(client.clone().workflow_name(&id).await.unwrap(), "Posters");

    assert_eq!(fake.count(Endpoint::GetWorkflow), 1);
    assert_eq!(client.workflow(&id).await.unwrap().name, "Posters v2");
}

#[tokio::test]
async fn listing_workflows_pages_without_heavy_fields() {
    let fake = FakeScenario::start().await;
    for i in 0..130 {
        fake.add_workflow(&format!("Workflow {i:03}"), FlowTemplate::single_gate());
    }

    let workflows = fake.client().list_workflows().await.unwrap();

    assert_eq!(workflows.len(), 130);
    assert_eq!(workflows[129].name, "Workflow 129");
    let requests = fake.requests_to(Endpoint::ListWorkflows);
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.param("full") == Some("false")));
}

#[tokio::test]
async fn the_auto_advance_ticker_parks_runs_at_their_gate() {
    let fake = FakeScenario::start().await;
    let wf = fake.add_workflow("Posters", FlowTemplate::single_gate());
    let run = fake.start_run(&wf);
    fake.start_auto_advance(Duration::from_millis(10));
    let client = fake.client();
    wait_until("the run to park at its gate", Duration::from_secs(5), async || {
        let job = client.get_job(&JobId::from(run.as_str())).await.unwrap();
        !gates_awaiting(&job).is_empty()
    })
    .await;
    fake.stop_auto_advance();
}

#[tokio::test]
async fn thousands_of_runs_list_with_their_parked_gates() {
    let fake = FakeScenario::start().await;
    let wf = fake.add_workflow("Posters", FlowTemplate::single_gate());
    fake.seed_runs(&wf, 2_000, 100);

    let started = Instant::now();
    let listing = fake.client().list_jobs(&JobQuery::in_progress_workflow_runs()).await.unwrap();
    let elapsed = started.elapsed();

    assert_eq!(listing.jobs.len(), 2_000);
    assert_eq!(listing.pages, 20);
    let gates: usize = listing.jobs.iter().map(|j| gates_awaiting(j).len()).sum();
    assert_eq!(gates, 20);
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
}
