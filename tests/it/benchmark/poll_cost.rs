//! Poll cost: Scenario requests and bridge CPU per steady pass (nothing changing) with 10 to
//! 10 000 runs parked at a gate, their cards posted, through the real poll loop of the bridge
//! binary; once with the delta feed, once with the fake refusing `updatedAfter` so that every
//! pass is the full sweep (the full listing), side by side.

use std::time::Duration;

use super::{
    Scale,
    child::{Rig, pass_starts},
    footprint::seed_open,
    report::Row,
};
use crate::support::fake_scenario::{Endpoint, FlowTemplate};

/// The poll interval of these runs: the shortest the bridge accepts.
const INTERVAL_SECS: u64 = 2;
/// The statuses a sweep lists, one request each at least.
const SWEPT_STATUSES: usize = 5;
/// The first pass measured (from 1): after the start-up sweep, the delta passes read the runs
/// stamped within the overlap of the cursor again until it has stood still that long (every run
/// here is seeded at once, so all of them), and one more pass for the pass time.
fn first_measured() -> usize {
    let overlap = approval_bridge::feed::DELTA_OVERLAP.whole_seconds().unsigned_abs();
    2 + overlap.div_ceil(INTERVAL_SECS) as usize + 1
}

/// How the bridge reads Scenario in one measurement.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Delta passes between sweeps (the fake takes `updatedAfter`).
    Delta,
    /// Every pass a full sweep (the fake refuses `updatedAfter`).
    FullSweep,
}

/// What steady passes cost with `parked` runs parked.
struct Cost {
    parked: usize,
    passes: usize,
    list_pages: f64,
    other_requests: f64,
    cpu_ms: f64,
    /// The same from `/proc/<pid>/stat` (10 ms ticks, exited threads included), as a check.
    process_cpu_ms: f64,
    wall: Duration,
    /// Requests of the first pass (the start-up sweep).
    first_pass: usize,
}

/// The rows: one per size, and how a sweep's CPU grows.
pub async fn run(scale: &Scale) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut sweeps = Vec::new();
    for &parked in &scale.poll_sizes {
        let delta = measure(parked, scale.steady_passes, Mode::Delta).await;
        let sweep = measure(parked, scale.steady_passes, Mode::FullSweep).await;
        match (delta, sweep) {
            (Ok(delta), Ok(sweep)) => {
                rows.push(row(&delta, &sweep));
                sweeps.push(sweep);
            }
            (Err(why), _) | (_, Err(why)) => {
                rows.push(Row::failed(format!("Poll cost, {parked} parked runs"), why, ""));
            }
        }
    }
    rows.push(growth(&sweeps));
    rows
}

async fn measure(parked: usize, passes: usize, mode: Mode) -> Result<Cost, String> {
    let rig = Rig::new().await;
    let workflow = rig.scenario.add_workflow("Benchmark", FlowTemplate::single_gate());
    let jobs = rig.scenario.seed_runs(&workflow, parked, 1);
    // The gates are stored with their cards posted, as a bridge that found them earlier left
    // them: every pass measured is a steady one.
    seed_open(&rig.database_url(), &workflow, &jobs, rig.channel).await?;
    if mode == Mode::FullSweep {
        rig.scenario.refuse_updated_after(true);
    }
    let mut child = rig.spawn(INTERVAL_SECS);
    rig.wait_for_ready(&mut child).await;
    // Pass 1 is the start-up sweep; pass 2 the first delta (or the refused one and its sweep).
    let first = first_measured();
    let timeout = Duration::from_secs(60 + parked as u64 / 100);
    let started = rig.wait_for_pass(first, timeout * first as u32).await;
    started.ok_or_else(|| format!("pass {first} never started; log:\n{}", child.log_tail()))?;
    let (cpu_start, process_start) = (child.cpu_time(), child.process_cpu_time());
    rig.wait_for_pass(first + passes, timeout * passes as u32).await.ok_or("the passes did not run")?;
    let (cpu_end, process_end) = (child.cpu_time(), child.process_cpu_time());
    let log = rig.scenario.requests();
    let starts = pass_starts(&log);
    let (from, to) = (starts[first - 1], starts[first - 1 + passes]);
    let measured = &log[from..to];
    let list_pages = measured.iter().filter(|r| r.endpoint == Endpoint::ListJobs).count();
    let walls: Duration = (0..passes)
        .map(|p| {
            let pass = &log[starts[first - 1 + p]..starts[first + p]];
            let last_page = pass.iter().rev().find(|r| r.endpoint == Endpoint::ListJobs).expect("a page");
            last_page.at - pass[0].at
        })
        .sum();
    let per = |n: usize| n as f64 / passes as f64;
    Ok(Cost {
        parked,
        passes,
        list_pages: per(list_pages),
        other_requests: per(measured.len() - list_pages),
        cpu_ms: (cpu_end.saturating_sub(cpu_start)).as_secs_f64() * 1000.0 / passes as f64,
        process_cpu_ms: (process_end.saturating_sub(process_start)).as_secs_f64() * 1000.0 / passes as f64,
        wall: walls / passes as u32,
        first_pass: starts[1] - starts[0],
    })
}

