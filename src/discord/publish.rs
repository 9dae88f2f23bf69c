//! Posting and editing review cards: the one place that writes cards to Discord.

use serenity::all::{ChannelId, MessageId};
use tracing::{info, instrument, warn};

use super::cards;
use crate::{bridge::Bridge, store::Approval};

/// Discord's JSON error codes the bridge acts on, https://discord.com/developers/docs/topics/opcodes-and-status-codes#json
const UNKNOWN_CHANNEL: isize = 10003;
const UNKNOWN_MESSAGE: isize = 10008;

/// What became of a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synced {
    /// A new card was posted (or Discord returned the one already posted with its nonce).
    Posted,
    /// The card was edited to show the approval's state.
    Updated,
    /// The card is gone (deleted by a person); the row now says so.
    Deleted,
    /// Nothing to do.
    Unchanged,
}

/// Brings the card of `approval` in line with its state: posts it when it has none yet, edits it
/// when it no longer shows the state.
#[instrument(skip_all, fields(approval_id = approval.id, job_id = %approval.job_id, node_id = %approval.node_id))]
pub async fn sync_card(bridge: &Bridge, approval: &Approval) -> Result<Synced, CardError> {
    if approval.card_deleted {
        return Ok(Synced::Unchanged);
    }
    let channel = ChannelId::new(approval.channel_id);
    match approval.message_id {
        None => {
            let message = channel.send_message(&bridge.discord, cards::new_card(approval)).await?;
            bridge.store.card_posted(approval.id, message.id.get(), approval.state).await?;
            bridge.metrics.card_posted();
            info!(message_id = message.id.get(), channel_id = approval.channel_id, "card posted");
            Ok(Synced::Posted)
        }
        Some(message_id) => {
            let edit = channel.edit_message(
                &bridge.discord,
                MessageId::new(message_id),
                cards::card_update(approval),
            );
            match edit.await {
                Ok(_) => {
                    bridge.store.card_updated(approval.id, approval.state).await?;
                    Ok(Synced::Updated)
                }
                Err(err) if is_gone(&err) => {
                    warn!(message_id, "the card was deleted; it will not be edited again");
                    bridge.store.card_deleted(approval.id).await?;
                    Ok(Synced::Deleted)
                }
                Err(err) => Err(err.into()),
            }
        }
    }
}

fn is_gone(err: &serenity::Error) -> bool {
    discord_error_code(err).is_some_and(|code| code == UNKNOWN_MESSAGE || code == UNKNOWN_CHANNEL)
}

/// The JSON error code of a Discord API error, if the error is one.
pub fn discord_error_code(err: &serenity::Error) -> Option<isize> {
    match err {
        serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(response)) => {
            Some(response.error.code)
        }
        _ => None,
    }
}

/// A card could not be written.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    /// Discord refused or did not answer.
    #[error("Discord: {0}")]
    Discord(#[from] serenity::Error),
    /// The outcome could not be stored.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}
