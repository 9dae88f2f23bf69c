//! Operations on the whole state: make runs, step them, decide gates, mint ids and signed URLs.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::flow::FlowTemplate;
use super::state::{AUTHOR, AssetRec, JobEntry, Run, State, WorkflowRec, nodes_from, pick_bounds};

/// The current time as the API writes it: UTC, to the millisecond (so two changes in the same
/// millisecond carry the same stamp, as on the real API).
pub fn now() -> String {
    let now = OffsetDateTime::now_utc();
    let ms = now.replace_millisecond(now.millisecond()).unwrap_or(now);
    ms.format(&Rfc3339).unwrap_or_default()
}

/// A fresh id such as `job_x4Kq…` (22 random alphanumerics, like Scenario's).
pub fn new_id(prefix: &str) -> String {
    let tail: String = std::iter::repeat_with(fastrand::alphanumeric).take(22).collect();
    format!("{prefix}_{tail}")
}

impl State {
    /// Adds a workflow; returns its id.
    pub fn add_workflow(&mut self, name: &str, template: FlowTemplate) -> String {
        let id = new_id("wflow");
        self.workflow_index.insert(id.clone(), self.workflows.len());
        self.workflows.push(WorkflowRec {
            id: id.clone(),
            name: name.to_owned(),
            template,
            created_at: now(),
            status: "ready".into(),
            inputs: vec![json!({ "name": "prompt", "type": "string", "prompt": true, "label": "Prompt" })],
            cost: 10,
        });
        id
    }

    /// Starts a run (status `pending`); `None` for an unknown workflow.
    pub fn start_run(&mut self, workflow_id: &str) -> Option<String> {
        self.start_run_with(workflow_id, Map::new(), Some(AUTHOR.to_owned()))
    }

    /// Starts a run with these inputs (`metadata.input`), by `author` (`None`: an API key); a
    /// node input of the same name takes its value, so a prompt given to the run is the prompt
    /// its nodes show.
    pub fn start_run_with(
        &mut self,
        workflow_id: &str,
        input: Map<String, Value>,
        author: Option<String>,
    ) -> Option<String> {
        let wf = &self.workflows[*self.workflow_index.get(workflow_id)?];
        let mut nodes = nodes_from(&wf.template);
        for node_input in nodes.iter_mut().flat_map(|n| n.inputs.iter_mut()) {
            let name = node_input.get("name").and_then(Value::as_str).map(str::to_owned);
            if let Some(value) = name.and_then(|name| input.get(&name)) {
                node_input["value"] = value.clone();
            }
        }
        let at = now();
        let run = Run {
            id: new_id("job"),
            workflow_id: workflow_id.to_owned(),
            status: "pending".into(),
            history: vec![(at.clone(), "pending".into())],
            created_at: at.clone(),
            updated_at: at,
            nodes,
            error: None,
            input,
            author,
        };
        let id = run.id.clone();
        self.push_job(id.clone(), JobEntry::Run(Box::new(run)));
        Some(id)
    }

    /// Adds raw JSON to the job listing (e.g. a malformed job); keyed by its `jobId` if any.
    pub fn push_raw_job(&mut self, raw: Value) {
        let id = raw.get("jobId").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(|| new_id("raw"));
        self.push_job(id, JobEntry::Raw(raw));
    }

    fn push_job(&mut self, id: String, entry: JobEntry) {
        self.job_index.insert(id, self.jobs.len());
        self.jobs.push(entry);
    }

    /// Adds a standalone asset; returns its id.
    pub fn add_asset(&mut self, port: u16, prompt: Option<String>) -> String {
        let id = new_id("asset");
        let url = self.cdn.sign(port, &id);
        self.assets.insert(id.clone(), AssetRec { id: id.clone(), created_at: now(), prompt, url });
        id
    }

