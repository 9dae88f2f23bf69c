//! Memory and start-up of the bridge binary: resident memory with many open gates tracked, and
//! the time from spawn to READY with a large database.

use std::time::{Duration, Instant};

use approval_bridge::{
    approvals::review::{ReviewSnapshot, ShownAsset, ShownPrompt},
    store::Store,
};
use sqlx::{Connection, SqliteConnection};

use super::{
    Scale,
    child::Rig,
    report::{Row, Samples, ms},
};
use crate::support::{
    fake_discord::RecordedRequest,
    fake_scenario::{Endpoint, FlowTemplate},
};

const MEMORY_TARGET_MIB: f64 = 64.0;
const START_TARGET: Duration = Duration::from_secs(1);

/// Resident memory once `gates` open gates (pending rows with cards, their runs parked in the
/// fake) have been through two passes.
pub async fn memory(scale: &Scale) -> Vec<Row> {
    let gates = scale.memory_gates;
    let figure = format!("Resident memory, {gates} open gates tracked (after 2 passes)");
    let target = format!("VmRSS < {MEMORY_TARGET_MIB:.0} MiB");
    match measure_memory(gates).await {
        Ok((rss, peak)) => {
            let mib = |kib: u64| kib as f64 / 1024.0;
            let measured = format!("VmRSS {:.1} MiB (peak VmHWM {:.1} MiB)", mib(rss), mib(peak));
            vec![Row::new(figure, measured, target, Some(mib(rss) < MEMORY_TARGET_MIB))]
        }
        Err(why) => vec![Row::failed(figure, why, target)],
    }
}

async fn measure_memory(gates: usize) -> Result<(u64, u64), String> {
    let rig = Rig::new().await;
    let workflow = rig.scenario.add_workflow("Benchmark", FlowTemplate::single_gate());
    let jobs = rig.scenario.seed_runs(&workflow, gates, 1);
    seed_open(&rig.database_url(), &workflow, &jobs, rig.channel).await?;
    let mut child = rig.spawn(2);
    rig.wait_for_ready(&mut child).await;
    let timeout = Duration::from_secs(120);
    rig.wait_for_pass(3, timeout)
        .await
        .ok_or_else(|| format!("two passes did not run; log:\n{}", child.log_tail()))?;
    let memory = child.memory_kib();
    // The start reads the default channel once, to check it is in the home server.
    let home_check = format!("/channels/{}", rig.channel);
    let is_card_call = |r: &&RecordedRequest| r.path.starts_with("/channels/") && r.path != home_check;
    let touched =
        rig.scenario.count(Endpoint::GetJob) + rig.discord.requests().iter().filter(is_card_call).count();
    if touched > 0 {
        return Err(format!("the seeded gates were not steady: {touched} run reads or card writes"));
    }
    Ok(memory)
}

/// Time from spawn to READY (and to the commands registered) with `rows` closed approvals and
/// their audit trail in the database, over a few starts.
pub async fn start_up(scale: &Scale) -> Vec<Row> {
    let rows = scale.start_rows;
    let figure = format!("Start-up to READY, {rows} rows in the database ({STARTS} starts)");
    let target = format!("< {} (every start)", ms(START_TARGET));
    match measure_start(rows).await {
        Ok((ready, registered)) => {
            let measured = format!("READY {}; commands registered {}", ready.summary(), registered.summary());
            vec![Row::new(figure, measured, target, Some(ready.max() < START_TARGET))]
        }
        Err(why) => vec![Row::failed(figure, why, target)],
    }
}

/// Starts measured; the first also pays for a cold page cache.
const STARTS: usize = 5;

async fn measure_start(rows: usize) -> Result<(Samples, Samples), String> {
    let rig = Rig::new().await;
    seed_history(&rig.database_url(), rows, rig.channel).await?;
    let (mut ready, mut registered) = (Vec::new(), Vec::new());
    for n in 1..=STARTS {
        let mut child = rig.spawn(15);
        let identified = rig.discord.wait_for_identifies(n, Duration::from_secs(30)).await;
        let ready_at = Instant::now();
        if !identified {
            return Err(format!("start {n} never got READY; log:\n{}", child.log_tail()));
        }
        let is_registration = |r: &RecordedRequest| r.method == "PUT" && r.path.ends_with("/commands");
        let registration = rig.discord.wait_for_requests(is_registration, n, Duration::from_secs(30)).await;
        let Some(registration) = registration else {
            return Err(format!("start {n} registered no commands; log:\n{}", child.log_tail()));
        };
        ready.push(ready_at - child.spawned_at);
        registered.push(registration[n - 1].at.saturating_duration_since(child.spawned_at));
    }
    Ok((Samples::new(ready), Samples::new(registered)))
}

