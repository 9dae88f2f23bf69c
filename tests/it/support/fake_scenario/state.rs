//! The fake's state and the engine that moves runs along, one stage per step.
//!
//! ForEach copies: the real id scheme of per-iteration copies is not documented. Here the copy
//! of body template `t` in iteration `i` is `t_i` (e.g. `check_0`), its `dependsOn` points at the
//! copies of the same iteration, and the templates stay in the flow marked `skipped`.

use std::collections::HashMap;

use serde_json::Value;

use super::flow::FlowTemplate;

/// Node statuses that let dependents run.
pub fn done(status: &str) -> bool {
    matches!(status, "success" | "skipped")
}

fn settled(status: &str) -> bool {
    matches!(status, "success" | "skipped" | "rejected" | "failure")
}

/// The Scenario user who starts the runs a test starts, unless it names another.
pub const AUTHOR: &str = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6";

/// A fake workflow.
pub struct WorkflowRec {
    pub id: String,
    pub name: String,
    pub template: FlowTemplate,
    pub created_at: String,
    /// `draft`, `ready` or `deleted`: only a ready workflow runs.
    pub status: String,
    /// Its input definitions (`name`, `type`, `required`, …), as `GET /workflows/{id}` shows them.
    pub inputs: Vec<Value>,
    /// What one run costs, in creative units (the dry run's answer).
    pub cost: u32,
}

/// A node of a run.
#[derive(Clone)]
pub struct RunNode {
    pub id: String,
    pub node_type: String,
    pub status: String,
    pub depends_on: Vec<String>,
    pub inputs: Vec<Value>,
    pub assets_to_make: usize,
    pub assets: Vec<String>,
    pub job_id: Option<String>,
    pub model_id: Option<String>,
    pub count: Option<u32>,
    pub loop_body: Vec<String>,
    pub loop_node_id: Option<String>,
    pub iteration_index: Option<u32>,
    /// A ForEach body template: never runs itself.
    pub template: bool,
    /// A selection gate's own candidates, from its template.
    pub configured_items: Vec<String>,
    /// A selection gate's candidates, frozen when it starts.
    pub items: Vec<String>,
    /// The picks a selection gate was decided with.
    pub selected: Option<Vec<u32>>,
}

/// A workflow run.
pub struct Run {
    pub id: String,
    pub workflow_id: String,
    pub status: String,
    pub history: Vec<(String, String)>,
    pub created_at: String,
    pub updated_at: String,
    pub nodes: Vec<RunNode>,
    pub error: Option<String>,
    /// The inputs it was started with (`metadata.input`), keyed by input name.
    pub input: serde_json::Map<String, Value>,
    /// The Scenario user who started it (`authorId`); `None` for a run started with an API key,
    /// which Scenario shows as `null`.
    pub author: Option<String>,
}

/// A job in the listing: a run the engine moves, or raw JSON served verbatim.
pub enum JobEntry {
    Run(Box<Run>),
    Raw(Value),
}

/// An asset.
pub struct AssetRec {
    pub id: String,
    pub created_at: String,
    pub prompt: Option<String>,
    /// The URL a node carries (signed at creation).
    pub url: String,
}

/// Something a step or a decision must create: an asset for a node.
pub struct NewAsset {
    pub node_id: String,
    pub prompt: Option<String>,
}

impl Run {
    pub fn node(&self, id: &str) -> Option<&RunNode> {
        self.nodes.iter().find(|n| n.id == id)
    }

    pub fn terminal(&self) -> bool {
        matches!(self.status.as_str(), "success" | "failure" | "canceled")
    }

    pub fn set_status(&mut self, status: &str, now: &str) {
        self.status = status.to_owned();
        self.history.push((now.to_owned(), status.to_owned()));
        self.updated_at = now.to_owned();
    }

    fn deps_done(&self, node: &RunNode) -> bool {
        node.depends_on.iter().all(|d| self.node(d).is_some_and(|n| done(&n.status)))
    }

