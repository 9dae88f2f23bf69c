//! `/approvals status`: the last successful poll, recent errors, open gates, the version.

use serenity::all::Context;

use crate::{
    bridge::Bridge,
    discord::{cards::cut, reply::Answerable},
};

/// Answers with the bridge's state, in a few lines.
pub async fn run(bridge: &Bridge, ctx: &Context, answer: &Answerable<'_>) -> anyhow::Result<()> {
    let open = bridge.store.open_approvals().await?.len();
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
    lines.push(format!("Open gates: {open}."));
    answer.say(ctx, cut(&lines.join("\n"), 2000)).await?;
    Ok(())
}
