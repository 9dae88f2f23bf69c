//! Which gates of a run await a person's decision: one pure function over a job's flow.
//!
//! A `user-approval` node awaits a decision when its job is not terminal, its status is `pending`
//! or `processing` (which of the two Scenario shows is unsettled), and every node it depends on
//! is `success` or `skipped`. A dependency missing from the flow means "not ready".

use std::collections::HashMap;

use serde_json::Value;
use tracing::{debug, warn};

use crate::approvals::ids::{AssetId, JobId, NodeId, WorkflowId};
use crate::scenario::{InputType, Job, JobStatus, Node, NodeStatus, NodeType};

/// A gate awaiting a decision, with what a reviewer needs to see.
#[derive(Clone, Debug, PartialEq)]
pub struct Gate {
    /// The run's workflow: the `workflowId` of the approval endpoint.
    pub workflow_id: WorkflowId,
    /// The run: the `workflowJobId` of the approval endpoint.
    pub job_id: JobId,
    /// The gate: the `nodeId` of the approval endpoint.
    pub node_id: NodeId,
    /// The status the gate shows while waiting (`pending` or `processing`).
    pub node_status: NodeStatus,
    /// The ForEach iteration the gate belongs to, if any.
    pub iteration: Option<u32>,
    /// The ForEach node of that iteration, when Scenario says.
    pub loop_node_id: Option<NodeId>,
    /// The assets of the nodes the gate depends on, in flow order.
    pub assets: Vec<GateAsset>,
    /// The prompts that led to those assets.
    pub prompts: Vec<GatePrompt>,
}

/// An asset a gate shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateAsset {
    /// The asset.
    pub asset_id: AssetId,
    /// Its signed URL as the job carried it (it expires: refresh before showing).
    pub url: String,
    /// The node that produced it.
    pub node_id: NodeId,
}

/// A prompt input of a node a gate depends on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatePrompt {
    /// The node whose input it is.
    pub node_id: NodeId,
    /// The input's name in the API.
    pub name: String,
    /// The input's label in Scenario's UI, if any.
    pub label: Option<String>,
    /// The prompt text.
    pub value: String,
}

/// Where a known gate stands, for reconciling a card with the truth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GateState {
    /// Waiting for a person.
    AwaitingDecision,
    /// Approved (the node is `success`).
    Approved,
    /// Rejected (the node is `rejected`).
    Rejected,
    /// Not yet reached: what it depends on is still running.
    NotReady,
    /// The run ended (or the gate failed or was skipped) with the gate undecided.
    RunEnded(JobStatus),
    /// The run has no such node.
    Missing,
}

/// The gates of `job` awaiting a decision, in flow order.
pub fn gates_awaiting(job: &Job) -> Vec<Gate> {
    Flow::new(job).gates_awaiting()
}

/// Where the gate `node_id` of `job` stands.
pub fn gate_state(job: &Job, node_id: &NodeId) -> GateState {
    Flow::new(job).gate_state(node_id)
}

/// A run's flow, indexed once so that every question about it takes time linear in its size,
/// however many gates and dependencies it holds (a flow may have thousands of nodes).
pub struct Flow<'a> {
    job: &'a Job,
    by_id: HashMap<&'a NodeId, &'a Node>,
    /// The nodes of each ForEach iteration, by (loop node id, iteration index).
    by_iteration: HashMap<(&'a NodeId, u32), Vec<&'a Node>>,
}

impl<'a> Flow<'a> {
    /// Indexes the flow of `job`. When an id appears twice, the first node wins.
    pub fn new(job: &'a Job) -> Self {
        let flow = &job.metadata.flow;
        let mut by_id = HashMap::with_capacity(flow.len());
        let mut by_iteration: HashMap<(&NodeId, u32), Vec<&Node>> = HashMap::new();
        for node in flow {
            by_id.entry(&node.id).or_insert(node);
            if let (Some(loop_id), Some(index)) = (&node.loop_node_id, node.iteration_index) {
                by_iteration.entry((loop_id, index)).or_default().push(node);
            }
        }
        Self { job, by_id, by_iteration }
    }

    /// The gates awaiting a decision, in flow order.
    pub fn gates_awaiting(&self) -> Vec<Gate> {
        let job = self.job;
        let gates = job.metadata.flow.iter().filter(|n| n.node_type == NodeType::UserApproval);
        let mut found = Vec::new();
        for gate in gates {
            debug!(job_id = %job.job_id, node_id = %gate.id, status = ?gate.status, "gate seen");
            if !self.awaits(gate) {
                continue;
            }
            let Some(workflow_id) = job.metadata.workflow_id.clone() else {
                warn!(job_id = %job.job_id, node_id = %gate.id, "a waiting gate in a run without workflowId");
                continue;
            };
            let deps: Vec<&Node> = gate.depends_on.iter().filter_map(|d| self.resolve(gate, d)).collect();
            found.push(Gate {
                workflow_id,
                job_id: job.job_id.clone(),
                node_id: gate.id.clone(),
                node_status: gate.status.clone().unwrap_or(NodeStatus::Pending),
                iteration: gate.iteration_index,
                loop_node_id: gate.loop_node_id.clone(),
                assets: deps.iter().flat_map(|n| assets_of(n)).collect(),
                prompts: deps.iter().flat_map(|n| prompts_of(n)).collect(),
            });
        }
        found
    }