    /// Moves the run at `index` one stage; returns whether it changed.
    pub fn advance(&mut self, index: usize, gate_status: &str, port: u16) -> bool {
        let at = now();
        let Some(JobEntry::Run(run)) = self.jobs.get_mut(index) else {
            return false;
        };
        let (changed, made) = run.advance(&at, gate_status, || new_id("job"));
        for new in made {
            let asset_id = new_id("asset");
            let url = self.cdn.sign(port, &asset_id);
            if let Some(node) = run.nodes.iter_mut().find(|n| n.id == new.node_id) {
                node.assets.push(asset_id.clone());
            }
            self.assets.insert(
                asset_id.clone(),
                AssetRec { id: asset_id, created_at: at.clone(), prompt: new.prompt, url },
            );
        }
        changed
    }

    /// Moves every run one stage; returns how many changed.
    pub fn step(&mut self, gate_status: &str, port: u16) -> usize {
        (0..self.jobs.len()).filter(|i| self.advance(*i, gate_status, port)).count()
    }

    /// Moves one run until it stops changing (parked at a gate, or ended).
    pub fn settle_run(&mut self, job_id: &str, gate_status: &str, port: u16) {
        let Some(&index) = self.job_index.get(job_id) else {
            return;
        };
        for _ in 0..1_000 {
            if !self.advance(index, gate_status, port) {
                break;
            }
        }
    }

    /// Decides a gate as the web app (`workflow_id` `None`: any kind of gate) or the approval
    /// endpoint would; `Err((status, message))` when it cannot.
    pub fn decide(
        &mut self,
        workflow_id: Option<&str>,
        job_id: &str,
        node_id: &str,
        approve: bool,
    ) -> Result<(), (u16, String)> {
        let kind = workflow_id.map(|_| "user-approval");
        self.waiting_run(workflow_id, job_id, node_id, kind)?.decide(node_id, approve, &now());
        Ok(())
    }

    /// Decides a selection gate as the web app (`workflow_id` `None`) or the selection endpoint
    /// would: `Some(picks)` selects them, `None` rejects. Picks must name candidates, each once,
    /// and their number be within the gate's bounds (as the SDK documents `selectedIndices`).
    pub fn select(
        &mut self,
        workflow_id: Option<&str>,
        job_id: &str,
        node_id: &str,
        picks: Option<Vec<u32>>,
    ) -> Result<(), (u16, String)> {
        let kind = workflow_id.map(|_| "user-selection");
        let run = self.waiting_run(workflow_id, job_id, node_id, kind)?;
        let node = run.node(node_id).ok_or_else(|| (404, format!("Node {node_id} not found")))?;
        if let Some(picks) = &picks {
            let (min, max) = pick_bounds(node);
            for (n, pick) in picks.iter().enumerate() {
                if *pick as usize >= node.items.len() {
                    return Err((
                        400,
                        format!("selectedIndices: {pick} is out of range (0 to {})", node.items.len() - 1),
                    ));
                }
                if picks[..n].contains(pick) {
                    return Err((400, format!("selectedIndices: {pick} appears twice")));
                }
            }
            if picks.len() < min || picks.len() > max {
                return Err((
                    400,
                    format!("selectedIndices: {} selected, between {min} and {max} required", picks.len()),
                ));
            }
        }
        run.decide(node_id, picks.is_some(), &now());
        if let Some(node) = run.nodes.iter_mut().find(|n| n.id == node_id) {
            node.selected = picks;
        }
        Ok(())
    }

    /// The run `job_id` of `workflow_id`, whose gate `node_id` (of type `kind`) is waiting.
    fn waiting_run(
        &mut self,
        workflow_id: Option<&str>,
        job_id: &str,
        node_id: &str,
        kind: Option<&str>,
    ) -> Result<&mut Run, (u16, String)> {
        if let Some(wf) = workflow_id {
            if !self.workflow_index.contains_key(wf) {
                return Err((404, format!("Workflow {wf} not found")));
            }
        }
        let run = self.run_mut(job_id).ok_or_else(|| (404, format!("Job {job_id} not found")))?;
        if workflow_id.is_some_and(|wf| wf != run.workflow_id) {
            return Err((404, format!("Job {job_id} not found in this workflow")));
        }
        if run.node(node_id).is_none() {
            return Err((404, format!("Node {node_id} not found in job {job_id}")));
        }
        run.waiting_gate(node_id, kind).map_err(|m| (400, m))?;
        Ok(run)
    }
}
