//! Benchmarks: the real bridge against the fakes, one markdown table of figures and targets.
//!
//! Not part of `cargo test` (the test is `#[ignore]`d; timings are no pass/fail in the suite).
//! Run it, in release mode, with:
//!
//! ```text
//! cargo test --release --test it benchmark -- --ignored --nocapture --test-threads=1
//! ```
//!
//! Every figure comes from one run, as ratios and percentiles, since machines are noisy.
//! `BENCH_ONLY=poll,discovery,decision,burst,memory,start,previews,budget,idle,events` runs some parts; `BENCH_QUICK=1`
//! uses small sizes (for working on the benchmark itself); `BENCH_RUST_LOG` sets the child's
//! `RUST_LOG`; glibc's `MALLOC_*` variables pass through to it. The bridge runs as a child process (the binary) except for the burst, which
//! needs serenity's ratelimiter and so a reqwest client handed in (see [`burst`]).

mod budget;
mod burst;
mod child;
mod decision;
mod discovery;
mod events;
mod footprint;
mod idle;
mod poll_cost;
mod previews;
mod report;

use std::time::Instant;

/// Sizes of one run.
pub struct Scale {
    /// In-progress runs per poll-cost measurement.
    pub poll_sizes: Vec<usize>,
    /// Steady-state passes measured per size.
    pub steady_passes: usize,
    /// Gates parked for discovery latency.
    pub discovery_samples: usize,
    /// Clicks per mode (sequential, concurrent), each on its own card.
    pub decision_clicks: usize,
    /// Gates appearing at once in the burst.
    pub burst_gates: usize,
    /// Gates of the burst whose channels come in a shuffled order.
    pub burst_shuffled_gates: usize,
    /// Channels the burst's cards are spread over.
    pub burst_channels: usize,
    /// Open gates tracked while memory is measured.
    pub memory_gates: usize,
    /// Rows in the database at start-up.
    pub start_rows: usize,
    /// Cards posted per preview measurement (1 and 10 images).
    pub preview_cards: usize,
    /// Cards of 10 images each in the preview burst.
    pub preview_burst_cards: usize,
    /// Parked runs swept under the request budget.
    pub budget_runs: usize,
    /// Decisions sent meanwhile.
    pub budget_clicks: usize,
    /// Full size clicks meanwhile.
    pub budget_full_size: usize,
    /// Runs parking one after another in the simulated hours of polling by activity.
    pub idle_parking_samples: usize,
    /// Gates whose events are delivered after an outage of the receiver.
    pub event_gates: usize,
}

impl Scale {
    /// The sizes the targets are stated for.
    fn full() -> Self {
        Self {
            poll_sizes: vec![10, 100, 1_000, 10_000],
            steady_passes: 3,
            discovery_samples: 30,
            decision_clicks: 1_000,
            burst_gates: 1_000,
            burst_shuffled_gates: 200,
            burst_channels: 10,
            memory_gates: 10_000,
            start_rows: 100_000,
            preview_cards: 20,
            preview_burst_cards: 100,
            budget_runs: 1_000,
            budget_clicks: 200,
            budget_full_size: 50,
            idle_parking_samples: 100,
            event_gates: 1_000,
        }
    }

    /// Small sizes, for working on the benchmark.
    fn quick() -> Self {
        Self {
            poll_sizes: vec![10, 100, 1_000],
            steady_passes: 2,
            discovery_samples: 5,
            decision_clicks: 100,
            burst_gates: 100,
            burst_shuffled_gates: 100,
            burst_channels: 10,
            memory_gates: 1_000,
            start_rows: 10_000,
            preview_cards: 3,
            preview_burst_cards: 10,
            budget_runs: 100,
            budget_clicks: 40,
            budget_full_size: 10,
            idle_parking_samples: 10,
            event_gates: 100,
        }
    }
}

fn wanted(part: &str) -> bool {
    match std::env::var("BENCH_ONLY") {
        Ok(only) => only.split(',').any(|p| p.trim() == part),
        Err(_) => true,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark, not a test: run it with the command in docs/benchmarks.md"]
async fn benchmark() {
    let scale = if std::env::var_os("BENCH_QUICK").is_some() { Scale::quick() } else { Scale::full() };
    let started = Instant::now();
    let mut rows = Vec::new();
    for part in
        ["poll", "discovery", "decision", "burst", "memory", "start", "previews", "budget", "idle", "events"]
    {
        if !wanted(part) {
            continue;
        }
        let part_started = Instant::now();
        let part_rows = match part {
            "poll" => poll_cost::run(&scale).await,
            "discovery" => discovery::run(&scale).await,
            "decision" => decision::run(&scale).await,
            "burst" => burst::run(&scale).await,
            "memory" => footprint::memory(&scale).await,
            "previews" => previews::run(&scale).await,
            "budget" => budget::run(&scale).await,
            "idle" => idle::run(&scale).await,
            "events" => events::run(&scale).await,
            _ => footprint::start_up(&scale).await,
        };
        eprintln!("benchmark part {part} took {:.0?}", part_started.elapsed());
        eprint!("{}", report::markdown(&part_rows));
        rows.extend(part_rows);
    }
    println!("\n{}", report::markdown(&rows));
    println!(
        "Measured on {} CPU(s), load average {}, in {:.0?}.",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        started.elapsed()
    );
}
