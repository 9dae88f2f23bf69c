//! Pings about a card: the reminders while a gate waits, the one ping when its deadline passes
//! with nothing decided, the escalation (see [`crate::approvals::policy`]). They go to the card's
//! thread when it has one (see `cards::threads`), else, or when the thread takes nothing, they
//! are replies to the card in its channel.
//!
//! A reply mentions the route's reviewer roles and, through `allowed_mentions`, can ping nobody
//! else, whatever the text holds; with no reviewer role (members with Manage Server decide) it
//! pings nobody. <https://discord.com/developers/docs/resources/message#allowed-mentions-object>

use serenity::{
    all::{
        ChannelId, CreateAllowedMentions, CreateMessage, Mentionable, Message, MessageId, MessageReference,
        RoleId,
    },
    http::Http,
};
use tracing::warn;

/// Posts `text`, mentioning `roles`, in `thread` (the card's, while open), or as a reply to the
/// card `message_id` in `channel`: when there is no thread, or it refused the message (a
/// permission taken away, the thread archived by hand).
pub async fn ping(
    http: &Http,
    (channel, message_id): (ChannelId, MessageId),
    thread: Option<ChannelId>,
    roles: &[RoleId],
    text: &str,
) -> serenity::Result<Message> {
    let allowed = CreateAllowedMentions::new().roles(roles.iter().copied());
    let message = CreateMessage::new().content(content(roles, text)).allowed_mentions(allowed);
    if let Some(thread) = thread {
        match thread.send_message(http, message.clone()).await {
            Ok(sent) => return Ok(sent),
            Err(err) => {
                warn!(thread_id = thread.get(), error = %err, "the card's thread took no ping; it is a reply")
            }
        }
    }
    let card = MessageReference::from((channel, message_id));
    channel.send_message(http, message.reference_message(card)).await
}

/// Whether Discord refused a reply because the card it answers is gone (deleted by a person).
pub fn card_gone(err: &serenity::Error) -> bool {
    match err {
        serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(response)) => {
            response.error.errors.iter().any(|e| e.code == "MESSAGE_REFERENCE_UNKNOWN_MESSAGE")
        }
        _ => false,
    }
}

/// The reply's text: the roles' mentions, then `text`.
fn content(roles: &[RoleId], text: &str) -> String {
    let mut mentions: Vec<String> = roles.iter().map(|r| r.mention().to_string()).collect();
    mentions.push(text.to_owned());
    mentions.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reminder_names_the_roles_first() {
        let roles = [RoleId::new(5), RoleId::new(6)];
        assert_eq!(content(&roles, "Still waiting."), "<@&5> <@&6> Still waiting.");
        assert_eq!(content(&[], "Still waiting."), "Still waiting.");
    }
}