fn row(delta: &Cost, sweep: &Cost) -> Row {
    let sweep_pages = (delta.parked.div_ceil(100) + SWEPT_STATUSES - 1) as f64;
    let delta_requests = delta.list_pages + delta.other_requests;
    let sweep_requests = sweep.list_pages + sweep.other_requests;
    let fewer = sweep_requests / delta_requests.max(f64::EPSILON);
    let measured = format!(
        "delta pass: {delta_requests:.0} request(s), CPU {:.2} ms (/proc stat {:.0} ms); full sweep (the full listing): \
         {sweep_requests:.0} requests ({:.0} list pages over {SWEPT_STATUSES} statuses, {:.0} other), CPU {:.2} ms \
         (/proc stat {:.0} ms), list wall time {:.0} ms; {fewer:.1}× fewer requests per delta pass; start-up sweep {} \
         requests; {} passes each",
        delta.cpu_ms,
        delta.process_cpu_ms,
        sweep.list_pages,
        sweep.other_requests,
        sweep.cpu_ms,
        sweep.process_cpu_ms,
        sweep.wall.as_secs_f64() * 1000.0,
        delta.first_pass,
        delta.passes,
    );
    let ratio_target = if delta.parked >= 10_000 { "; ≥ 50× fewer than the full listing" } else { "" };
    let met = delta_requests <= 2.0
        && sweep.list_pages == sweep_pages
        && sweep.other_requests == 0.0
        && delta.first_pass as f64 == sweep_pages
        && (delta.parked < 10_000 || fewer >= 50.0);
    Row::new(
        format!("Poll cost, {} parked runs", delta.parked),
        measured,
        format!(
            "≤ 2 requests per delta pass{ratio_target}; a sweep {sweep_pages:.0} list pages, 0 per-job requests"
        ),
        Some(met),
    )
}

/// Full-sweep CPU per 1 000 parked runs at the largest size against the size ten times smaller.
fn growth(costs: &[Cost]) -> Row {
    let figure = "Full sweep CPU growth (per 1 000 parked runs, largest size ÷ size ten times smaller)";
    let target = "≤ 1.25 (linear; 25 % for noise)";
    let (Some(big), Some(small)) =
        (costs.last(), costs.iter().rev().find(|c| costs.last().is_some_and(|b| b.parked == c.parked * 10)))
    else {
        return Row::new(figure, "not enough sizes", target, None);
    };
    let per = |c: &Cost| c.cpu_ms / c.parked as f64;
    let ratio = per(big) / per(small);
    let measured = format!("{ratio:.2} ({} runs vs {} runs)", big.parked, small.parked);
    Row::new(figure, measured, target, Some(ratio <= 1.25))
}
