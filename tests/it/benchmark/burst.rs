//! Burst: many gates at once, their cards spread over several channels, posted through
//! serenity's own ratelimiter against a fake Discord that enforces Discord's limits (5 messages
//! per 5 s per channel, 50 requests per second). The time to post them all is compared with the
//! least time those limits allow.
//!
//! In process: serenity's ratelimiter only ever calls `https://discord.com`, so the bridge gets
//! serenity's client on a reqwest client that resolves `discord.com` to the fake's TLS listener
//! ([`approval_bridge::discord::client::http_with`]). Routes per workflow are not in the bridge
//! yet, so the gates are stored through the store's API with their channels, as routing would;
//! the watcher's pass then posts every card. Each channel gets the same number of cards, in turn
//! (the order the bridge posts best) or shuffled (gates of many workflows arriving as they come).
//! Scenario's request budget is off here: with it, the cards' reads of fresh asset URLs are
//! paced by the budget, not by Discord.

use std::sync::Arc;
use std::time::{Duration, Instant};

use approval_bridge::{
    app,
    approvals::{detect::Flow, review::ReviewSnapshot},
    config::Settings,
    discord, guild,
    scenario::{JobQuery, ScenarioClient},
    store::{NewApproval, Store},
    watcher::Watcher,
};
use serenity::all::ChannelId;

use super::{
    Scale,
    report::{Row, secs},
};
use crate::support::{
    fake_discord::{FakeDiscord, FakeDiscordConfig, RateLimits},
    fake_scenario::{API_KEY, API_SECRET, FakeScenario, FlowTemplate},
};

/// In which order the gates' channels come.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    /// Channel after channel, in turn.
    InTurn,
    /// The same cards per channel, in a shuffled (seeded) order.
    Shuffled,
}

/// The rows: the cards in turn over the channels, and shuffled.
pub async fn run(scale: &Scale) -> Vec<Row> {
    let mut rows = Vec::new();
    let channels = scale.burst_channels;
    for (gates, order) in [(scale.burst_gates, Order::InTurn), (scale.burst_shuffled_gates, Order::Shuffled)]
    {
        let how = if order == Order::InTurn { "in turn" } else { "in shuffled order" };
        let figure = format!(
            "Burst: {gates} gates at once, {channels} channels {how}, serenity's ratelimiter in the path"
        );
        let target = "no 429; ≤ 1.10 × the least time the limits allow".to_owned();
        rows.push(match measure(gates, channels, order).await {
            Ok(row) => Row { figure, target, ..row },
            Err(why) => Row::failed(figure, why, target),
        });
    }
    rows
}

async fn measure(gates: usize, channel_count: usize, order: Order) -> Result<Row, String> {
    let limits = RateLimits::discord();
    let config = FakeDiscordConfig { rate_limits: Some(limits), ..FakeDiscordConfig::default() };
    let discord = FakeDiscord::start_with(config).await;
    let tls = discord.serve_tls().await;
    let scenario = FakeScenario::start().await;
    let channels: Vec<u64> =
        (0..channel_count).map(|i| discord.add_text_channel(&format!("cards-{i}"))).collect();
    let workflow = scenario.add_workflow("Burst", FlowTemplate::single_gate());
    scenario.seed_runs(&workflow, gates, 1);
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let settings = settings(&discord, &scenario, channels[0], &dir);
    let store = Store::connect(&settings.database_url).await.map_err(|e| e.to_string())?;
    let client =
        ScenarioClient::new(app::scenario_settings(&settings.scenario)).map_err(|e| e.to_string())?;
    let http = Arc::new(discord::client::http_with(tls.client(), &settings.discord));
    let home = guild::home::resolve(&http, &settings.discord).await.map_err(|e| e.to_string())?;
    let (services, _requests) = app::Services::build(store, client, http, &settings.discord, home);
    store_gates(&services.bridge(), &channels, order).await?;
    // The start's requests (the home server's checks) must not share the burst's first window
    // of the global limit: in production they come well before any burst of cards.
    tokio::time::sleep(limits.global_window).await;

    let started = Instant::now();
    let report = Watcher::new(services.watcher()).try_poll_once().await.map_err(|e| e.to_string())?;
    let pass = started.elapsed();
    let posts: Vec<_> = discord
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.starts_with("/channels/") && r.path.ends_with("/messages"))
        .collect();
    let refused = posts.iter().filter(|r| r.status == 429).count();
    let accepted: Vec<_> = posts.iter().filter(|r| r.status == 200).collect();
    if report.cards_posted != gates || accepted.len() != gates {
        return Err(format!("{} of {gates} cards posted: {:?}", accepted.len(), report.failures.first()));
    }
    let span = accepted.last().map(|r| r.at).zip(accepted.first().map(|r| r.at));
    let span = span.map(|(last, first)| last - first).unwrap_or_default();
    let bound = least_time(gates, channel_count, &limits);
    let ratio = span.as_secs_f64() / bound.as_secs_f64().max(f64::EPSILON);
    let measured = format!(
        "{} from first to last card (bound {}, ratio {ratio:.3}); whole pass {}; {refused} × 429",
        secs(span),
        secs(bound),
        secs(pass)
    );
    Ok(Row::new("", measured, "", Some(refused == 0 && ratio <= 1.10)))
}

