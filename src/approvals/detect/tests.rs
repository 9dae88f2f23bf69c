use super::*;
use serde_json::json;

fn job(status: &str, flow: Value) -> Job {
    serde_json::from_value(json!({
        "jobId": "job_1", "jobType": "workflow", "status": status, "progress": 0.5,
        "statusHistory": [], "createdAt": "2024-05-01T10:00:00.000Z",
        "updatedAt": "2024-05-01T10:05:00.000Z",
        "metadata": { "workflowId": "wflow_1", "flow": flow }
    }))
    .unwrap()
}

fn producer(id: &str, status: &str, prompt: &str) -> Value {
    json!({
        "id": id, "type": "custom-model", "status": status, "jobId": format!("job_{id}"),
        "assets": [{ "assetId": format!("asset_{id}"), "url": format!("https://cdn/{id}.png") }],
        "inputs": [
            { "name": "prompt", "type": "string", "prompt": true, "label": "Prompt", "value": prompt },
            { "name": "style", "type": "string", "value": "not a prompt" },
            { "name": "seed", "type": "number", "prompt": true, "value": 7 }
        ]
    })
}

fn gate(id: &str, status: &str, deps: &[&str]) -> Value {
    json!({ "id": id, "type": "user-approval", "status": status, "dependsOn": deps })
}

fn ids(gates: &[Gate]) -> Vec<&str> {
    gates.iter().map(|g| g.node_id.as_str()).collect()
}

#[test]
fn a_gate_after_a_finished_producer_awaits_with_its_assets_and_prompt() {
    let run =
        job("in-progress", json!([producer("gen", "success", "a red fox"), gate("ok", "pending", &["gen"])]));
    let gates = gates_awaiting(&run);
    assert_eq!(gates.len(), 1);
    let g = &gates[0];
    assert_eq!((g.workflow_id.as_str(), g.job_id.as_str(), g.node_id.as_str()), ("wflow_1", "job_1", "ok"));
    assert_eq!((g.iteration, g.loop_node_id.clone()), (None, None));
    assert_eq!(
        g.assets,
        vec![GateAsset {
            asset_id: "asset_gen".into(),
            url: "https://cdn/gen.png".into(),
            node_id: "gen".into()
        }]
    );
    assert_eq!(
        g.prompts,
        vec![GatePrompt {
            node_id: "gen".into(),
            name: "prompt".into(),
            label: Some("Prompt".into()),
            value: "a red fox".into()
        }]
    );
    assert_eq!(gate_state(&run, &"ok".into()), GateState::AwaitingDecision);
}

#[test]
fn a_gate_showing_processing_also_awaits() {
    let run =
        job("in-progress", json!([producer("gen", "success", "x"), gate("ok", "processing", &["gen"])]));
    assert_eq!(gates_awaiting(&run)[0].node_status, NodeStatus::Processing);
}

#[test]
fn two_gates_in_one_run_are_both_found() {
    let run = job(
        "in-progress",
        json!([
            producer("a", "success", "one"),
            producer("b", "success", "two"),
            gate("gate_a", "pending", &["a"]),
            gate("gate_b", "pending", &["b"])
        ]),
    );
    let gates = gates_awaiting(&run);
    assert_eq!(ids(&gates), ["gate_a", "gate_b"]);
    assert_eq!(gates[1].assets[0].asset_id.as_str(), "asset_b");
}

#[test]
fn a_gate_after_two_producers_shows_the_assets_and_prompts_of_both() {
    let run = job(
        "in-progress",
        json!([
            producer("a", "success", "one"),
            producer("b", "skipped", "two"),
            gate("ok", "pending", &["a", "b"])
        ]),
    );
    let gates = gates_awaiting(&run);
    let producers: Vec<&str> = gates[0].assets.iter().map(|a| a.node_id.as_str()).collect();
    assert_eq!(producers, ["a", "b"]);
    assert_eq!(gates[0].prompts.len(), 2);
}

