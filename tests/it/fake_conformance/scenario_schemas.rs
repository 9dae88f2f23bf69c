//! The fake Scenario's answers have the real shapes: each endpoint is checked against the JSON
//! Schemas of the official SDK (copied in `tests/fixtures/scenario-schemas/`).

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::support::fake_scenario::{API_KEY, API_SECRET, FakeScenario, FlowTemplate};

pub(super) fn schema(file: &str) -> jsonschema::Validator {
    let path: PathBuf =
        [env!("CARGO_MANIFEST_DIR"), "tests/fixtures/scenario-schemas", file].iter().collect();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

pub(super) fn assert_valid(file: &str, instance: &Value) {
    let validator = schema(file);
    let errors: Vec<String> =
        validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{file}: {errors:#?}\n{instance:#}");
}

struct Raw {
    http: reqwest::Client,
    base: String,
}

impl Raw {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request =
            self.http.request(method, format!("{}{path}", self.base)).basic_auth(API_KEY, Some(API_SECRET));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap()
    }

    async fn get(&self, path: &str) -> Value {
        self.call(reqwest::Method::GET, path, None).await
    }
}

/// Runs in every state the fake can put them in: pending, parked, approved and finished,
/// rejected and cancelled, failed, inside ForEach iterations, and started with an API key (no
/// person: `authorId: null`).
async fn fake_with_runs_in_every_state() -> (FakeScenario, String, Vec<String>) {
    let fake = FakeScenario::start().await;
    let wf = fake.add_workflow("Two gates", FlowTemplate::two_producers_two_gates());
    let loop_wf = fake.add_workflow("Tiles", FlowTemplate::for_each_gate(2));
    let pending = fake.start_run(&wf);
    let parked = fake.start_parked_run(&wf);
    let finished = fake.start_parked_run(&wf);
    fake.approve(&finished, "review").unwrap();
    fake.approve(&finished, "second").unwrap();
    let rejected = fake.start_parked_run(&wf);
    fake.reject(&rejected, "review").unwrap();
    let failed = fake.start_parked_run(&wf);
    fake.fail_run(&failed, "out of credits");
    let looped = fake.start_parked_run(&loop_wf);
    fake.reject(&looped, "check_0").unwrap();
    let keyless = fake.start_parked_run_by(&wf, None);
    fake.settle();
    (fake, wf, vec![pending, parked, finished, rejected, failed, looped, keyless])
}

#[tokio::test]
async fn every_endpoint_of_the_fake_answers_in_the_documented_shape() {
    let (fake, wf, runs) = fake_with_runs_in_every_state().await;
    let raw = Raw { http: reqwest::Client::new(), base: fake.base_url().to_string() };

    let page = raw.get("/jobs?types=workflow&pageSize=100").await;
    let jobs = page["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), runs.len());
    jobs.iter().for_each(|job| assert_valid("job_list_response.json", job));
    let authors: Vec<&Value> = jobs.iter().map(|job| &job["authorId"]).collect();
    assert!(authors.contains(&&Value::Null) && authors.iter().any(|a| a.is_string()), "{authors:?}");
    for run in &runs {
        assert_valid("job_retrieve_response.json", &raw.get(&format!("/jobs/{run}")).await);
    }

    let fresh = fake.start_parked_run(&wf);
    let body = json!({ "nodeId": "review", "workflowJobId": fresh, "action": "approve" });
    let decided = raw.call(reqwest::Method::PUT, &format!("/workflows/{wf}/user-approval"), Some(body)).await;
    assert_valid("workflow_user_approval_response.json", &decided);

    assert_valid("workflow_retrieve_response.json", &raw.get(&format!("/workflows/{wf}")).await);
    for query in ["", "?full=false"] {
        let list = raw.get(&format!("/workflows{query}")).await;
        list["workflows"]
            .as_array()
            .unwrap()
            .iter()
            .for_each(|w| assert_valid("workflow_list_response.json", w));
    }

    let asset_ids = fake.node_assets(&runs[1], "color");
    assert_eq!(asset_ids.len(), 2);
    assert_valid("asset_retrieve_response.json", &raw.get(&format!("/assets/{}", asset_ids[0])).await);
    let bulk =
        raw.call(reqwest::Method::POST, "/assets/get-bulk", Some(json!({ "assetIds": asset_ids }))).await;
    assert_eq!(bulk["assets"].as_array().unwrap().len(), 2);
    assert_valid("asset_get_bulk_response.json", &bulk);
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_fails_the_schema_check() {
    let (fake, _, runs) = fake_with_runs_in_every_state().await;
    let good = json!({ "job": fake.job_json(&runs[1]) });
    assert!(schema("job_retrieve_response.json").is_valid(&good));

    let mut no_id = good.clone();
    no_id["job"].as_object_mut().unwrap().remove("jobId");
    let mut odd_status = good.clone();
    odd_status["job"]["metadata"]["flow"][0]["status"] = json!("dreaming");
    let mut flow_not_a_list = good.clone();
    flow_not_a_list["job"]["metadata"]["flow"] = json!("nope");

    for bad in [no_id, odd_status, flow_not_a_list, json!({ "jobs": [] })] {
        assert!(!schema("job_retrieve_response.json").is_valid(&bad), "{bad:#}");
    }
    assert!(!schema("asset_retrieve_response.json").is_valid(&json!({ "asset": { "id": "asset_1" } })));
}

#[tokio::test]
async fn the_selection_endpoint_answers_in_the_documented_shape_and_refuses_what_the_sdk_forbids() {
    let fake = FakeScenario::start().await;
    let images = fake.add_workflow("Variants", FlowTemplate::image_selection(4, 1, 2));
    let texts = fake.add_workflow("Ideas", FlowTemplate::text_selection(&["a fox", "a badger"]));
    let tiles = fake.add_workflow("Tiles", FlowTemplate::for_each_selection(2, 3));
    let (parked, ideas, looped) =
        (fake.start_parked_run(&images), fake.start_parked_run(&texts), fake.start_parked_run(&tiles));
    assert_eq!(fake.items(&parked, "pick"), fake.node_assets(&parked, "gen"), "frozen from its input");
    assert_eq!(fake.items(&ideas, "pick"), ["a fox", "a badger"]);
    assert_eq!(fake.items(&looped, "pick_1").len(), 3);
    let raw = Raw { http: reqwest::Client::new(), base: fake.base_url().to_string() };
    for run in [&parked, &ideas, &looped] {
        assert_valid("job_retrieve_response.json", &raw.get(&format!("/jobs/{run}")).await);
    }

    let put = |body: Value| {
        let request = raw.http.put(format!("{}/workflows/{images}/user-selection", raw.base));
        request.basic_auth(API_KEY, Some(API_SECRET)).json(&body).send()
    };
    let select = |indices: Value| json!({ "action": "select", "nodeId": "pick", "workflowJobId": parked, "selectedIndices": indices });
    for refused in [
        select(json!([4])),
        select(json!([1, 1])),
        select(json!([0, 1, 2])),
        select(json!([])),
        select(json!([-1])),
        json!({ "action": "select", "nodeId": "pick", "workflowJobId": parked }),
        json!({ "action": "approve", "nodeId": "pick", "workflowJobId": parked }),
        json!({ "action": "select", "nodeId": "gen", "workflowJobId": parked, "selectedIndices": [0] }),
    ] {
        let status = put(refused.clone()).await.unwrap().status().as_u16();
        assert_eq!(status, 400, "{refused}");
    }
    assert_eq!(fake.node_status(&parked, "pick").as_deref(), Some("pending"), "nothing refused moved it");

    let answer = put(select(json!([3, 1]))).await.unwrap();
    assert!(answer.status().is_success(), "{}", answer.status());
    assert_valid("workflow_user_selection_response.json", &answer.json().await.unwrap());
    assert_eq!(fake.selected(&parked, "pick"), Some(vec![3, 1]));
    assert_eq!(fake.node_status(&parked, "pick").as_deref(), Some("success"));
    assert_eq!(put(select(json!([0]))).await.unwrap().status().as_u16(), 400, "a node no longer waiting");

    let approval_endpoint = raw.http.put(format!("{}/workflows/{texts}/user-approval", raw.base));
    let body = json!({ "nodeId": "pick", "workflowJobId": ideas, "action": "approve" });
    let refused = approval_endpoint.basic_auth(API_KEY, Some(API_SECRET)).json(&body).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 400, "a selection gate is not decided as an approval");
    let reject = json!({ "action": "reject", "nodeId": "pick_0", "workflowJobId": looped });
    let rejected =
        raw.call(reqwest::Method::PUT, &format!("/workflows/{tiles}/user-selection"), Some(reject)).await;
    assert_valid("workflow_user_selection_response.json", &rejected);
    assert_eq!(fake.node_status(&looped, "pick_0").as_deref(), Some("rejected"));
    assert_eq!(fake.job_status(&looped), "in-progress", "only that iteration stops");
}