    /// Whether `node_id` is a gate of type `kind` (any gate for `None`) waiting for a decision.
    pub fn waiting_gate(&self, node_id: &str, kind: Option<&str>) -> Result<(), String> {
        let node = self.node(node_id).ok_or_else(|| format!("Node {node_id} not found"))?;
        match kind {
            Some(kind) if node.node_type != kind => {
                return Err(format!("Node {node_id} is not a {} node", kind.replace('-', " ")));
            }
            None if !is_gate(&node.node_type) => return Err(format!("Node {node_id} is not a gate")),
            _ => {}
        }
        if self.terminal() {
            return Err(format!("Workflow job {} is already {}", self.id, self.status));
        }
        let waiting = matches!(node.status.as_str(), "pending" | "processing") && !node.template;
        if !waiting || !self.deps_done(node) {
            return Err(format!("Node {node_id} is not waiting for approval (status: {})", node.status));
        }
        Ok(())
    }

    /// Moves the run one stage. Returns whether anything changed and the assets to create.
    pub fn advance(
        &mut self,
        now: &str,
        gate_status: &str,
        job_id: impl Fn() -> String,
    ) -> (bool, Vec<NewAsset>) {
        if self.terminal() {
            return (false, Vec::new());
        }
        if self.status == "pending" {
            self.set_status("in-progress", now);
            return (true, Vec::new());
        }
        let mut changed = false;
        let mut new_assets = Vec::new();
        let mut expand = Vec::new();
        let before: Vec<RunNode> = self.nodes.clone();
        let snapshot = Run { nodes: before, ..self.shallow() };
        for node in self.nodes.iter_mut().filter(|n| !n.template) {
            match (node.status.as_str(), node.node_type.as_str()) {
                ("processing", "for-each") => {
                    let copies_settled = snapshot
                        .nodes
                        .iter()
                        .filter(|n| n.loop_node_id.as_deref() == Some(node.id.as_str()))
                        .all(|n| settled(&n.status));
                    if copies_settled {
                        node.status = "success".into();
                        changed = true;
                    }
                }
                ("processing", "user-approval" | "user-selection") => {}
                ("processing", _) => {
                    node.status = "success".into();
                    let prompt = prompt_of(node);
                    for _ in 0..node.assets_to_make {
                        new_assets.push(NewAsset { node_id: node.id.clone(), prompt: prompt.clone() });
                    }
                    changed = true;
                }
                ("pending", kind) if snapshot.deps_done(node) => match kind {
                    "user-approval" if gate_status != "pending" => {
                        node.status = gate_status.to_owned();
                        changed = true;
                    }
                    "user-approval" => {}
                    "user-selection" if node.items.is_empty() => {
                        // The candidates are frozen as the gate starts: its own, else its inputs' assets.
                        node.items = if node.configured_items.is_empty() {
                            let deps = node.depends_on.iter().filter_map(|d| snapshot.node(d));
                            deps.flat_map(|d| d.assets.iter().cloned()).collect()
                        } else {
                            node.configured_items.clone()
                        };
                        if gate_status != "pending" {
                            node.status = gate_status.to_owned();
                        }
                        changed = true;
                    }
                    "user-selection" => {}
                    "for-each" => {
                        node.status = "processing".into();
                        expand.push(node.id.clone());
                        changed = true;
                    }
                    _ => {
                        node.status = "processing".into();
                        node.job_id = Some(job_id());
                        changed = true;
                    }
                },
                _ => {}
            }
        }
        for loop_id in expand {
            self.expand(&loop_id);
        }
        changed |= self.finish_if_done(now);
        if changed {
            self.updated_at = now.to_owned();
        }
        (changed, new_assets)
    }

    fn shallow(&self) -> Run {
        Run {
            id: self.id.clone(),
            workflow_id: self.workflow_id.clone(),
            status: self.status.clone(),
            history: Vec::new(),
            created_at: String::new(),
            updated_at: String::new(),
            nodes: Vec::new(),
            error: None,
            input: serde_json::Map::new(),
            author: self.author.clone(),
        }
    }

    fn expand(&mut self, loop_id: &str) {
        let Some(looper) = self.node(loop_id).cloned() else {
            return;
        };
        let body: Vec<RunNode> =
            self.nodes.iter().filter(|n| looper.loop_body.contains(&n.id)).cloned().collect();
        for i in 0..looper.count.unwrap_or(2) {
            for template in &body {
                let mut copy = template.clone();
                copy.id = format!("{}_{i}", template.id);
                copy.template = false;
                copy.status = "pending".into();
                copy.loop_node_id = Some(loop_id.to_owned());
                copy.iteration_index = Some(i);
                copy.depends_on = template
                    .depends_on
                    .iter()
                    .map(|d| if looper.loop_body.contains(d) { format!("{d}_{i}") } else { d.clone() })
                    .collect();
                self.nodes.push(copy);
            }
        }
        for node in self.nodes.iter_mut().filter(|n| n.template && looper.loop_body.contains(&n.id)) {
            node.status = "skipped".into();
        }
    }