#[test]
fn gates_inside_foreach_iterations_carry_their_iteration() {
    let mut copy0 = gate("check_0", "pending", &["draw_0"]);
    copy0["loopNodeId"] = json!("loop");
    copy0["iterationIndex"] = json!(0);
    let mut copy1 = gate("check_1", "pending", &["draw"]);
    copy1["loopNodeId"] = json!("loop");
    copy1["iterationIndex"] = json!(1.0);
    let mut draw0 = producer("draw_0", "success", "first");
    draw0["loopNodeId"] = json!("loop");
    draw0["iterationIndex"] = json!(0);
    let mut draw1 = producer("draw_1", "success", "second");
    draw1["loopNodeId"] = json!("loop");
    draw1["iterationIndex"] = json!(1);
    let run = job(
        "in-progress",
        json!([
            { "id": "loop", "type": "for-each", "status": "processing", "count": 2, "loopBodyNodeIds": ["draw", "check"] },
            producer("draw", "skipped", "template"), gate("check", "skipped", &["draw"]),
            draw0, copy0, draw1, copy1
        ]),
    );
    let gates = gates_awaiting(&run);
    assert_eq!(ids(&gates), ["check_0", "check_1"]);
    assert_eq!(gates[0].iteration, Some(0));
    assert_eq!(gates[1].iteration, Some(1));
    assert_eq!(gates[1].loop_node_id, Some("loop".into()));
    // check_1 names the template "draw": the copy of its own iteration is what it gates.
    assert_eq!(gates[1].assets[0].node_id.as_str(), "draw_1");
    assert_eq!(gates[1].prompts[0].value, "second");
}

#[test]
fn a_gate_whose_producers_still_run_is_not_ready() {
    let run = job(
        "in-progress",
        json!([
            producer("a", "success", "x"),
            producer("b", "processing", "y"),
            gate("ok", "pending", &["a", "b"])
        ]),
    );
    assert!(gates_awaiting(&run).is_empty());
    assert_eq!(gate_state(&run, &"ok".into()), GateState::NotReady);
}

#[test]
fn a_dependency_missing_from_the_flow_means_not_ready() {
    let run = job("in-progress", json!([gate("ok", "pending", &["ghost"])]));
    assert!(gates_awaiting(&run).is_empty());
    assert_eq!(gate_state(&run, &"ok".into()), GateState::NotReady);
}

#[test]
fn a_terminal_job_has_no_waiting_gates() {
    for status in ["success", "failure", "canceled"] {
        let run = job(status, json!([producer("gen", "success", "x"), gate("ok", "pending", &["gen"])]));
        assert!(gates_awaiting(&run).is_empty(), "{status}");
        assert_eq!(gate_state(&run, &"ok".into()), GateState::RunEnded(JobStatus::from_wire(status)));
    }
}

#[test]
fn unknown_node_types_and_statuses_are_tolerated() {
    let run = job(
        "in-progress",
        json!([
            { "id": "holo", "type": "hologram", "status": "dreaming" },
            producer("gen", "success", "x"),
            gate("after_holo", "pending", &["holo"]),
            gate("ok", "pending", &["gen"]),
            gate("odd", "meditating", &["gen"])
        ]),
    );
    assert_eq!(run.metadata.flow[0].node_type, NodeType::Unknown("hologram".into()));
    assert_eq!(ids(&gates_awaiting(&run)), ["ok"]);
    assert_eq!(gate_state(&run, &"odd".into()), GateState::NotReady);
}

#[test]
fn missing_and_null_optional_fields_are_read_as_empty() {
    let run: Job = serde_json::from_value(json!({
        "jobId": "job_2", "jobType": "workflow", "status": "in-progress",
        "progress": null, "statusHistory": null, "createdAt": null,
        "metadata": { "workflowId": "wflow_1", "assetIds": null, "error": null, "flow": [
            { "id": "gen", "type": "model", "status": "success", "assets": null, "inputs": null,
              "dependsOn": null, "jobId": null, "count": null, "iterationIndex": null, "extra": {"x": 1} },
            { "id": "ok", "type": "user-approval", "status": "pending", "dependsOn": ["gen"] },
            { "id": "no_deps", "type": "user-approval", "status": "pending" }
        ]}
    }))
    .unwrap();
    let gates = gates_awaiting(&run);
    assert_eq!(ids(&gates), ["ok", "no_deps"]);
    assert!(gates[0].assets.is_empty() && gates[0].prompts.is_empty());
    let bare: Job =
        serde_json::from_value(json!({"jobId": "job_3", "jobType": "upload", "status": "success"})).unwrap();
    assert!(gates_awaiting(&bare).is_empty());
}

