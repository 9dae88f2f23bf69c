//! Poll cost: Scenario requests and bridge CPU per pass in steady state (nothing changing), with
//! 10 to 10 000 in-progress runs, 1 % of them parked at a gate, through the real poll loop of
//! the bridge binary.

use std::time::Duration;

use super::{Scale, child::Rig, report::Row};
use crate::support::fake_scenario::{Endpoint, FlowTemplate};

/// The poll interval of these runs: the shortest the bridge accepts.
const INTERVAL_SECS: u64 = 2;

/// What steady-state passes cost with `runs` runs.
struct Cost {
    runs: usize,
    passes: usize,
    list_pages: f64,
    other_requests: f64,
    cpu_ms: f64,
    process_cpu_ms: f64,
    wall: Duration,
}

/// The rows: one per size, and how CPU grows.
pub async fn run(scale: &Scale) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut costs = Vec::new();
    for &runs in &scale.poll_sizes {
        match measure(runs, scale.steady_passes).await {
            Ok(cost) => {
                rows.push(row(&cost));
                costs.push(cost);
            }
            Err(why) => rows.push(Row::failed(format!("Poll cost, {runs} runs"), why, "")),
        }
    }
    rows.push(growth(&costs));
    rows
}

async fn measure(runs: usize, passes: usize) -> Result<Cost, String> {
    let rig = Rig::new().await;
    let workflow = rig.scenario.add_workflow("Benchmark", FlowTemplate::single_gate());
    rig.scenario.seed_runs(&workflow, runs, 100);
    let parked = runs.div_ceil(100);
    let mut child = rig.spawn(INTERVAL_SECS);
    rig.wait_for_ready(&mut child).await;
    // Pass 1 finds the gates and posts their cards; from pass 2 on nothing changes.
    if !rig.wait_for_cards(parked, Duration::from_secs(120)).await {
        return Err(format!("{parked} cards were not posted; log:\n{}", child.log_tail()));
    }
    let timeout = Duration::from_secs(60 + runs as u64 / 100);
    rig.wait_for_pass(2, timeout).await.ok_or("pass 2 never started")?;
    let (cpu_start, process_start) = (child.cpu_time(), child.process_cpu_time());
    rig.wait_for_pass(2 + passes, timeout * passes as u32).await.ok_or("the passes did not run")?;
    let (cpu_end, process_end) = (child.cpu_time(), child.process_cpu_time());
    let log = rig.scenario.requests();
    // The requests of the measured passes: from the first page of pass 2 (included) to the first
    // page of the pass after them (excluded).
    let starts: Vec<usize> = log
        .iter()
        .enumerate()
        .filter(|(_, r)| r.endpoint == Endpoint::ListJobs && r.param("paginationToken").is_none())
        .map(|(i, _)| i)
        .collect();
    let (from, to) = (starts[1], starts[1 + passes]);
    let measured = &log[from..to];
    let list_pages = measured.iter().filter(|r| r.endpoint == Endpoint::ListJobs).count();
    let walls: Duration = (0..passes)
        .map(|p| {
            let pass = &log[starts[1 + p]..starts[2 + p]];
            let last_page = pass.iter().rev().find(|r| r.endpoint == Endpoint::ListJobs).expect("a page");
            last_page.at - pass[0].at
        })
        .sum();
    let per = |n: usize| n as f64 / passes as f64;
    Ok(Cost {
        runs,
        passes,
        list_pages: per(list_pages),
        other_requests: per(measured.len() - list_pages),
        cpu_ms: (cpu_end.saturating_sub(cpu_start)).as_secs_f64() * 1000.0 / passes as f64,
        process_cpu_ms: (process_end.saturating_sub(process_start)).as_secs_f64() * 1000.0 / passes as f64,
        wall: walls / passes as u32,
    })
}

fn row(cost: &Cost) -> Row {
    let pages = cost.runs.div_ceil(100) as f64;
    let per_1000 = cost.cpu_ms * 1000.0 / cost.runs as f64;
    let measured = format!(
        "{:.0} requests/pass ({:.0} list pages, {:.0} other); CPU {:.2} ms/pass ({:.2} ms per 1 000 runs; \
         /proc stat {:.0} ms); list wall time {:.0} ms; {} passes",
        cost.list_pages + cost.other_requests,
        cost.list_pages,
        cost.other_requests,
        cost.cpu_ms,
        per_1000,
        cost.process_cpu_ms,
        cost.wall.as_secs_f64() * 1000.0,
        cost.passes,
    );
    let met = cost.list_pages == pages && cost.other_requests == 0.0;
    Row::new(
        format!("Poll cost, {} runs (1 % parked)", cost.runs),
        measured,
        format!("{pages:.0} list pages (100 per page), 0 per-job requests"),
        Some(met),
    )
}

/// CPU per 1 000 runs at the largest size against the size ten times smaller.
fn growth(costs: &[Cost]) -> Row {
    let figure = "Poll CPU growth (per 1 000 runs, largest size ÷ size ten times smaller)";
    let target = "≤ 1.25 (linear; 25 % for noise)";
    let (Some(big), Some(small)) =
        (costs.last(), costs.iter().rev().find(|c| costs.last().is_some_and(|b| b.runs == c.runs * 10)))
    else {
        return Row::new(figure, "not enough sizes", target, None);
    };
    let per = |c: &Cost| c.cpu_ms / c.runs as f64;
    let ratio = per(big) / per(small);
    let measured = format!("{ratio:.2} ({} runs vs {} runs)", big.runs, small.runs);
    Row::new(figure, measured, target, Some(ratio <= 1.25))
}
