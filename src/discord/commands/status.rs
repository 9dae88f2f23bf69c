//! `/approvals status`: the last successful poll, recent errors, open gates, routes, the version.

use serenity::all::Context;

use crate::{
    bridge::Bridge,
    discord::{cards::cut, reply::Answerable},
};

/// Answers with the bridge's state, in a few lines.
pub async fn run(bridge: &Bridge, ctx: &Context, answer: &Answerable<'_>) -> anyhow::Result<()> {
    let open = bridge.store.open_approvals().await?;
    let polls = bridge.poll_status();
    let mut lines = vec![format!("**approval-bridge {}**", env!("CARGO_PKG_VERSION"))];
    lines.push(match polls.last_success_ms {
        Some(ms) => format!("Last successful poll: <t:{}:R>.", ms / 1000),
        None => "No successful poll yet.".to_owned(),
    });
    if polls.failing_streak > 0 {
        lines.push(format!("The last {} polls failed.", polls.failing_streak));
    }
    for (at, error) in polls.recent_errors.iter().rev().take(3) {
        lines.push(format!("• <t:{}:R> {}", at / 1000, cut(error, 300)));
    }
    let deleted = open.iter().filter(|a| a.card_deleted).count();
    let mut gates = format!("Open gates: {}.", open.len());
    if deleted > 0 {
        gates.push_str(&format!(" {deleted} of their cards were deleted (`/approvals repost`)."));
    }
    lines.push(gates);
    let routes = bridge.routes().len();
    lines.push(match bridge.default_channel() {
        Some(channel) => format!("Routes: {routes}; other workflows go to <#{channel}>."),
        None => format!("Routes: {routes}; other workflows are not posted (no APPROVAL_CHANNEL_ID)."),
    });
    answer.say(ctx, cut(&lines.join("\n"), 2000)).await?;
    Ok(())
}