#[test]
fn gate_state_follows_the_node_and_the_run() {
    let flow =
        |gate_status: &str| json!([producer("gen", "success", "x"), gate("ok", gate_status, &["gen"])]);
    let ok = NodeId::from("ok");
    assert_eq!(gate_state(&job("in-progress", flow("success")), &ok), GateState::Approved);
    assert_eq!(gate_state(&job("success", flow("success")), &ok), GateState::Approved);
    assert_eq!(gate_state(&job("canceled", flow("rejected")), &ok), GateState::Rejected);
    assert_eq!(gate_state(&job("failure", flow("failure")), &ok), GateState::RunEnded(JobStatus::Failure));
    assert_eq!(
        gate_state(&job("in-progress", flow("skipped")), &ok),
        GateState::RunEnded(JobStatus::InProgress)
    );
    assert_eq!(gate_state(&job("canceled", flow("pending")), &ok), GateState::RunEnded(JobStatus::Canceled));
    assert_eq!(gate_state(&job("in-progress", flow("pending")), &"nope".into()), GateState::Missing);
}

fn selection(id: &str, status: &str, deps: &[&str], items: Value) -> Value {
    json!({
        "id": id, "type": "user-selection", "status": status, "dependsOn": deps, "items": items,
        "inputs": [{ "name": "items", "type": "file_array", "min": 1, "max": 2 }]
    })
}

#[test]
fn a_selection_gate_with_candidates_awaits_a_pick_with_its_asset_candidates_in_order() {
    let items = json!(["asset_gen", "a badger", "asset_other"]);
    let run = job(
        "in-progress",
        json!([producer("gen", "success", "a red fox"), selection("pick", "pending", &["gen"], items)]),
    );
    let gates = gates_awaiting(&run);
    assert_eq!(ids(&gates), ["pick"]);
    let choice = gates[0].selection.clone().expect("a selection gate offers a choice");
    assert_eq!((choice.candidates.len(), choice.min, choice.max), (3, 1, 2));
    let assets: Vec<(&str, &str)> =
        gates[0].assets.iter().map(|a| (a.asset_id.as_str(), a.url.as_str())).collect();
    assert_eq!(
        assets,
        [("asset_gen", "https://cdn/gen.png"), ("asset_other", "")],
        "the URL a node carries, else none (the card's refresh brings one)"
    );
    assert_eq!(gates[0].prompts.len(), 1, "the prompt of what it depends on");
    assert_eq!(gate_state(&run, &"pick".into()), GateState::AwaitingDecision);
}

#[test]
fn a_selection_gate_without_candidates_yet_waits_for_none_and_a_picked_one_is_approved() {
    let empty = job(
        "in-progress",
        json!([producer("gen", "success", "x"), selection("pick", "pending", &["gen"], json!(null))]),
    );
    assert!(gates_awaiting(&empty).is_empty());
    assert_eq!(gate_state(&empty, &"pick".into()), GateState::NotReady);
    let picked = job(
        "in-progress",
        json!([
            producer("gen", "success", "x"),
            selection("pick", "success", &["gen"], json!(["asset_gen"]))
        ]),
    );
    assert_eq!(gate_state(&picked, &"pick".into()), GateState::Approved);
    let approval =
        job("in-progress", json!([producer("gen", "success", "x"), gate("ok", "pending", &["gen"])]));
    assert_eq!(gates_awaiting(&approval)[0].selection, None, "an approval gate offers no choice");
}
