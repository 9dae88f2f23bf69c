//! The fake Scenario's `PUT /workflows/{id}/run`: what the SDK documents, refused where Scenario
//! refuses, and its faults for a run whose answer is lost.

use serde_json::{Value, json};

use super::scenario_schemas::assert_valid;
use crate::support::fake_scenario::{API_KEY, API_SECRET, Endpoint, FakeScenario, Fault, FlowTemplate};

struct Runner {
    http: reqwest::Client,
    base: String,
}

impl Runner {
    async fn put(&self, workflow_id: &str, query: &str, body: Value) -> reqwest::Result<reqwest::Response> {
        let url = format!("{}/workflows/{workflow_id}/run{query}", self.base);
        self.http.put(url).basic_auth(API_KEY, Some(API_SECRET)).json(&body).send().await
    }
}

async fn fake_with_inputs() -> (FakeScenario, String, Runner) {
    let fake = FakeScenario::start().await;
    let wf = fake.add_workflow("Lighthouse", FlowTemplate::single_gate());
    fake.set_workflow_inputs(
        &wf,
        json!([
            { "name": "prompt", "type": "string", "label": "Prompt", "required": { "always": true } },
            { "name": "steps", "type": "number", "label": "Steps" },
            { "name": "refs", "type": "file_array", "label": "References" },
        ]),
    );
    fake.set_run_cost(&wf, 42);
    let runner = Runner { http: reqwest::Client::new(), base: fake.base_url().to_string() };
    (fake, wf, runner)
}

#[tokio::test]
async fn a_run_starts_one_new_job_that_carries_its_inputs_and_answers_in_the_documented_shape() {
    let (fake, wf, runner) = fake_with_inputs().await;
    let answer = runner.put(&wf, "", json!({ "prompt": "a lighthouse at dawn", "steps": 30 })).await.unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let body: Value = answer.json().await.unwrap();
    assert_valid("workflow_run_response.json", &body);
    let job_id = body["job"]["jobId"].as_str().unwrap().to_owned();
    assert_eq!(body["job"]["metadata"]["input"], json!({ "prompt": "a lighthouse at dawn", "steps": 30 }));
    assert_eq!(
        fake.runs_of(&wf),
        [(job_id.clone(), json!({ "prompt": "a lighthouse at dawn", "steps": 30 }))]
    );

    let listing: Value = runner
        .http
        .get(format!("{}/jobs?workflowId={wf}", runner.base))
        .basic_auth(API_KEY, Some(API_SECRET))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listing["jobs"][0]["jobId"], job_id.as_str(), "the new run is listed");
    assert_eq!(listing["jobs"][0]["metadata"]["input"]["prompt"], "a lighthouse at dawn");
    fake.settle_run(&job_id);
    let flow = &fake.job_json(&job_id)["metadata"]["flow"];
    assert_eq!(flow[0]["inputs"][0]["value"], "a lighthouse at dawn", "its node shows the prompt given");
}

#[tokio::test]
async fn a_dry_run_answers_269_with_its_cost_and_starts_nothing() {
    let (fake, wf, runner) = fake_with_inputs().await;
    let answer = runner.put(&wf, "?dryRun=true", json!({ "prompt": "a lighthouse" })).await.unwrap();
    assert_eq!(answer.status().as_u16(), 269);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["creativeUnitsCost"], 42);
    assert!(fake.runs_of(&wf).is_empty(), "no job");
}

#[tokio::test]
async fn unknown_inputs_wrong_types_missing_required_inputs_and_a_draft_are_refused() {
    let (fake, wf, runner) = fake_with_inputs().await;
    for (body, why) in [
        (json!({ "prompt": "x", "colour": "red" }), "Unknown input: colour"),
        (json!({ "prompt": 7 }), "Input prompt must be of type string"),
        (json!({ "prompt": "x", "steps": "many" }), "Input steps must be of type number"),
        (json!({ "steps": 3 }), "Input prompt is required"),
        (json!(["prompt"]), "The body must be a JSON object keyed by input names"),
    ] {
        for query in ["", "?dryRun=true"] {
            let answer = runner.put(&wf, query, body.clone()).await.unwrap();
            assert_eq!(answer.status().as_u16(), 400, "{body} {query}");
            let text: Value = answer.json().await.unwrap();
            assert_eq!(text["message"], why);
        }
    }
    let scalar_for_an_array = runner.put(&wf, "", json!({ "prompt": "x", "refs": "asset_1" })).await.unwrap();
    assert_eq!(scalar_for_an_array.status().as_u16(), 200, "dropped without a word, as documented");
    assert_eq!(fake.runs_of(&wf)[0].1, json!({ "prompt": "x" }));

    fake.set_workflow_status(&wf, "draft");
    let draft = runner.put(&wf, "", json!({ "prompt": "x" })).await.unwrap();
    assert_eq!(draft.status().as_u16(), 400);
    assert_eq!(draft.json::<Value>().await.unwrap()["message"], "Workflow is not ready");
    let unknown = runner.put("wflow_nope", "", json!({ "prompt": "x" })).await.unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    assert_eq!(fake.runs_of(&wf).len(), 1, "nothing refused started a run");
}

#[tokio::test]
async fn a_run_whose_answer_is_lost_was_started_all_the_same() {
    let (fake, wf, runner) = fake_with_inputs().await;
    fake.inject(Endpoint::RunWorkflow, Fault::ApplyThenClose, 1);
    let lost = async { runner.put(&wf, "", json!({ "prompt": "x" })).await?.bytes().await }.await;
    assert!(lost.is_err(), "no complete answer");
    assert_eq!(fake.runs_of(&wf).len(), 1, "applied, answer dropped");
    fake.inject(Endpoint::RunWorkflow, Fault::CloseConnection, 1);
    let _ = runner.put(&wf, "", json!({ "prompt": "y" })).await;
    assert_eq!(fake.runs_of(&wf).len(), 1, "dropped before it was applied");
    fake.inject(Endpoint::RunWorkflow, Fault::status(429), 1);
    assert_eq!(runner.put(&wf, "", json!({ "prompt": "z" })).await.unwrap().status().as_u16(), 429);
    assert_eq!(fake.runs_of(&wf).len(), 1, "a 429 starts nothing");
    let logged = fake.requests_to(Endpoint::RunWorkflow);
    assert_eq!(logged.len(), 3);
    assert_eq!(logged[0].body, Some(json!({ "prompt": "x" })));
}
