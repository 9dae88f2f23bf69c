//! `/approvals pending`: the gates waiting for a decision, oldest first, with links to their cards.

use serenity::all::Context;

use crate::{
    bridge::Bridge,
    discord::{cards::cut, reply::Answerable},
};

/// Lines shown in one answer; the rest are counted.
const PAGE: usize = 15;

/// Answers with the open gates.
pub async fn run(
    bridge: &Bridge,
    ctx: &Context,
    answer: &Answerable<'_>,
    guild_id: u64,
) -> anyhow::Result<()> {
    let open = bridge.store.open_approvals().await?;
    if open.is_empty() {
        answer.say(ctx, "No gate is waiting for a decision.").await?;
        return Ok(());
    }
    let mut lines: Vec<String> = open
        .iter()
        .take(PAGE)
        .map(|a| {
            let card = match a.message_id {
                Some(m) => format!("https://discord.com/channels/{guild_id}/{}/{m}", a.channel_id),
                None => "card not posted yet".to_owned(),
            };
            format!(
                "• {} · `{}` · waiting <t:{}:R> · {card}",
                a.snapshot.workflow_name,
                a.job_id,
                a.found_at / 1000
            )
        })
        .collect();
    if open.len() > PAGE {
        lines.push(format!("…and {} more.", open.len() - PAGE));
    }
    answer.say(ctx, cut(&lines.join("\n"), 2000)).await?;
    Ok(())
}
