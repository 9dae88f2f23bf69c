//! Card previews: time and bytes uploaded per card with 1 and with 10 images of a few MiB, the
//! bridge's peak resident memory in a burst of cards with 10 images each, and the time to post a
//! card when one card of the pass has an image whose host never answers.

use std::sync::Arc;
use std::time::Duration;

use super::{
    Scale,
    child::{Child, Rig},
    report::{Row, Samples, ms},
};
use crate::support::{
    fake_discord::RecordedRequest,
    fake_scenario::{Endpoint, FlowTemplate, NodeSpec},
    images,
    listener::Silent,
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
    rows.push(slow_image_row(&files, scale.preview_cards * 2).await);
    rows
}

/// p99 of pass start → card posted, with and without one card whose image never answers.
async fn slow_image_row(files: &[Arc<Vec<u8>>], cards: usize) -> Row {
    let figure = format!(
        "Previews: one image host that never answers among {cards} cards, p99 pass start → card posted"
    );
    let target = "the other cards' p99 ≤ 1.2 × without it";
    let (Ok(without), Ok(with)) =
        (post_times(files, cards, false).await, post_times(files, cards, true).await)
    else {
        return Row::failed(figure, "the cards were not all posted", target);
    };
    let (base, slow) = (without.percentile(99.0), with.percentile(99.0));
    let ratio = slow.as_secs_f64() / base.as_secs_f64().max(1e-9);
    let measured = format!("without {}; with {} (the stuck card excluded): {ratio:.2}×", ms(base), ms(slow));
    Row::new(figure, measured, target, Some(ratio <= 1.2))
}

/// The times from the pass's start to each card's post, leaving out the first card when
/// `stuck`, whose one image is on a host that accepts the connection and never answers.
async fn post_times(files: &[Arc<Vec<u8>>], cards: usize, stuck: bool) -> Result<Samples, String> {
    let rig = Rig::new().await;
    let silent = Silent::start("127.0.0.1").await;
    let template = FlowTemplate::new()
        .node(NodeSpec::producer("gen").with_prompt("benchmark").with_assets(1))
        .node(NodeSpec::gate("review").after(&["gen"]));
    let workflow = rig.scenario.add_workflow("Slow image", template);
    let mut jobs = Vec::new();
    for n in 0..cards {
        let job = rig.scenario.start_parked_run(&workflow);
        let asset = rig.scenario.node_assets(&job, "gen").remove(0);
        rig.scenario.set_asset_file(&asset, "image/png", files[n % files.len()].clone());
        if stuck && n == 0 {
            rig.scenario.set_asset_url(&asset, &format!("http://127.0.0.1:{}/never.png", silent.port()));
        }
        jobs.push(job);
    }
    let mut env = rig.env(3600);
    let listed = format!("{},http://127.0.0.1:{}", env["PREVIEW_HOSTS"], silent.port());
    env.insert("PREVIEW_HOSTS", listed);
    let mut child = Child::spawn(&env, rig.dir.path());
    rig.wait_for_ready(&mut child).await;
    if !rig.wait_for_cards(cards, Duration::from_secs(600)).await {
        return Err(format!("the cards were not all posted; log:\n{}", child.log_tail()));
    }
    let start = rig.scenario.requests_to(Endpoint::ListJobs).first().map(|r| r.at).ok_or("no pass")?;
    let path = format!("/channels/{}/messages", rig.channel);
    let posts: Vec<RecordedRequest> =
        rig.discord.requests().into_iter().filter(|r| r.method == "POST" && r.path == path).collect();
    let skipped = if stuck { Some(&jobs[0]) } else { None };
    let times = posts
        .iter()
        .filter(|p| {
            let footer = p.body.as_ref().map(crate::support::card_view::footer).unwrap_or_default();
            skipped.is_none_or(|job| !footer.contains(job.as_str()))
        })
        .map(|p| p.at.saturating_duration_since(start))
        .collect();
    Ok(Samples::new(times))
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
