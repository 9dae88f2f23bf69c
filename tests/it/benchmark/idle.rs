//! Polling by activity, over simulated hours: the real poll loop (`Watcher::run`) and its request
//! budget at the defaults, in-process against the fakes, on a clock moved by hand. Whenever
//! everything waits for the clock (the loop between passes, a page waiting for the budget), the
//! clock jumps to the earliest time waited for, or to the next scripted event; meanwhile it
//! stands still, so a pass's own work is added from real time.
//!
//! - **An idle hour**: runs parked at their gates (cards posted), nothing in flight: Scenario
//!   requests a minute at the idle cadence, and at a fixed `POLL_INTERVAL_SECS` for comparison.
//! - **Runs parking**: runs start one after another; once the loop has seen one in flight, it
//!   parks at its gate at a random moment, and the time until the pass that finds it has ended
//!   is measured (the wait on the clock, plus the real time since the park).

use std::time::{Duration, Instant};

use approval_bridge::{
    approvals::ids::{JobId, NodeId},
    config::{DEFAULT_FULL_SWEEP_SECS, DEFAULT_POLL_IDLE_INTERVAL_SECS, DEFAULT_POLL_INTERVAL_SECS},
    monotonic::MonotonicClock,
    scenario::BudgetSettings,
};
use tokio_util::sync::CancellationToken;

use super::{
    Scale,
    report::{Row, Samples, ms},
};
use crate::support::{
    fake_scenario::{Endpoint, FakeScenario, FlowTemplate},
    wait::checking_every,
    watcher::WatcherRig,
};

const INTERVAL: Duration = Duration::from_secs(DEFAULT_POLL_INTERVAL_SECS);
const IDLE: Duration = Duration::from_secs(DEFAULT_POLL_IDLE_INTERVAL_SECS);
const HOUR: Duration = Duration::from_secs(3600);
/// Runs parked at their gates through the idle hour.
const PARKED: usize = 20;
/// The longest real time the loop may take to be waiting for the clock again.
const STUCK: Duration = Duration::from_secs(60);

/// A poll loop running over the rig, and the fakes it talks to.
struct Sim {
    scenario: FakeScenario,
    rig: WatcherRig,
    shutdown: CancellationToken,
    workflow: String,
}

impl Sim {
    /// The loop at the default settings (`idle`: with the idle cadence, else one cadence), over
    /// `PARKED` runs parked at their gates, once the start-up pass is over and its cards posted.
    async fn start(idle: bool) -> Self {
        let scenario = FakeScenario::start().await;
        let workflow = scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
        for _ in 0..PARKED {
            scenario.start_parked_run(&workflow);
        }
        let budget =
            BudgetSettings::per_minute(approval_bridge::config::DEFAULT_SCENARIO_REQUESTS_PER_MINUTE);
        let mut rig = WatcherRig::new(&scenario, Some(budget)).await;
        let mut watcher = rig.watcher(Duration::from_secs(DEFAULT_FULL_SWEEP_SECS));
        if idle {
            watcher = watcher.with_idle_interval(IDLE);
        }
        let shutdown = CancellationToken::new();
        tokio::spawn(watcher.run(INTERVAL, rig.poll_requests(), shutdown.clone()));
        let sim = Self { scenario, rig, shutdown, workflow };
        // Carding the parked runs takes the start-up pass a while in the budget.
        sim.until_a_pass_ended(|_| true).await;
        sim
    }

    /// Runs the loop until a pass ends after which `cadence` holds of the wait it set, and its
    /// next wait begins.
    async fn until_a_pass_ended(&self, cadence: impl Fn((Duration, bool)) -> bool) {
        loop {
            let next = self.settle().await;
            if self.rig.services.polls().status().cadence.is_some_and(&cadence) {
                return;
            }
            self.rig.clock.advance_to(next);
        }
    }

    /// Waits until everything waits for a later time of the clock (an alarm already rung means
    /// its waiter is about to run); returns that time.
    async fn settle(&self) -> Duration {
        let clock = &self.rig.clock;
        let next = checking_every(Duration::from_millis(1), STUCK, async || {
            clock.next_alarm().filter(|at| *at > clock.now())
        });
        next.await.expect("the poll loop waits for the clock again")
    }

