//! The fake's records as the real API writes them (checked against the SDK's JSON Schemas by the
//! `fake_conformance::scenario_schemas` tests).

use serde_json::{Map, Value, json};

use super::state::{AUTHOR, AssetRec, JobEntry, Run, RunNode, WorkflowRec};

const OWNER: &str = "proj_fakeOwner0000000000";

/// A job entry as `GET /jobs/{id}` shows it.
pub fn job(entry: &JobEntry, assets: &dyn Fn(&str) -> Option<String>) -> Value {
    match entry {
        JobEntry::Raw(raw) => raw.clone(),
        JobEntry::Run(run) => run_json(run, assets),
    }
}

fn run_json(run: &Run, url_of: &dyn Fn(&str) -> Option<String>) -> Value {
    let total = run.nodes.len().max(1) as f64;
    let finished = run.nodes.iter().filter(|n| n.status == "success").count() as f64;
    let progress = if run.status == "success" { 1.0 } else { finished / total };
    let asset_ids: Vec<&String> = run.nodes.iter().flat_map(|n| n.assets.iter()).collect();
    let history: Vec<Value> =
        run.history.iter().map(|(date, status)| json!({ "date": date, "status": status })).collect();
    json!({
        "jobId": run.id,
        "jobType": "workflow",
        "status": run.status,
        "progress": progress,
        "statusHistory": history,
        "createdAt": run.created_at,
        "updatedAt": run.updated_at,
        "authorId": run.author,
        "ownerId": OWNER,
        "billing": { "cuCost": 0, "cuDiscount": 0 },
        "metadata": {
            "workflowId": run.workflow_id,
            "flow": run.nodes.iter().map(|n| node_json(n, url_of)).collect::<Vec<_>>(),
            "assetIds": asset_ids,
            "input": run.input,
            "error": run.error,
            "hint": run.error.as_ref().map(|_| "Try running the workflow again."),
        }
    })
}

fn node_json(node: &RunNode, url_of: &dyn Fn(&str) -> Option<String>) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(node.id));
    out.insert("type".into(), json!(node.node_type));
    out.insert("status".into(), json!(node.status));
    if !node.depends_on.is_empty() {
        out.insert("dependsOn".into(), json!(node.depends_on));
    }
    if !node.assets.is_empty() {
        let assets: Vec<Value> = node
            .assets
            .iter()
            .map(|id| json!({ "assetId": id, "url": url_of(id).unwrap_or_default() }))
            .collect();
        out.insert("assets".into(), Value::Array(assets));
    }
    if let Some(job_id) = &node.job_id {
        out.insert("jobId".into(), json!(job_id));
    }
    if let Some(model_id) = &node.model_id {
        out.insert("modelId".into(), json!(model_id));
    }
    if !node.inputs.is_empty() {
        out.insert("inputs".into(), json!(node.inputs));
    }
    if !node.items.is_empty() {
        out.insert("items".into(), json!(node.items));
    }
    if let Some(count) = node.count {
        out.insert("count".into(), json!(count));
    }
    if !node.loop_body.is_empty() {
        out.insert("loopBodyNodeIds".into(), json!(node.loop_body));
    }
    if let Some(loop_id) = &node.loop_node_id {
        out.insert("loopNodeId".into(), json!(loop_id));
        out.insert("iterationIndex".into(), json!(node.iteration_index));
    }
    Value::Object(out)
}

/// A workflow as `GET /workflows/{id}` shows it; `full = false` drops the heavy fields.
pub fn workflow(wf: &WorkflowRec, full: bool) -> Value {
    let mut out = json!({
        "id": wf.id,
        "authorId": AUTHOR,
        "ownerId": OWNER,
        "createdAt": wf.created_at,
        "updatedAt": wf.created_at,
        "name": wf.name,
        "description": format!("{} (fake)", wf.name),
        "shortDescription": wf.name,
        "hasFlow": true,
        "inputs": wf.inputs,
        "privacy": "private",
        "status": wf.status,
        "tagSet": [],
        "thumbnail": null,
    });
    if full {
        let flow: Vec<Value> = wf
            .template
            .nodes
            .iter()
            .map(|spec| {
                let inputs: Vec<Value> = spec
                    .inputs
                    .iter()
                    .map(|i| {
                        let mut i = i.clone();
                        i.as_object_mut().map(|o| o.remove("value"));
                        i
                    })
                    .collect();
                let mut node = json!({ "id": spec.id, "type": spec.node_type });
                let obj = node.as_object_mut().expect("a json! object is an object");
                if !spec.depends_on.is_empty() {
                    obj.insert("dependsOn".into(), json!(spec.depends_on));
                }
                if !inputs.is_empty() {
                    obj.insert("inputs".into(), json!(inputs));
                }
                if let Some(count) = spec.count {
                    obj.insert("count".into(), json!(count));
                    obj.insert("loopBodyNodeIds".into(), json!(spec.loop_body));
                }
                node
            })
            .collect();
        out["flow"] = json!(flow);
        out["editorInfo"] = json!({ "nodes": {} });
    }
    out
}

/// An asset as `GET /assets/{id}` shows it, with the given (fresh) URL.
pub fn asset(asset: &AssetRec, url: &str) -> Value {
    json!({
        "id": asset.id,
        "authorId": AUTHOR,
        "ownerId": OWNER,
        "collectionIds": [],
        "createdAt": asset.created_at,
        "updatedAt": asset.created_at,
        "editCapabilities": ["UPSCALE", "REMOVE_BACKGROUND"],
        "kind": "image",
        "mimeType": "image/png",
        "metadata": {
            "kind": "image",
            "type": "txt2img",
            "prompt": asset.prompt,
            "modelId": "model_fake",
            "seed": "42",
            "width": 1,
            "height": 1,
        },
        "privacy": "private",
        "properties": { "size": 68, "width": 1, "height": 1 },
        "source": "txt2img",
        "status": "success",
        "tags": [],
        "url": url,
    })
}