/// The least time from the first card to the last that the limits allow, the cards spread evenly:
/// a channel's `n` cards take `ceil(n / limit) - 1` whole windows after its first, and all
/// `gates` take `ceil(gates / global) - 1` global windows.
fn least_time(gates: usize, channels: usize, limits: &RateLimits) -> Duration {
    let per_channel = gates.div_ceil(channels);
    let route_windows = per_channel.div_ceil(limits.route_limit as usize).saturating_sub(1);
    let global_windows = gates.div_ceil(limits.global_limit as usize).saturating_sub(1);
    (limits.route_window * route_windows as u32).max(limits.global_window * global_windows as u32)
}

/// Stores every gate awaiting a decision, as routes would place them: as many per channel, the
/// channels in turn or shuffled.
async fn store_gates(
    bridge: &approval_bridge::discord::bridge::Bridge,
    channels: &[u64],
    order: Order,
) -> Result<(), String> {
    let listing =
        bridge.scenario.list_jobs(&JobQuery::in_progress_workflow_runs()).await.map_err(|e| e.to_string())?;
    let gates: Vec<_> = listing.jobs.iter().flat_map(|job| Flow::new(job).gates_awaiting()).collect();
    let mut placed: Vec<u64> = (0..gates.len()).map(|n| channels[n % channels.len()]).collect();
    if order == Order::Shuffled {
        fastrand::Rng::with_seed(8).shuffle(&mut placed);
    }
    for (gate, channel_id) in gates.into_iter().zip(placed) {
        let new = NewApproval {
            workflow_id: gate.workflow_id.clone(),
            job_id: gate.job_id.clone(),
            node_id: gate.node_id.clone(),
            snapshot: ReviewSnapshot::new(&gate, "Burst".to_owned(), (None, None), &[]),
            channel_id: ChannelId::new(channel_id),
        };
        bridge.store.insert_approval(&new).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn settings(
    discord: &FakeDiscord,
    scenario: &FakeScenario,
    channel: u64,
    dir: &tempfile::TempDir,
) -> Settings {
    let env = std::collections::HashMap::from([
        ("DISCORD_TOKEN", discord.bot_token().to_owned()),
        ("APPROVAL_CHANNEL_ID", channel.to_string()),
        ("SCENARIO_SDK_API_KEY", API_KEY.to_owned()),
        ("SCENARIO_SDK_API_SECRET", API_SECRET.to_owned()),
        ("SCENARIO_BASE_URL", scenario.base_url().to_string()),
        ("PREVIEW_HOSTS", scenario.cdn_origin()),
        ("DATABASE_URL", format!("sqlite://{}", dir.path().join("bridge.db").display())),
        // Each new gate's card reads fresh asset URLs from Scenario, within the request budget,
        // which then paces the burst; off, Discord's limits are the bound this figure measures.
        // The budget's own figures are in `budget`.
        ("SCENARIO_REQUESTS_PER_MINUTE", "0".to_owned()),
    ]);
    Settings::from_lookup(|name| env.get(name).cloned()).expect("valid settings")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_is_the_slower_of_the_channel_and_global_limits() {
        let limits = RateLimits::discord();
        assert_eq!(least_time(1000, 10, &limits), Duration::from_secs(95));
        assert_eq!(least_time(50, 10, &limits), Duration::ZERO);
        assert_eq!(least_time(1000, 200, &limits), Duration::from_secs(19));
    }
}
