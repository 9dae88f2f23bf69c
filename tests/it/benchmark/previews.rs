//! Card previews: time and bytes uploaded per card with 1 and with 10 images of a few MiB, and
//! the bridge's peak resident memory in a burst of cards with 10 images each.

use std::sync::Arc;
use std::time::Duration;

use super::{Scale, child::Rig, report::Row};
use crate::support::{
    fake_discord::RecordedRequest,
    fake_scenario::{Endpoint, FlowTemplate, NodeSpec},
    images,
};

const RSS_TARGET_MIB: f64 = 128.0;
/// Size of each original.
const ORIGINAL_MIB: f64 = 4.0;
/// Distinct originals, shared among the assets (making a thousand costs the benchmark, not the
/// bridge, and a file served twice costs the bridge as much as two files).
const DISTINCT_FILES: usize = 10;

/// The rows: per-card figures for 1 and 10 images, then the burst's peak memory.
pub async fn run(scale: &Scale) -> Vec<Row> {
    let files: Vec<Arc<Vec<u8>>> =
        (0..DISTINCT_FILES).map(|n| images::png_of_mib(ORIGINAL_MIB, n as u64)).collect();
    let mut rows = Vec::new();
    for images in [1, 10] {
        let cards = scale.preview_cards;
        let figure = format!("Previews: card with {images} × {ORIGINAL_MIB:.0} MiB PNG ({cards} cards)");
        let target = "within the 10 MiB upload budget; no target on time";
        rows.push(match measure(&files, cards, images).await {
            Ok(m) => {
                let measured = format!(
                    "{:.0} ms per card (pass start → last card ÷ cards); {:.0} KiB uploaded per card (max {:.0} KiB); peak VmHWM {:.1} MiB",
                    m.per_card.as_secs_f64() * 1e3,
                    m.mean_bytes / 1024.0,
                    m.max_bytes as f64 / 1024.0,
                    m.peak_kib as f64 / 1024.0,
                );
                Row::new(figure, measured, target, Some(m.max_bytes <= 10 * 1024 * 1024))
            }
            Err(why) => Row::failed(figure, why, target),
        });
    }
    let cards = scale.preview_burst_cards;
    let figure =
        format!("Previews: burst of {cards} cards × 10 images ({ORIGINAL_MIB:.0} MiB PNGs), peak memory");
    let target = format!("VmHWM < {RSS_TARGET_MIB:.0} MiB");
    rows.push(match measure(&files, cards, 10).await {
        Ok(m) => {
            let peak = m.peak_kib as f64 / 1024.0;
            let measured = format!(
                "peak VmHWM {peak:.1} MiB; {:.1} s for all cards ({:.0} ms per card)",
                m.elapsed.as_secs_f64(),
                m.per_card.as_secs_f64() * 1e3
            );
            Row::new(figure, measured, target, Some(peak < RSS_TARGET_MIB))
        }
        Err(why) => Row::failed(figure, why, target),
    });
    rows
}

struct Measured {
    elapsed: Duration,
    per_card: Duration,
    mean_bytes: f64,
    max_bytes: usize,
    peak_kib: u64,
}

/// Parks `cards` runs whose node made `images` images each, starts the bridge, and measures
/// its first pass, which posts every card.
async fn measure(files: &[Arc<Vec<u8>>], cards: usize, images: usize) -> Result<Measured, String> {
    let rig = Rig::new().await;
    let template = FlowTemplate::new()
        .node(NodeSpec::producer("gen").with_prompt("benchmark").with_assets(images))
        .node(NodeSpec::gate("review").after(&["gen"]));
    let workflow = rig.scenario.add_workflow("Previews", template);
    let mut n = 0;
    for _ in 0..cards {
        let job = rig.scenario.start_parked_run(&workflow);
        for asset in rig.scenario.node_assets(&job, "gen") {
            rig.scenario.set_asset_file(&asset, "image/png", files[n % files.len()].clone());
            n += 1;
        }
    }
    let mut child = rig.spawn(3600);
    rig.wait_for_ready(&mut child).await;
    if !rig.wait_for_cards(cards, Duration::from_secs(600)).await {
        return Err(format!("the cards were not all posted; log:\n{}", child.log_tail()));
    }
    let (_, peak_kib) = child.memory_kib();
    let path = format!("/channels/{}/messages", rig.channel);
    let posts: Vec<RecordedRequest> =
        rig.discord.requests().into_iter().filter(|r| r.method == "POST" && r.path == path).collect();
    let attached: usize = posts.iter().map(|p| p.files.len()).sum();
    if attached != cards * images || posts.iter().any(RecordedRequest::is_rejected) {
        return Err(format!(
            "{attached} previews attached of {}; log:\n{}",
            cards * images,
            child.log_tail()
        ));
    }
    let start = rig.scenario.requests_to(Endpoint::ListJobs).first().map(|r| r.at).ok_or("no pass")?;
    let last = posts.iter().map(|p| p.at).max().ok_or("no card")?;
    let elapsed = last.saturating_duration_since(start);
    let bytes: Vec<usize> = posts.iter().map(|p| p.files.iter().map(|f| f.size).sum()).collect();
    Ok(Measured {
        elapsed,
        per_card: elapsed / cards as u32,
        mean_bytes: bytes.iter().sum::<usize>() as f64 / cards as f64,
        max_bytes: bytes.iter().copied().max().unwrap_or(0),
        peak_kib,
    })
}
