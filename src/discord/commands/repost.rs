//! `/approvals repost job:<id>`: posts again the card of a gate whose card a person deleted.
//!
//! The row gets a fresh nonce: Discord de-duplicates a nonce for a few minutes and would answer
//! the old one with the deleted message instead of posting a card.

use serenity::all::{ChannelId, GuildId, MessageId};
use tracing::{info, warn};

use super::args::{Args, Caller};
use crate::{
    approvals::ids::JobId,
    cards::{
        publish::{Synced, sync_card},
        render::cut,
    },
    discord::bridge::Bridge,
    discord::{
        refusal::{Missing, Refusal},
        reply::{Answerable, Handled, refuse},
    },
};

/// Reposts the deleted cards of a run's open gates.
pub async fn run(
    bridge: &Bridge,
    answer: &Answerable<'_>,
    caller: &Caller,
    guild_id: GuildId,
    args: Args<'_>,
) -> Handled<()> {
    let Some(job) = args.string("job") else {
        return refuse(Refusal::Missing(Missing::Run));
    };
    answer.defer().await?;
    let job_id = JobId::new(job);
    let approvals = bridge.store.approvals_of_job(&job_id).await?;
    let open: Vec<_> = approvals.iter().filter(|a| !a.state.is_final()).collect();
    let text = if approvals.is_empty() {
        format!(
            "approval-bridge has no gate of run `{}`. `/approvals pending` lists the open ones.",
            cut(job, 100)
        )
    } else if open.is_empty() {
        "Every gate of that run is decided or closed: there is no card to post again.".to_owned()
    } else if !open.iter().any(|a| a.card_deleted) {
        let links: Vec<String> =
            open.iter().filter_map(|a| Some(link(guild_id, a.channel_id, a.message_id?))).collect();
        format!("The card of that run was not deleted: {}", links.join(" "))
    } else {
        let mut posted = Vec::new();
        for approval in open.iter().filter(|a| a.card_deleted) {
            let channel =
                bridge.routes.route_for(&approval.workflow_id).map_or(approval.channel_id, |r| r.channel_id);
            let Some(fresh) = bridge.store.repost_card(approval.id, channel, &caller.who).await? else {
                continue;
            };
            info!(
                approval_id = fresh.id.get(),
                channel_id = channel.get(),
                by = caller.who.id.get(),
                "card reposted"
            );
            match sync_card(&bridge.cards, &fresh).await {
                Ok(Synced::Posted) => {
                    let now = bridge.store.approval(fresh.id).await?;
                    if let Some(message) = now.and_then(|a| a.message_id) {
                        posted.push(link(guild_id, channel, message));
                    }
                }
                Ok(_) => {}
                Err(err) => {
                    warn!(approval_id = fresh.id.get(), error = %err, "reposted card not posted yet; the watcher retries");
                    return Ok(answer.finish(format!("Discord refused the card in <#{channel}> ({}); the watcher tries again at each poll.", cut(&err.to_string(), 200)))
                        .await?);
                }
            }
        }
        format!("Card posted again: {}", posted.join(" "))
    };
    answer.finish(cut(&text, 2000)).await?;
    Ok(())
}

fn link(guild_id: GuildId, channel_id: ChannelId, message_id: MessageId) -> String {
    format!("https://discord.com/channels/{guild_id}/{channel_id}/{message_id}")
}