    fn finish_if_done(&mut self, now: &str) -> bool {
        let all_done = self
            .nodes
            .iter()
            .all(|n| done(&n.status) || (n.status == "rejected" && n.loop_node_id.is_some()));
        if all_done {
            self.set_status("success", now);
        }
        all_done
    }

    /// Applies a decision to a waiting gate (checked by the caller).
    pub fn decide(&mut self, node_id: &str, approve: bool, now: &str) {
        let Some(index) = self.nodes.iter().position(|n| n.id == node_id) else {
            return;
        };
        self.updated_at = now.to_owned();
        if approve {
            self.nodes[index].status = "success".into();
            self.finish_if_done(now);
            return;
        }
        self.nodes[index].status = "rejected".into();
        let (loop_id, iteration) =
            (self.nodes[index].loop_node_id.clone(), self.nodes[index].iteration_index);
        if loop_id.is_none() {
            self.set_status("canceled", now);
            return;
        }
        for node in self.nodes.iter_mut() {
            if node.loop_node_id == loop_id && node.iteration_index == iteration && !settled(&node.status) {
                node.status = "skipped".into();
            }
        }
    }

    /// Ends the run as a failure: running nodes fail.
    pub fn fail(&mut self, error: &str, now: &str) {
        for node in self.nodes.iter_mut().filter(|n| n.status == "processing") {
            node.status = "failure".into();
        }
        self.error = Some(error.to_owned());
        self.set_status("failure", now);
    }
}

/// Whether a node of this type waits for a person.
pub fn is_gate(node_type: &str) -> bool {
    matches!(node_type, "user-approval" | "user-selection")
}

/// The bounds on the number of picks of a selection gate: its array input's `min`/`max`, else
/// 1 and 100, as the SDK documents.
pub fn pick_bounds(node: &RunNode) -> (usize, usize) {
    let array = node.inputs.iter().find(|i| i["type"].as_str().is_some_and(|t| t.ends_with("_array")));
    let bound =
        |name: &str, default: usize| array.and_then(|i| i[name].as_u64()).map_or(default, |n| n as usize);
    (bound("min", 1), bound("max", 100))
}

fn prompt_of(node: &RunNode) -> Option<String> {
    node.inputs
        .iter()
        .find(|i| i.get("prompt") == Some(&Value::Bool(true)))
        .and_then(|i| i.get("value"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Builds a run's nodes from a workflow's template.
pub fn nodes_from(template: &FlowTemplate) -> Vec<RunNode> {
    let bodies: Vec<&String> = template.nodes.iter().flat_map(|n| n.loop_body.iter()).collect();
    template
        .nodes
        .iter()
        .map(|spec| RunNode {
            id: spec.id.clone(),
            node_type: spec.node_type.clone(),
            status: spec.initial_status.clone().unwrap_or_else(|| "pending".into()),
            depends_on: spec.depends_on.clone(),
            inputs: spec.inputs.clone(),
            assets_to_make: spec.assets,
            assets: Vec::new(),
            job_id: None,
            model_id: spec.model_id.clone(),
            count: spec.count,
            loop_body: spec.loop_body.clone(),
            loop_node_id: None,
            iteration_index: None,
            template: bodies.contains(&&spec.id),
            configured_items: spec.items.clone(),
            items: Vec::new(),
            selected: None,
        })
        .collect()
}

/// Everything the fake knows, behind one mutex.
#[derive(Default)]
pub struct State {
    pub workflows: Vec<WorkflowRec>,
    pub workflow_index: HashMap<String, usize>,
    pub jobs: Vec<JobEntry>,
    pub job_index: HashMap<String, usize>,
    pub assets: HashMap<String, AssetRec>,
    pub cdn: super::cdn::Cdn,
}

impl State {
    pub fn run(&self, id: &str) -> Option<&Run> {
        match self.jobs.get(*self.job_index.get(id)?)? {
            JobEntry::Run(run) => Some(run),
            JobEntry::Raw(_) => None,
        }
    }

    pub fn run_mut(&mut self, id: &str) -> Option<&mut Run> {
        match self.jobs.get_mut(*self.job_index.get(id)?)? {
            JobEntry::Run(run) => Some(run),
            JobEntry::Raw(_) => None,
        }
    }
}
