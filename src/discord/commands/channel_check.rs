//! Whether the bot can post cards in a channel, asked of Discord with the bot's own client.
//!
//! A resolved channel in a command carries the permissions of the member who typed it, not the
//! bot's, so the bot's are computed by serenity as Discord does, from the guild (its owner has
//! every permission, its roles), the bot's roles and the channel's overwrites
//! (<https://discord.com/developers/docs/topics/permissions#permission-overwrites>).

use serenity::all::{Channel, ChannelId, ChannelType, GuildId, Http, Permissions};

use crate::discord::{
    publish::discord_error_code,
    reply::{Handled, refuse},
};

/// What a card needs in its channel.
pub const CARD_PERMISSIONS: Permissions = Permissions::VIEW_CHANNEL
    .union(Permissions::SEND_MESSAGES)
    .union(Permissions::EMBED_LINKS)
    .union(Permissions::READ_MESSAGE_HISTORY);

/// Whether cards can go to `kind` of channel: text and announcement channels.
pub fn takes_cards(kind: ChannelType) -> bool {
    matches!(kind, ChannelType::Text | ChannelType::News)
}

/// `Ok` when the bot can post cards in `channel_id`; else refused, saying what to fix.
pub async fn check_postable(http: &Http, guild_id: GuildId, channel_id: ChannelId) -> Handled<()> {
    const UNKNOWN_CHANNEL: isize = 10003;
    const MISSING_ACCESS: isize = 50001;
    let channel = match http.get_channel(channel_id).await {
        Ok(Channel::Guild(channel)) if channel.guild_id == guild_id => channel,
        Ok(_) => {
            return refuse(format!("<#{channel_id}> is not a channel of this server; nothing was saved."));
        }
        Err(err) if matches!(discord_error_code(&err), Some(UNKNOWN_CHANNEL | MISSING_ACCESS)) => {
            return refuse(format!(
                "approval-bridge cannot see <#{channel_id}>. Give its role View Channel there, or pick another channel; nothing was saved."
            ));
        }
        Err(err) => return Err(err.into()),
    };
    if !takes_cards(channel.kind) {
        return refuse(not_text(channel_id));
    }
    let bot = http.get_current_user().await?;
    let member = http.get_member(guild_id, bot.id).await?;
    let guild = http.get_guild(guild_id).await?;
    let granted = guild.user_permissions_in(&channel, &member);
    let missing = CARD_PERMISSIONS - granted;
    if missing.is_empty() {
        return Ok(());
    }
    refuse(format!(
        "approval-bridge cannot post cards in <#{channel_id}>: it lacks {} there. Give its role those permissions in that channel, or pick another channel; nothing was saved.",
        missing.get_permission_names().join(", ")
    ))
}

/// The sentence for a channel that cannot hold cards.
pub fn not_text(channel_id: ChannelId) -> String {
    format!("<#{channel_id}> is not a text channel. Pick a text channel for the cards; nothing was saved.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_text_and_announcement_channels_take_cards() {
        assert!(takes_cards(ChannelType::Text) && takes_cards(ChannelType::News));
        assert!(!takes_cards(ChannelType::Voice) && !takes_cards(ChannelType::Category));
        assert!(!takes_cards(ChannelType::Forum));
    }
}
