//! Writing a card with its previews attached: the post uploads them, an edit keeps what the
//! message has and adds what was fetched. Nothing here downloads: the previews were fetched
//! before the card's turn ([`super::previews::Previews::fetch`]).

use serenity::{
    all::{Message, MessageId},
    http::{Http, HttpError},
};
use tracing::{info, warn};

use super::{
    previews::{CardPreviews, Fetched, NotShown, Previews},
    render as cards,
};
use crate::{guild::api_error::is_refusal, store::Approval};

/// Discord's "Request entity too large", <https://discord.com/developers/docs/topics/opcodes-and-status-codes#json>
const TOO_LARGE: isize = 40005;

/// Posts the card of `approval` with the previews `fetched` for it.
pub async fn post_card(
    http: &Http,
    previews: &Previews,
    approval: &Approval,
    fetched: Fetched,
) -> serenity::Result<Message> {
    let channel = approval.channel_id;
    let card = previews.assemble(&approval.snapshot, &[], fetched);
    let send = |card: CardPreviews| {
        let message = cards::new_card(approval, &card.views).add_files(card.upload);
        channel.send_message(http, message)
    };
    let bytes = card.upload_bytes();
    let message = send_or_shrink(card, send).await?;
    info!(uploaded = bytes, attachments = message.attachments.len(), "card posted with its previews");
    Ok(message)
}

/// Edits the posted card of `approval`: its previews are kept by id (never uploaded again) and
/// the ones `fetched` since (failed before, or a card from before previews) are added.
pub async fn edit_card(
    http: &Http,
    previews: &Previews,
    approval: &Approval,
    message_id: MessageId,
    fetched: Fetched,
) -> serenity::Result<Message> {
    let channel = approval.channel_id;
    let current = channel.message(http, message_id).await?;
    let had = !current.attachments.is_empty();
    let card = previews.assemble(&approval.snapshot, &current.attachments, fetched);
    let edit = |mut card: CardPreviews| {
        let mut edit = cards::card_update(approval, &card.views);
        if let Some(attachments) = card.edit_attachments(had) {
            edit = edit.attachments(attachments);
        }
        channel.edit_message(http, message_id, edit)
    };
    send_or_shrink(card, edit).await
}

/// Sends `card`; when Discord refuses its uploads, as too large (a server whose limit is below
/// the budget) or for want of Attach Files in the channel, sends it again without them, so the
/// card is written all the same. A refusal of the message itself (no Send Messages) is left to
/// the caller.
async fn send_or_shrink<F, Fut>(card: CardPreviews, send: F) -> serenity::Result<Message>
where
    F: Fn(CardPreviews) -> Fut,
    Fut: Future<Output = serenity::Result<Message>>,
{
    if card.upload.is_empty() {
        return send(card).await;
    }
    // Made before `send` consumes the files.
    let (too_large, refused) =
        (card.without_uploads(NotShown::OverDiscordLimit), card.without_uploads(NotShown::AttachFilesDenied));
    match send(card).await {
        Err(err) if is_too_large(&err) => {
            warn!(error = %err, "Discord refused the previews as too large; the card is sent without them");
            send(too_large).await
        }
        Err(err) if is_refusal(&err) => {
            warn!(error = %err, "Discord refused the previews (Attach Files?); the card is sent without them");
            send(refused).await
        }
        other => other,
    }
}

fn is_too_large(err: &serenity::Error) -> bool {
    match err {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => {
            response.status_code.as_u16() == 413 || response.error.code == TOO_LARGE
        }
        _ => false,
    }
}
