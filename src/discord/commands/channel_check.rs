//! Whether the bot can post cards in a channel, asked of Discord with the bot's own client
//! (see [`crate::guild::permissions`] for what it needs and how its permissions are computed).

use serenity::all::{ChannelId, ChannelType, GuildId, Http};

use crate::{
    discord::{
        refusal::Refusal,
        reply::{Handled, refuse},
    },
    guild::permissions::{BotMember, ChannelLookup},
};

/// Whether cards can go to `kind` of channel: text and announcement channels.
pub fn takes_cards(kind: ChannelType) -> bool {
    matches!(kind, ChannelType::Text | ChannelType::News)
}

/// `Ok` when the bot can post cards in `channel_id`; else refused, saying what to fix.
pub async fn check_postable(http: &Http, guild_id: GuildId, channel_id: ChannelId) -> Handled<()> {
    let bot = BotMember::load(http, guild_id).await?;
    let lacking = match bot.lacking_in(http, channel_id).await {
        Ok(lacking) => lacking,
        Err(ChannelLookup::Elsewhere) => {
            return refuse(Refusal::ChannelElsewhere(channel_id));
        }
        Err(ChannelLookup::Discord(err)) => return Err(err.into()),
    };
    if lacking.kind.is_some_and(|kind| !takes_cards(kind)) {
        return refuse(Refusal::NotText(channel_id));
    }
    match lacking.required_line(&format!("<#{channel_id}>"), bot.role_name()) {
        None => Ok(()),
        Some(line) => refuse(Refusal::CannotPost { line }),
    }
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
