//! Discovery latency: from a gate parking in the fake Scenario to its card's POST arriving at the
//! fake Discord, through the real poll loop of the bridge binary at its default interval (delta
//! passes: the run that parks is in the next pass's feed).

use std::time::Duration;

use super::{
    Scale,
    child::Rig,
    report::{Row, Samples, ms},
};
use crate::support::fake_scenario::FlowTemplate;

/// The poll interval: the bridge's default.
const INTERVAL: Duration = Duration::from_secs(approval_bridge::config::DEFAULT_POLL_INTERVAL_SECS);
/// In-progress runs besides the ones that park, so that a pass has some work.
const BACKGROUND_RUNS: usize = 100;

/// The row.
pub async fn run(scale: &Scale) -> Vec<Row> {
    let figure =
        format!("Discovery latency (poll every {} s, {BACKGROUND_RUNS} other runs)", INTERVAL.as_secs());
    let target = format!("p99 ≤ {} (one interval + 50 ms)", ms(INTERVAL + Duration::from_millis(50)));
    match measure(scale.discovery_samples).await {
        Ok(samples) => {
            let met = samples.percentile(99.0) <= INTERVAL + Duration::from_millis(50);
            vec![Row::new(figure, samples.summary(), target, Some(met))]
        }
        Err(why) => vec![Row::failed(figure, why, target)],
    }
}

async fn measure(count: usize) -> Result<Samples, String> {
    let rig = Rig::new().await;
    let workflow = rig.scenario.add_workflow("Benchmark", FlowTemplate::single_gate());
    rig.scenario.seed_runs(&workflow, BACKGROUND_RUNS, 0);
    let mut child = rig.spawn(INTERVAL.as_secs());
    rig.wait_for_ready(&mut child).await;
    rig.wait_for_pass(2, Duration::from_secs(30)).await.ok_or("the poll loop did not run")?;
    let path = format!("/channels/{}/messages", rig.channel);
    let mut samples = Vec::with_capacity(count);
    for n in 1..=count {
        // A random phase against the poll loop, so that the samples cover the whole interval.
        tokio::time::sleep(Duration::from_millis(fastrand::u64(..INTERVAL.as_millis() as u64))).await;
        let parked_at = std::time::Instant::now();
        rig.scenario.start_parked_run(&workflow);
        let posts = rig.discord.wait_for_requests(|r| r.method == "POST" && r.path == path, n, INTERVAL * 10);
        let Some(posts) = posts.await else {
            return Err(format!("card {n} was not posted; log:\n{}", child.log_tail()));
        };
        samples.push(posts[n - 1].at.saturating_duration_since(parked_at));
    }
    Ok(Samples::new(samples))
}
