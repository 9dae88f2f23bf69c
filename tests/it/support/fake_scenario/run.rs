//! `PUT /workflows/{id}/run`, as the SDK documents it: a flat body keyed by the workflow's input
//! names; `dryRun=true` answers HTTP 269 with the cost in creative units and starts nothing;
//! anything else starts a new run (a new job, in the listings, carrying its inputs). Only a
//! `ready` workflow runs; an unknown input name, a value of the wrong type or a required input
//! left out (`required.always`) is refused with 400, as Scenario refuses them. A scalar given for an array input is
//! dropped without a word (and the run still charged), as the API reference notes.

use std::collections::HashMap;

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::render;
use super::server::job_json;
use super::state::State;

/// The status of a dry run's answer.
pub const DRY_RUN_STATUS: u16 = 269;

/// Answers a run request: `(status, body)`, or `(status, message)` for a refusal.
pub fn run(
    state: &mut State,
    workflow_id: &str,
    params: &HashMap<String, String>,
    body: Option<Value>,
) -> Result<(StatusCode, Value), (u16, String)> {
    let Some(&index) = state.workflow_index.get(workflow_id) else {
        return Err((404, format!("Workflow {workflow_id} not found")));
    };
    let workflow = &state.workflows[index];
    if workflow.status != "ready" {
        return Err((400, "Workflow is not ready".into()));
    }
    let Some(Value::Object(body)) = body else {
        return Err((400, "The body must be a JSON object keyed by input names".into()));
    };
    let input = checked(&workflow.inputs, body)?;
    let dry_run = match params.get("dryRun").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err((400, "dryRun must be a boolean".into())),
    };
    if dry_run {
        let status = StatusCode::from_u16(DRY_RUN_STATUS).expect("269 is a valid status");
        return Ok((status, json!({ "creativeUnitsCost": workflow.cost })));
    }
    let workflow_json = render::workflow(workflow, true);
    // The bridge starts runs with its API key: no person is their author.
    let job_id = state.start_run_with(workflow_id, input, None).expect("the workflow exists");
    let job = job_json(state, &state.jobs[state.job_index[&job_id]]);
    Ok((StatusCode::OK, json!({ "job": job, "workflow": workflow_json })))
}

/// The inputs a run starts with, checked against the workflow's definitions.
fn checked(definitions: &[Value], body: Map<String, Value>) -> Result<Map<String, Value>, (u16, String)> {
    let mut input = Map::new();
    for (name, value) in body {
        let Some(definition) = definitions.iter().find(|d| d["name"] == name.as_str()) else {
            return Err((400, format!("Unknown input: {name}")));
        };
        let kind = definition["type"].as_str().unwrap_or("string");
        if kind.ends_with("_array") && !value.is_array() {
            continue;
        }
        let fits = match kind {
            "string" | "file" | "model" => value.is_string(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            _ => value.is_array(),
        };
        if !fits {
            return Err((400, format!("Input {name} must be of type {kind}")));
        }
        input.insert(name, value);
    }
    // `required` is a set of rules; the fake knows `always`.
    let required = definitions.iter().filter(|d| d["required"]["always"] == true);
    if let Some(missing) = required.filter_map(|d| d["name"].as_str()).find(|n| !input.contains_key(*n)) {
        return Err((400, format!("Input {missing} is required")));
    }
    Ok(input)
}
