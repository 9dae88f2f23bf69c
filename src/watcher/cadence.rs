//! When passes run: the loop around [`Watcher::try_poll_once`], at `POLL_INTERVAL_SECS` while a
//! run is in flight and at the idle interval otherwise, backing off while passes fail; the waits
//! are read on the watcher's [monotonic clock](crate::monotonic), which tests move by hand.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The longest wait between two polls while they keep failing.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);

impl Watcher {
    /// Whether a run was last seen moving on its own: not ended and not parked at a gate. Only
    /// such a run can park at a new gate without first showing up as changed, so only then is
    /// the in-flight cadence worth its requests.
    pub fn runs_in_flight(&self) -> bool {
        self.seen.values().any(|seen| seen.in_flight)
    }

    /// The wait before the next pass after a successful one: the interval while runs are in
    /// flight, the idle interval otherwise. A run seen in flight for the first time brings the
    /// interval back at the end of the pass that saw it.
    pub fn cadence(&self, interval: Duration) -> Duration {
        match self.idle_interval {
            Some(idle) if !self.runs_in_flight() => idle.max(interval),
            _ => interval,
        }
    }

    /// Polls until `shutdown` is cancelled: every `interval` while passes succeed, backing off
    /// (doubling, up to [`MAX_BACKOFF`]) while they fail, logging a failure once per streak.
    /// A request on `requests` runs a pass at once and gets its report. A pass in progress is
    /// dropped at shutdown: every step of it is written so that a stop anywhere is a crash the
    /// next start recovers from, so nothing waits for it.
    pub async fn run(
        mut self,
        interval: Duration,
        mut requests: mpsc::Receiver<PollRequest>,
        shutdown: CancellationToken,
    ) {
        let mut reply: Option<PollRequest> = None;
        self.parts.polls.watching();
        while !shutdown.is_cancelled() {
            self.pass_class = if reply.is_some() { Class::Person } else { Class::Polling };
            let outcome = tokio::select! {
                outcome = self.try_poll_once() => outcome,
                () = shutdown.cancelled() => break,
            };
            let delay = match &outcome {
                Ok(report) => {
                    let ended = self.parts.polls.succeeded();
                    if ended > 0 {
                        info!(failed_polls = ended, "polling Scenario works again");
                    }
                    debug!(?report, "poll done");
                    // Per-run failures (a full disk, a card Discord refused) do not fail the
                    // pass; they are logged when they change, like a failing pass once a streak.
                    if report.failures != self.last_failures {
                        if report.failures.is_empty() {
                            info!("the parts of the poll that failed work again");
                        } else {
                            warn!(failures = ?report.failures, "part of the poll failed; retried every pass");
                        }
                        self.last_failures.clone_from(&report.failures);
                    }
                    let every = self.cadence(interval);
                    self.parts.polls.cadence(every, self.runs_in_flight());
                    every
                }
                Err(err) => {
                    let failures = self.parts.polls.failed(err.to_string());
                    if failures == 1 {
                        warn!(error = %err, "poll failed; retrying with backoff, logged again once it recovers");
                    }
                    backoff(interval, failures)
                }
            };
            if let Some(reply) = reply.take() {
                let _ = reply.send(outcome.map_err(|err| err.to_string()));
            }
            let wake = self.clock.alarm(self.clock.now() + delay);
            tokio::select! {
                () = wake => {}
                request = requests.recv() => reply = request,
                () = shutdown.cancelled() => {}
            }
        }
    }
}

/// The wait after `failures` failed passes in a row: the interval doubled per failure, capped.
fn backoff(interval: Duration, failures: u32) -> Duration {
    interval.saturating_mul(1 << failures.min(16)).min(MAX_BACKOFF).max(interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_per_failure_up_to_the_cap() {
        let interval = Duration::from_secs(15);
        assert_eq!(backoff(interval, 1), Duration::from_secs(30));
        assert_eq!(backoff(interval, 2), Duration::from_secs(60));
        assert_eq!(backoff(interval, 10), MAX_BACKOFF);
        assert_eq!(
            backoff(Duration::from_secs(600), 3),
            Duration::from_secs(600),
            "never below the interval"
        );
    }
}
