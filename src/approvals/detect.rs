//! Which gates of a run await a person's decision: one pure function over a job's flow.
//!
//! A `user-approval` node awaits a decision when its job is not terminal, its status is `pending`
//! or `processing` (which of the two Scenario shows is unsettled), and every node it depends on
//! is `success` or `skipped`. A dependency missing from the flow means "not ready". A
//! `user-selection` node awaits a person under the same rule, once it has candidates to offer.

use std::collections::HashMap;

use serde_json::Value;
use tracing::{debug, warn};

use super::{
    enums::{InputType, JobStatus, NodeStatus, NodeType},
    ids::{AssetId, JobId, NodeId, WorkflowId},
    selection::{Candidate, Choice},
    wire::{Job, Node},
};

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
    /// The assets of the nodes the gate depends on, in flow order; for a selection gate, its
    /// asset candidates, in candidate order.
    pub assets: Vec<GateAsset>,
    /// The prompts that led to those assets.
    pub prompts: Vec<GatePrompt>,
    /// For a selection gate (`user-selection`), what may be picked.
    pub selection: Option<Choice>,
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
        let gates = job.metadata.flow.iter().filter(|n| is_gate(n));
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
            let selection = (gate.node_type == NodeType::UserSelection).then(|| Choice::of(gate)).flatten();
            let assets = match &selection {
                Some(choice) => candidate_assets(gate, choice, &deps),
                None => deps.iter().flat_map(|n| assets_of(n)).collect(),
            };
            found.push(Gate {
                workflow_id,
                job_id: job.job_id.clone(),
                node_id: gate.id.clone(),
                node_status: gate.status.clone().unwrap_or(NodeStatus::Pending),
                iteration: gate.iteration_index,
                loop_node_id: gate.loop_node_id.clone(),
                assets,
                prompts: deps.iter().flat_map(|n| prompts_of(n)).collect(),
                selection,
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
        // A selection node's items are frozen when it starts: without them there is nothing to pick.
        let has_candidates = gate.node_type != NodeType::UserSelection || !gate.items.is_empty();
        waiting_status
            && has_candidates
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

/// Whether `node` waits for a person: an approval or a selection gate.
fn is_gate(node: &Node) -> bool {
    matches!(node.node_type, NodeType::UserApproval | NodeType::UserSelection)
}

/// The asset candidates of a selection gate, in candidate order, with the URL the gate or a node
/// it depends on carries for each (empty when none does: the card's refresh fills it in).
fn candidate_assets(gate: &Node, choice: &Choice, deps: &[&Node]) -> Vec<GateAsset> {
    let carried = |id: &AssetId| {
        std::iter::once(gate).chain(deps.iter().copied()).flat_map(|n| &n.assets).find(|a| a.asset_id == *id)
    };
    let assets = choice.candidates.iter().filter_map(|candidate| match candidate {
        Candidate::Asset { asset_id } => Some(asset_id),
        _ => None,
    });
    assets
        .map(|asset_id| GateAsset {
            asset_id: asset_id.clone(),
            url: carried(asset_id).map(|a| a.url.clone()).unwrap_or_default(),
            node_id: gate.id.clone(),
        })
        .collect()
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
mod tests;
