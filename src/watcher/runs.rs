//! One run looked at: its gates recorded, gates closed elsewhere settled, an ended run's gates
//! closed.

#[allow(clippy::wildcard_imports)]
use super::*;

impl Watcher {
    /// Stores the new gates of a changed run and settles its open gates that are closed.
    pub(super) async fn inspect(
        &self,
        job: Job,
        open: &[OpenGate],
        report: &mut PollReport,
    ) -> Result<(), PollError> {
        // The list may leave a run's flow out: then read the run itself.
        let job =
            if job.metadata.flow.is_empty() { self.scenario().get_job(&job.job_id).await? } else { job };
        for gate in Flow::new(&job).gates_awaiting() {
            if open.iter().any(|a| a.node_id == gate.node_id) {
                continue;
            }
            if self.record(&job, &gate).await? {
                report.new_gates += 1;
            }
        }
        report.settled += self.settle_closed(&job, open).await?;
        Ok(())
    }

    /// Stores a gate seen for the first time, if its workflow is routed somewhere.
    async fn record(&self, job: &Job, gate: &Gate) -> Result<bool, PollError> {
        let Some(route) = self.parts.routes.route_for(&gate.workflow_id) else {
            debug!(workflow_id = %gate.workflow_id, "gate of a workflow with no route; not posted");
            return Ok(false);
        };
        if self.parts.store.approval_by_gate(&gate.job_id, &gate.node_id).await?.is_some() {
            return Ok(false);
        }
        // What the card of a gate just found shows is what a person waits for, not polling.
        let scenario = &self.parts.scenario.with_class(Class::Person);
        let workflow_name = match scenario.workflow_name(&gate.workflow_id).await {
            Ok(name) if !name.is_empty() => name,
            Ok(_) => gate.workflow_id.to_string(),
            Err(err) => {
                warn!(job_id = %gate.job_id, node_id = %gate.node_id, workflow_id = %gate.workflow_id, error = %err, "workflow name unavailable; showing its id");
                gate.workflow_id.to_string()
            }
        };
        let ids: Vec<AssetId> = gate.assets.iter().map(|a| a.asset_id.clone()).collect();
        let fresh = if ids.is_empty() { Ok(Vec::new()) } else { scenario.assets(&ids).await };
        let fresh = fresh.unwrap_or_else(|err| {
            warn!(job_id = %gate.job_id, node_id = %gate.node_id, error = %err, "fresh asset URLs unavailable; using the run's");
            Vec::new()
        });
        let started = job.created_at.map(OffsetDateTime::unix_timestamp);
        let snapshot = ReviewSnapshot::new(gate, workflow_name, (started, job.started_by()), &fresh);
        let new = NewApproval {
            workflow_id: gate.workflow_id.clone(),
            job_id: gate.job_id.clone(),
            node_id: gate.node_id.clone(),
            snapshot,
            channel_id: route.channel_id,
        };
        let stored = self.parts.store.insert_approval(&new).await?;
        if let Some(approval) = &stored {
            self.parts.metrics.gate_found();
            // The job status is logged because which one Scenario shows for a parked run is not
            // documented: operators learn it here.
            info!(approval_id = approval.id.get(), job_id = %gate.job_id, node_id = %gate.node_id, status = %gate.node_status, job_status = %job.status, "gate found");
        }
        Ok(stored.is_some())
    }

    /// Settles the pending gates of `job` that Scenario shows as decided or ended. Gates being
    /// decided are left to their decision, which reads the run itself.
    async fn settle_closed(&self, job: &Job, open: &[OpenGate]) -> Result<usize, StoreError> {
        let (flow, mut settled) = (Flow::new(job), 0);
        for approval in open.iter().filter(|a| a.state == ApprovalState::Pending) {
            let Settlement::Closed(Closure { to, what }) =
                settlement(&flow.gate_state(&approval.node_id), None)
            else {
                continue;
            };
            if self.parts.store.settle(approval.id, approval.state, to, &what).await? {
                info!(approval_id = approval.id.get(), job_id = %approval.job_id, node_id = %approval.node_id, state = %to, what, "gate closed outside the bridge");
                settled += 1;
            }
        }
        Ok(settled)
    }

    /// Open gates of a run no sweep listed: read it once to learn how it ended.
    pub(super) async fn reconcile_ended(
        &self,
        job_id: &JobId,
        open: &[OpenGate],
        report: &mut PollReport,
    ) -> Result<(), PollError> {
        match self.scenario().get_job(job_id).await {
            Ok(job) => report.settled += self.settle_closed(&job, open).await?,
            Err(ScenarioError::NotFound { .. }) => {
                let Closure { to, what } = run_gone();
                for approval in open.iter().filter(|a| a.state == ApprovalState::Pending) {
                    let settled = self.parts.store.settle(approval.id, approval.state, to, &what);
                    report.settled += usize::from(settled.await?);
                }
            }
            Err(err) => return Err(err.into()),
        }
        Ok(())
    }
}