    /// Runs the loop until the clock reads `until`.
    async fn run_until(&self, until: Duration) {
        while self.rig.clock.now() < until {
            let next = self.settle().await;
            self.rig.clock.advance_to(next.min(until));
        }
    }

    /// Scenario API requests so far (not the CDN's downloads).
    fn api_requests(&self) -> usize {
        self.scenario.requests().iter().filter(|r| r.endpoint != Endpoint::Cdn).count()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Scenario requests a minute through one hour after the start-up pass.
async fn idle_hour(idle: bool) -> f64 {
    let sim = Sim::start(idle).await;
    let (from, at) = (sim.api_requests(), sim.rig.clock.now());
    sim.run_until(at + HOUR).await;
    (sim.api_requests() - from) as f64 / 60.0
}

/// What the runs parking one after another cost and how soon their gates were found.
struct Parking {
    found_after: Samples,
    per_minute: f64,
    simulated: Duration,
}

async fn parking(samples: usize) -> Parking {
    let sim = Sim::start(true).await;
    let clock = &sim.rig.clock;
    let (from, started) = (sim.api_requests(), clock.now());
    let mut found_after = Vec::with_capacity(samples);
    for _ in 0..samples {
        // A quiet spell, then a run starts; the loop sees it in flight at its next pass.
        sim.run_until(clock.now() + Duration::from_millis(fastrand::u64(..60_000))).await;
        let run = sim.scenario.start_run(&sim.workflow);
        sim.until_a_pass_ended(|(_, in_flight)| in_flight).await;
        // It parks at a random moment of the in-flight cadence.
        sim.run_until(clock.now() + Duration::from_millis(fastrand::u64(..2 * INTERVAL.as_millis() as u64)))
            .await;
        sim.scenario.settle_run(&run);
        let (parked_at, parked_real) = (clock.now(), Instant::now());
        let gate = (JobId::from(run.as_str()), NodeId::from("review"));
        loop {
            let next = sim.settle().await;
            let found =
                sim.rig.services.store().approval_by_gate(&gate.0, &gate.1).await.expect("the store reads");
            if found.is_some() {
                found_after.push(clock.now() - parked_at + parked_real.elapsed());
                break;
            }
            clock.advance_to(next);
        }
    }
    let simulated = clock.now() - started;
    let per_minute = (sim.api_requests() - from) as f64 / (simulated.as_secs_f64() / 60.0);
    Parking { found_after: Samples::new(found_after), per_minute, simulated }
}

/// The rows.
pub async fn run(scale: &Scale) -> Vec<Row> {
    let idle = idle_hour(true).await;
    let fixed = idle_hour(false).await;
    let parked = parking(scale.idle_parking_samples).await;
    let bound = INTERVAL + Duration::from_millis(50);
    let defaults = format!(
        "defaults: POLL_INTERVAL_SECS {}, POLL_IDLE_INTERVAL_SECS {}, FULL_SWEEP_SECS {}, SCENARIO_REQUESTS_PER_MINUTE {}",
        INTERVAL.as_secs(),
        IDLE.as_secs(),
        DEFAULT_FULL_SWEEP_SECS,
        approval_bridge::config::DEFAULT_SCENARIO_REQUESTS_PER_MINUTE
    );
    vec![
        Row::new(
            format!("Idle hour ({defaults}; {PARKED} runs parked, none in flight; simulated clock)"),
            format!(
                "{idle:.2} requests a minute; at a fixed {} s cadence {fixed:.2}; {:.2}× fewer",
                INTERVAL.as_secs(),
                fixed / idle
            ),
            "≤ a third of the fixed cadence's",
            Some(idle * 3.0 <= fixed),
        ),
        Row::new(
            format!(
                "Gate parking in a run seen in flight, the loop idle otherwise ({} runs one after another over {:.0} simulated minutes): park → the pass that found it ended",
                parked.found_after.len(),
                parked.simulated.as_secs_f64() / 60.0
            ),
            format!("{}; {:.2} requests a minute", parked.found_after.summary(), parked.per_minute),
            format!("p99 ≤ {} (POLL_INTERVAL_SECS + 50 ms)", ms(bound)),
            Some(parked.found_after.percentile(99.0) <= bound),
        ),
    ]
}
