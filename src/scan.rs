//! `approval-bridge scan`: one read-only sweep of Scenario, with only its settings, that says
//! which gates the bridge would post, where, and which runs it would skip and why.
//!
//! It lists the workflow runs of every non-terminal status as the watcher's full sweep does,
//! reads the routes from the database when there is one (opened read-only, never created), and
//! writes nothing anywhere: no card, no decision, no row.

use std::{collections::HashMap, fmt};

use serenity::all::ChannelId;
use time::OffsetDateTime;

use crate::{
    app::scenario_settings,
    approvals::{
        detect::{Flow, GateState},
        ids::WorkflowId,
    },
    config::ScanSettings,
    feed::{NON_TERMINAL, sweep_queries},
    scenario::{Job, JobStatus, Node, NodeStatus, NodeType, ScenarioClient, ScenarioError},
    store::{Store, shown_url},
};

/// A gate the bridge would post a card for.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundGate {
    /// The workflow's name (its id when Scenario did not give one).
    pub workflow: String,
    /// The workflow's id.
    pub workflow_id: WorkflowId,
    /// The run.
    pub job_id: String,
    /// The gate node.
    pub node_id: String,
    /// The run's job status: which one a parked run shows is not documented.
    pub job_status: JobStatus,
    /// The gate's own status (`pending` or `processing`).
    pub node_status: NodeStatus,
    /// When the run last changed: for a parked run, when it reached the gate.
    pub waiting_since: Option<OffsetDateTime>,
    /// The channel its card would go to.
    pub channel_id: ChannelId,
}

/// A run the bridge would post nothing for, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRun {
    /// The run's id (`?` when even that could not be read).
    pub job_id: String,
    /// Its job status, as Scenario wrote it.
    pub job_status: String,
    /// Why nothing would be posted.
    pub why: String,
}

/// What one scan found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanReport {
    /// The gates the bridge would post, in listing order.
    pub gates: Vec<FoundGate>,
    /// The runs it would skip.
    pub skipped: Vec<SkippedRun>,
    /// Runs listed.
    pub runs: usize,
    /// Requests the listing took.
    pub requests: u32,
    /// Where routes came from, or why they could not be read.
    pub routes: String,
}

/// Sweeps Scenario once and says what the bridge would do with each run.
pub async fn run(settings: &ScanSettings) -> Result<ScanReport, ScenarioError> {
    let client = ScenarioClient::new(scenario_settings(&settings.scenario))?;
    let (routes, routes_note) = read_routes(&settings.database_url).await;
    let default_channel = settings.approval_channel_id.map(ChannelId::from);
    // As the bridge routes: a workflow's own route, else the default channel.
    let channel_for = |workflow_id: &WorkflowId| routes.get(workflow_id).copied().or(default_channel);
    let mut report = ScanReport { routes: routes_note, ..ScanReport::default() };
    for query in sweep_queries(&NON_TERMINAL) {
        let listing = client.list_jobs(&query).await?;
        report.requests += listing.pages;
        report.runs += listing.jobs.len();
        for item in listing.unreadable {
            let job_id = item.id.unwrap_or_else(|| "?".into());
            let why = format!("Scenario's record cannot be read: {}", item.reason);
            report.skipped.push(SkippedRun { job_id, job_status: query_status(&query), why });
        }
        for job in listing.jobs {
            // As the watcher does: a listing without the flow is completed by reading the run.
            let job = if job.metadata.flow.is_empty() { client.get_job(&job.job_id).await? } else { job };
            match classify(&job, &channel_for) {
                Ok(gates) => {
                    for mut gate in gates {
                        gate.workflow = match client.workflow_name(&gate.workflow_id).await {
                            Ok(name) if !name.is_empty() => name,
                            _ => gate.workflow_id.to_string(),
                        };
                        report.gates.push(gate);
                    }
                }
                Err(skipped) => report.skipped.push(skipped),
            }
        }
    }
    Ok(report)
}

