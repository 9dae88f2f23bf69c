//! What a test does besides letting time pass: decide in the "web app", end runs, look inside,
//! arm faults and read the request log.

use serde_json::Value;

use super::faults::{Endpoint, Fault, FaultRule, RecordedRequest};
use super::{FakeScenario, ops, render};

impl FakeScenario {
    // ---- the "web app" -----------------------------------------------------------------

    /// Approves a gate as a person in Scenario's web app would; `Err` if it is not waiting.
    pub fn approve(&self, job_id: &str, node_id: &str) -> Result<(), String> {
        self.state().decide(None, job_id, node_id, true).map_err(|(_, m)| m)
    }

    /// Rejects a gate as a person in Scenario's web app would; `Err` if it is not waiting.
    pub fn reject(&self, job_id: &str, node_id: &str) -> Result<(), String> {
        self.state().decide(None, job_id, node_id, false).map_err(|(_, m)| m)
    }

    /// Picks candidates of a selection gate (zero-based) as a person in Scenario's web app
    /// would; `Err` if it is not waiting or the picks are not allowed.
    pub fn select(&self, job_id: &str, node_id: &str, picks: &[u32]) -> Result<(), String> {
        self.state().select(None, job_id, node_id, Some(picks.to_vec())).map_err(|(_, m)| m)
    }

    /// The picks a selection gate was decided with, if it was picked.
    pub fn selected(&self, job_id: &str, node_id: &str) -> Option<Vec<u32>> {
        self.state().run(job_id)?.node(node_id)?.selected.clone()
    }

    /// A selection gate's candidates, as frozen when it started.
    pub fn items(&self, job_id: &str, node_id: &str) -> Vec<String> {
        self.state().run(job_id).and_then(|r| r.node(node_id)).map(|n| n.items.clone()).unwrap_or_default()
    }

    /// Cancels a run.
    pub fn cancel_run(&self, job_id: &str) {
        self.state().run_mut(job_id).expect("a known run").set_status("canceled", &ops::now());
    }

    /// Puts a run in `status` (any value, known or not) without moving its nodes: a run parked
    /// at its gate whatever status Scenario gives it. Its `updatedAt` moves, as on any change.
    pub fn set_run_status(&self, job_id: &str, status: &str) {
        self.state().run_mut(job_id).expect("a known run").set_status(status, &ops::now());
    }

    /// Deletes a run: it leaves the listing and every call about it answers 404.
    pub fn delete_run(&self, job_id: &str) {
        let mut state = self.state();
        let index = state.job_index.remove(job_id).expect("a known run");
        state.jobs.remove(index);
        for i in state.job_index.values_mut() {
            if *i > index {
                *i -= 1;
            }
        }
    }

    /// Fails a run with this error; running nodes fail.
    pub fn fail_run(&self, job_id: &str, error: &str) {
        self.state().run_mut(job_id).expect("a known run").fail(error, &ops::now());
    }

    // ---- inspection --------------------------------------------------------------------

    /// A job as `GET /jobs/{id}` would show it.
    pub fn job_json(&self, job_id: &str) -> Value {
        let state = self.state();
        let entry = &state.jobs[state.job_index[job_id]];
        render::job(entry, &|id| state.assets.get(id).map(|a| a.url.clone()))
    }

    /// The runs of a workflow, oldest first, with the inputs each was started with.
    pub fn runs_of(&self, workflow_id: &str) -> Vec<(String, Value)> {
        let state = self.state();
        let runs = state.jobs.iter().filter_map(|entry| match entry {
            super::state::JobEntry::Run(run) if run.workflow_id == workflow_id => Some(run),
            _ => None,
        });
        runs.map(|run| (run.id.clone(), Value::Object(run.input.clone()))).collect()
    }

    /// A run's status.
    pub fn job_status(&self, job_id: &str) -> String {
        self.state().run(job_id).expect("a known run").status.clone()
    }

    /// A node's status in a run.
    pub fn node_status(&self, job_id: &str, node_id: &str) -> Option<String> {
        self.state().run(job_id)?.node(node_id).map(|n| n.status.clone())
    }

    /// The assets a node of a run made.
    pub fn node_assets(&self, job_id: &str, node_id: &str) -> Vec<String> {
        self.state().run(job_id).and_then(|r| r.node(node_id)).map(|n| n.assets.clone()).unwrap_or_default()
    }

    // ---- faults and the request log ----------------------------------------------------

    /// Answers the next `times` requests to `endpoint` (or `Endpoint::Any`) with `fault`.
    pub fn inject(&self, endpoint: Endpoint, fault: Fault, times: usize) {
        self.shared.faults.lock().unwrap().push(FaultRule { target: endpoint, fault, remaining: times });
    }

    /// Ends every injected fault: Scenario answers normally again.
    pub fn clear_faults(&self) {
        self.shared.faults.lock().unwrap().clear();
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.log.lock().unwrap().clone()
    }

    /// The requests to one endpoint.
    pub fn requests_to(&self, endpoint: Endpoint) -> Vec<RecordedRequest> {
        self.shared.log.lock().unwrap().iter().filter(|r| r.endpoint == endpoint).cloned().collect()
    }

    /// How many requests went to one endpoint.
    pub fn count(&self, endpoint: Endpoint) -> usize {
        self.shared.log.lock().unwrap().iter().filter(|r| r.endpoint == endpoint).count()
    }

    /// Forgets the requests so far.
    pub fn clear_requests(&self) {
        self.shared.log.lock().unwrap().clear();
    }
}
