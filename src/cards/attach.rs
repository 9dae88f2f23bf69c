//! Writing a card with its previews attached: the post uploads them, an edit keeps what the
//! message has and adds what was fetched. Nothing here downloads: the previews were fetched
//! before the card's turn ([`super::previews::Previews::fetch`]).

use serde_json::{Value, json};
use serenity::{
    all::{EditAttachments, EditMessage, Message, MessageId},
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

/// A card posted: its message, and whether it was drawn in full (`false` when the message went
/// out but the edit that draws it failed: the card is to be edited again).
pub struct Posted {
    /// The message.
    pub message: Message,
    /// Whether the message shows the card.
    pub drawn: bool,
}

// DESIGN: serenity 0.12 names the file parts of a request (`files[n]`, which a message's
// `attachments` and `attachment://` point at) only inside its own builders; a body of our own
// with several files would send them all as `files[0]`. So files go up through serenity's
// builders (a placeholder message on a post, an edit of the attachments on an edit), and the
// card's layout, which names them, follows in an edit of our own. A card with at most one new
// file (`files[0]`, named right) is one request.

/// Posts the card of `approval` with the previews `fetched` for it.
pub async fn post_card(
    http: &Http,
    previews: &Previews,
    approval: &Approval,
    fetched: Fetched,
) -> serenity::Result<Posted> {
    let channel = approval.channel_id;
    let card = previews.assemble(&approval.snapshot, &[], fetched);
    let send = |card: CardPreviews| async move {
        if card.upload.len() <= 1 {
            let mut body = cards::new_card(approval, &card.views);
            if let Some(attachments) = card.attachments(false) {
                body["attachments"] = attachments;
            }
            return Ok((http.send_message(channel, card.upload, &body).await?, None));
        }
        let placeholder = cards::placeholder(approval).add_files(card.upload);
        Ok((channel.send_message(http, placeholder).await?, Some(card.views)))
    };
    let bytes = card.upload_bytes();
    let (message, to_draw) = send_or_shrink(card, send).await?;
    info!(uploaded = bytes, attachments = message.attachments.len(), "card posted with its previews");
    let Some(views) = to_draw else { return Ok(Posted { message, drawn: true }) };
    let mut body = cards::card_update(approval, &views);
    body["attachments"] = keep_all(&message);
    match http.edit_message(channel, message.id, &body, Vec::new()).await {
        Ok(message) => Ok(Posted { message, drawn: true }),
        Err(err) => {
            warn!(error = %err, "the card's previews are posted; drawing the card failed and is tried again");
            Ok(Posted { message, drawn: false })
        }
    }
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
    let edit = |card: CardPreviews| async move {
        let mut body = cards::card_update(approval, &card.views);
        if card.upload.len() > 1 {
            let kept = card.keep.iter().fold(EditAttachments::new(), |all, id| all.keep(*id));
            let attachments = card.upload.into_iter().fold(kept, EditAttachments::add);
            let uploaded =
                channel.edit_message(http, message_id, EditMessage::new().attachments(attachments)).await?;
            body["attachments"] = keep_all(&uploaded);
            return http.edit_message(channel, message_id, &body, Vec::new()).await;
        }
        if let Some(attachments) = card.attachments(had) {
            body["attachments"] = attachments;
        }
        http.edit_message(channel, message_id, &body, card.upload).await
    };
    send_or_shrink(card, edit).await
}

/// The `attachments` of an edit that keeps every attachment `message` has.
fn keep_all(message: &Message) -> Value {
    message.attachments.iter().map(|a| json!({ "id": a.id.to_string() })).collect()
}

/// Sends `card`; when Discord refuses its uploads, as too large (a server whose limit is below
/// the budget) or for want of Attach Files in the channel, sends it again without them, so the
/// card is written all the same. A refusal of the message itself (no Send Messages) is left to
/// the caller.
async fn send_or_shrink<T, F, Fut>(card: CardPreviews, send: F) -> serenity::Result<T>
where
    F: Fn(CardPreviews) -> Fut,
    Fut: Future<Output = serenity::Result<T>>,
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