fn query_status(query: &crate::scenario::JobQuery) -> String {
    query.status.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// The routes in the database at `url`, by workflow, and a line saying where they came from.
async fn read_routes(url: &str) -> (HashMap<WorkflowId, ChannelId>, String) {
    let watches = match Store::open_read_only(url).await {
        Ok(store) => {
            let watches = store.watches().await;
            store.close().await;
            watches
        }
        Err(err) => Err(err),
    };
    match watches {
        Ok(watches) => {
            let note = format!("{} route(s) read from {}", watches.len(), shown_url(url));
            (watches.into_iter().map(|w| (w.workflow_id, w.channel_id)).collect(), note)
        }
        Err(err) => (
            HashMap::new(),
            format!("no routes read from {} ({err}); APPROVAL_CHANNEL_ID only", shown_url(url)),
        ),
    }
}

/// The gates of `job` the bridge would post, or why it would post none. `channel_for` says
/// where a workflow's cards go, if anywhere.
pub fn classify(
    job: &Job,
    channel_for: &dyn Fn(&WorkflowId) -> Option<ChannelId>,
) -> Result<Vec<FoundGate>, SkippedRun> {
    let skip =
        |why: String| SkippedRun { job_id: job.job_id.to_string(), job_status: job.status.to_string(), why };
    let flow = Flow::new(job);
    let waiting = flow.gates_awaiting();
    if waiting.is_empty() {
        return Err(skip(why_no_gate(job, &flow)));
    }
    let mut found = Vec::new();
    let mut unrouted = Vec::new();
    for gate in waiting {
        match channel_for(&gate.workflow_id) {
            Some(channel_id) => found.push(FoundGate {
                workflow: gate.workflow_id.to_string(),
                workflow_id: gate.workflow_id,
                job_id: gate.job_id.to_string(),
                node_id: gate.node_id.to_string(),
                job_status: job.status.clone(),
                node_status: gate.node_status,
                waiting_since: job.updated_at,
                channel_id,
            }),
            None => unrouted.push(format!(
                "gate {} waits, but workflow {} has no route and APPROVAL_CHANNEL_ID is unset",
                gate.node_id, gate.workflow_id
            )),
        }
    }
    if found.is_empty() { Err(skip(unrouted.join("; "))) } else { Ok(found) }
}

/// Why a run with no waiting gate has none, gate by gate.
fn why_no_gate(job: &Job, flow: &Flow<'_>) -> String {
    let is_gate = |n: &&Node| matches!(n.node_type, NodeType::UserApproval | NodeType::UserSelection);
    let gates: Vec<_> = job.metadata.flow.iter().filter(is_gate).collect();
    if gates.is_empty() {
        return "its flow has no approval or selection gate".into();
    }
    let states: Vec<String> = gates
        .iter()
        .map(|gate| {
            let state = match flow.gate_state(&gate.id) {
                GateState::Approved => "already approved".to_owned(),
                GateState::Rejected => "already rejected".to_owned(),
                GateState::RunEnded(status) => format!("will not be reached (run {status})"),
                GateState::NotReady => "not reached yet: the nodes before it are still running".to_owned(),
                GateState::AwaitingDecision => "waiting, but the run names no workflowId".to_owned(),
                GateState::Missing => "missing".to_owned(),
            };
            format!("gate {} {state}", gate.id)
        })
        .collect();
    states.join("; ")
}

impl fmt::Display for ScanReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Scenario: {} run(s) in a non-terminal status ({} listing request(s)); {}",
            self.runs, self.requests, self.routes
        )?;
        writeln!(f, "Gates the bridge would post ({}):", self.gates.len())?;
        for gate in &self.gates {
            let since = gate.waiting_since.map_or_else(|| "unknown".to_owned(), |at| at.to_string());
            writeln!(
                f,
                "  {} ({}) · run {} · gate {} ({}) · job status {} · waiting since {} · channel {}",
                gate.workflow,
                gate.workflow_id,
                gate.job_id,
                gate.node_id,
                gate.node_status,
                gate.job_status,
                since,
                gate.channel_id
            )?;
        }
        writeln!(f, "Runs skipped ({}):", self.skipped.len())?;
        for run in &self.skipped {
            writeln!(f, "  run {} ({}): {}", run.job_id, run.job_status, run.why)?;
        }
        Ok(())
    }
}
