//! Hostile and malformed job JSON: whatever Scenario (or anything pretending to be it) sends, the
//! wire types and gate detection never panic, and what detection reports follows its rule.

use approval_bridge::{
    approvals::detect::{Flow, GateState},
    scenario::{Job, NodeStatus, NodeType},
};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Any JSON value, up to a few levels deep, with strings that include odd code points.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        odd_string().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Strings that look like what real APIs send, and what they should not.
fn odd_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_-]{0,12}",
        "\\PC{0,24}",
        Just("\u{FFFD}\u{0}\u{202E}é\u{1F600}".to_owned()),
        Just("x".repeat(5000)),
    ]
}

/// Keys of the job model, and others.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "jobId",
            "jobType",
            "status",
            "metadata",
            "flow",
            "id",
            "type",
            "dependsOn",
            "assets",
            "inputs",
            "assetId",
            "url",
            "prompt",
            "value",
            "loopNodeId",
            "iterationIndex",
            "workflowId",
            "updatedAt",
        ])
        .prop_map(str::to_owned),
        odd_string(),
    ]
}

fn node_type() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec!["user-approval", "custom-model", "for-each", "model", "hologram", ""])
            .prop_map(Value::from),
        Just(Value::Null),
        any_json(),
    ]
}

fn node_status() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![
            "pending",
            "processing",
            "success",
            "skipped",
            "failure",
            "rejected",
            "dreaming"
        ])
        .prop_map(Value::from),
        Just(Value::Null),
    ]
}

/// A node with ids from a small set (so dependencies, duplicates and loops meet), random types,
/// statuses, dependencies, ForEach fields, assets and inputs; any field may be absent or null.
fn node() -> impl Strategy<Value = Value> {
    let id = prop::sample::select(vec!["a", "b", "c", "gate", "gate_0", "gate_1", "loop", "a_0"]);
    let ids = prop::collection::vec(id.clone(), 0..4);
    (id, node_type(), node_status(), ids.clone(), prop::option::of(0u32..3), ids, any::<bool>(), any_json())
        .prop_map(|(id, kind, status, depends, iteration, body, with_extras, extra)| {
            let mut node = json!({ "id": id, "type": kind, "status": status, "dependsOn": depends });
            if with_extras {
                node["loopNodeId"] = json!("loop");
                node["iterationIndex"] = json!(iteration);
                node["loopBodyNodeIds"] = json!(body);
                node["assets"] =
                    json!([{ "assetId": format!("asset_{id}"), "url": "https://cdn/x.png" }, extra]);
                node["inputs"] =
                    json!([{ "name": "prompt", "type": "string", "prompt": true, "value": extra }]);
            }
            node
        })
}

fn job_with(status: Value, flow: Vec<Value>) -> Value {
    json!({
        "jobId": "job_1", "jobType": "workflow", "status": status, "progress": 0.5, "statusHistory": [],
        "createdAt": "2024-05-01T10:00:00Z", "updatedAt": "2024-05-01T10:01:00Z",
        "metadata": { "workflowId": "wflow_1", "flow": flow }
    })
}

/// Every gate detection reports obeys the rule; asking about every node never panics.
fn check_detection(job: &Job) {
    let flow = Flow::new(job);
    for gate in flow.gates_awaiting() {
        assert!(!job.status.is_terminal(), "no gate awaits in a terminal run");
        let node = job.metadata.flow.iter().find(|n| n.id == gate.node_id).expect("the gate is in the flow");
        assert_eq!(node.node_type, NodeType::UserApproval);
        assert!(matches!(gate.node_status, NodeStatus::Pending | NodeStatus::Processing));
        assert_eq!(flow.gate_state(&gate.node_id), GateState::AwaitingDecision);
    }
    for node in &job.metadata.flow {
        let _ = flow.gate_state(&node.id);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_json_is_read_or_refused_without_panicking(value in any_json()) {
        if let Ok(job) = serde_json::from_value::<Job>(value) {
            check_detection(&job);
        }
    }

    #[test]
    fn random_flows_never_break_detection(
        status in prop::sample::select(vec!["in-progress", "pending", "success", "canceled", "teleporting"]),
        flow in prop::collection::vec(node(), 0..24),
    ) {
        let value = job_with(Value::from(status), flow);
        if let Ok(job) = serde_json::from_value::<Job>(value) {
            check_detection(&job);
        }
    }

    #[test]
    fn known_fields_with_null_or_missing_values_still_parse(
        drop_keys in prop::collection::vec(prop::sample::select(vec![
            "progress", "statusHistory", "createdAt", "updatedAt", "metadata"
        ]), 0..5),
        null_keys in prop::collection::vec(prop::sample::select(vec![
            "statusHistory", "createdAt", "updatedAt", "authorId", "ownerId", "billing"
        ]), 0..5),
    ) {
        let mut value = job_with(json!("in-progress"), vec![json!({ "id": "gate", "type": "user-approval", "status": "pending" })]);
        for key in drop_keys {
            value.as_object_mut().unwrap().remove(key);
        }
        for key in null_keys {
            value[key] = Value::Null;
        }
        let job: Job = serde_json::from_value(value).expect("optional fields may be absent or null");
        check_detection(&job);
    }
}

#[test]
fn a_flow_of_ten_thousand_nodes_is_read_and_its_gates_found() {
    let mut flow = Vec::with_capacity(10_000);
    for n in 0..5_000 {
        flow.push(json!({ "id": format!("gen{n}"), "type": "custom-model", "status": "success",
            "assets": [{ "assetId": format!("asset_{n}"), "url": "https://cdn/x.png" }] }));
        flow.push(json!({ "id": format!("gate{n}"), "type": "user-approval", "status": "pending",
            "dependsOn": [format!("gen{n}")] }));
    }
    let job: Job = serde_json::from_value(job_with(json!("in-progress"), flow)).unwrap();
    let gates = Flow::new(&job).gates_awaiting();
    assert_eq!(gates.len(), 5_000);
    assert!(gates.iter().all(|g| g.assets.len() == 1));
}

#[test]
fn deeply_nested_json_is_refused_instead_of_overflowing_the_stack() {
    let depth = 100_000;
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let text = format!(
        r#"{{"jobId":"job_1","jobType":"workflow","status":"in-progress","progress":0,"statusHistory":[],
            "createdAt":"2024-05-01T10:00:00Z","updatedAt":"2024-05-01T10:00:00Z",
            "metadata":{{"workflowId":"wflow_1","input":{nested}}}}}"#
    );
    assert!(serde_json::from_str::<Job>(&text).is_err());
}