    /// Where the gate `node_id` stands.
    pub fn gate_state(&self, node_id: &NodeId) -> GateState {
        let job = self.job;
        let Some(node) = self.by_id.get(node_id) else {
            return GateState::Missing;
        };
        match &node.status {
            Some(NodeStatus::Success) => GateState::Approved,
            Some(NodeStatus::Rejected) => GateState::Rejected,
            Some(NodeStatus::Failure | NodeStatus::Skipped) => GateState::RunEnded(job.status.clone()),
            _ if job.status.is_terminal() => GateState::RunEnded(job.status.clone()),
            _ if self.awaits(node) => GateState::AwaitingDecision,
            _ => GateState::NotReady,
        }
    }

    fn awaits(&self, gate: &Node) -> bool {
        let waiting_status = matches!(gate.status, Some(NodeStatus::Pending | NodeStatus::Processing));
        waiting_status
            && !self.job.status.is_terminal()
            && gate.depends_on.iter().all(|dep| {
                self.resolve(gate, dep)
                    .and_then(|n| n.status.as_ref())
                    .is_some_and(NodeStatus::lets_dependents_run)
            })
    }

    /// Finds the node a gate's `dependsOn` entry names. Inside a ForEach iteration, when the
    /// entry names a body template (the templates are kept in the flow, marked skipped) rather
    /// than the iteration's copy, the copy of the same iteration is used: which of the two
    /// Scenario writes is not documented. A copy is recognised as a node of the same loop and
    /// iteration whose id starts with the template's id.
    fn resolve(&self, gate: &Node, dep: &NodeId) -> Option<&'a Node> {
        let exact = self.by_id.get(dep).copied();
        let (Some(loop_id), Some(index)) = (&gate.loop_node_id, gate.iteration_index) else {
            return exact;
        };
        let is_template = self.by_id.get(loop_id).is_some_and(|l| l.loop_body_node_ids.contains(dep));
        if !is_template {
            return exact;
        }
        let iteration = self.by_iteration.get(&(loop_id, index)).map(Vec::as_slice).unwrap_or_default();
        iteration.iter().copied().find(|n| n.id.as_str().starts_with(dep.as_str()) && n.id != *dep).or(exact)
    }
}

fn assets_of(node: &Node) -> impl Iterator<Item = GateAsset> + '_ {
    node.assets.iter().map(|a| GateAsset {
        asset_id: a.asset_id.clone(),
        url: a.url.clone(),
        node_id: node.id.clone(),
    })
}

fn prompts_of(node: &Node) -> impl Iterator<Item = GatePrompt> + '_ {
    node.inputs.iter().filter_map(|input| {
        let is_prompt = input.input_type == Some(InputType::String) && input.prompt == Some(true);
        match &input.value {
            Some(Value::String(text)) if is_prompt && !text.trim().is_empty() => Some(GatePrompt {
                node_id: node.id.clone(),
                name: input.name.clone(),
                label: input.label.clone(),
                value: text.clone(),
            }),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
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
        let run = job(
            "in-progress",
            json!([producer("gen", "success", "a red fox"), gate("ok", "pending", &["gen"])]),
        );
        let gates = gates_awaiting(&run);
        assert_eq!(gates.len(), 1);
        let g = &gates[0];
        assert_eq!(
            (g.workflow_id.as_str(), g.job_id.as_str(), g.node_id.as_str()),
            ("wflow_1", "job_1", "ok")
        );
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
            serde_json::from_value(json!({"jobId": "job_3", "jobType": "upload", "status": "success"}))
                .unwrap();
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
        assert_eq!(
            gate_state(&job("failure", flow("failure")), &ok),
            GateState::RunEnded(JobStatus::Failure)
        );
        assert_eq!(
            gate_state(&job("in-progress", flow("skipped")), &ok),
            GateState::RunEnded(JobStatus::InProgress)
        );
        assert_eq!(
            gate_state(&job("canceled", flow("pending")), &ok),
            GateState::RunEnded(JobStatus::Canceled)
        );
        assert_eq!(gate_state(&job("in-progress", flow("pending")), &"nope".into()), GateState::Missing);
    }
}
