//! Replies to a card that ping its reviewers: the reminders while a gate waits, and the one ping
//! when its deadline passes with nothing decided (see [`crate::approvals::policy`]).
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

/// Posts `text` as a reply to the card `message_id` in `channel`, mentioning `roles`.
pub async fn ping(
    http: &Http,
    channel: ChannelId,
    message_id: MessageId,
    roles: &[RoleId],
    text: &str,
) -> serenity::Result<Message> {
    let card = MessageReference::from((channel, message_id));
    let allowed = CreateAllowedMentions::new().roles(roles.iter().copied());
    let message =
        CreateMessage::new().content(content(roles, text)).reference_message(card).allowed_mentions(allowed);
    channel.send_message(http, message).await
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