/// Opens (creating, migrating) the database at `url` as the bridge would, then connects to it
/// directly: seeding goes around the store's API, which writes one row per transaction.
async fn connect(url: &str) -> Result<SqliteConnection, String> {
    let store = Store::connect(url).await.map_err(|e| e.to_string())?;
    store.close().await;
    SqliteConnection::connect(url).await.map_err(|e| e.to_string())
}

/// Writes a pending approval at gate `review` of each run of `jobs` (of `workflow`), its card
/// posted and current, with the audit entries the bridge would have written.
pub(super) async fn seed_open(
    url: &str,
    workflow: &str,
    jobs: &[String],
    channel: u64,
) -> Result<(), String> {
    let snapshot = serde_json::to_string(&snapshot()).map_err(|e| e.to_string())?;
    let mut db = connect(url).await?;
    let mut tx = db.begin().await.map_err(|e| e.to_string())?;
    for (n, job) in jobs.iter().enumerate() {
        let id = n as i64 + 1;
        sqlx::query(
            "INSERT INTO approvals (id, workflow_id, job_id, node_id, gate_json, found_at, channel_id, card_nonce,
                                    message_id, card_current)
             VALUES (?, ?, ?, 'review', ?, 1700000000000, ?, ?, ?, 1)",
        )
        .bind(id)
        .bind(workflow)
        .bind(job)
        .bind(&snapshot)
        .bind(channel as i64)
        .bind(format!("nonce{id:015}"))
        .bind(1_000_000_000_i64 + id)
        .execute(&mut *tx)
        .await
        .map_err(|e| e.to_string())?;
    }
    audit(&mut tx, &["gate_found", "card_posted"]).await?;
    tx.commit().await.map_err(|e| e.to_string())?;
    db.close().await.map_err(|e| e.to_string())
}

/// Writes `rows` approved approvals of runs long gone, as a bridge accumulates over months.
async fn seed_history(url: &str, rows: usize, channel: u64) -> Result<(), String> {
    let snapshot = serde_json::to_string(&snapshot()).map_err(|e| e.to_string())?;
    let mut db = connect(url).await?;
    let mut tx = db.begin().await.map_err(|e| e.to_string())?;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO approvals (id, workflow_id, job_id, node_id, state, gate_json, found_at, channel_id,
                                card_nonce, message_id, card_current, decision, decided_by, decided_by_name,
                                decided_at)
         SELECT i, 'wflow_history', 'job_history_' || i, 'review', 'approved', ?, 1700000000000, ?,
                'nonce' || i, 1000000000 + i, 1, 'approve', 42, 'ana', 1700000100000
         FROM n",
    )
    .bind(rows as i64)
    .bind(&snapshot)
    .bind(channel as i64)
    .execute(&mut *tx)
    .await
    .map_err(|e| e.to_string())?;
    audit(&mut tx, &["gate_found", "card_posted", "claimed", "decided"]).await?;
    tx.commit().await.map_err(|e| e.to_string())?;
    db.close().await.map_err(|e| e.to_string())
}

/// One audit entry per approval and action.
async fn audit(tx: &mut SqliteConnection, actions: &[&str]) -> Result<(), String> {
    for action in actions {
        sqlx::query("INSERT INTO audit (approval_id, at, action) SELECT id, found_at, ? FROM approvals")
            .bind(action)
            .execute(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// What a card of the single-gate flow shows: one image, one prompt.
fn snapshot() -> ReviewSnapshot {
    ReviewSnapshot {
        workflow_name: "Benchmark".into(),
        run_started_at: Some(1_700_000_000),
        iteration: None,
        assets: vec![ShownAsset {
            asset_id: "asset_benchmark_0001".into(),
            url: "https://cdn.cloud.scenario.com/assets/asset_benchmark_0001.png?Expires=1&Signature=x"
                .into(),
            kind: Some("image".into()),
            node_id: "gen".into(),
        }],
        prompts: vec![ShownPrompt {
            node_id: "gen".into(),
            label: "Prompt".into(),
            value: "a lighthouse at dusk".into(),
        }],
        selection: None,
        started_by: None,
    }
}
