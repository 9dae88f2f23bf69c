//! Whether the bot can post cards in a channel, asked of Discord with the bot's own client.
//!
//! A resolved channel in a command carries the permissions of the member who typed it, not the
//! bot's, so the bot's are computed as Discord does: the @everyone role and the bot's roles,
//! then the channel's overwrites for @everyone, for those roles and for the bot itself
//! (<https://discord.com/developers/docs/topics/permissions#permission-overwrites>).

use serenity::all::{
    Channel, ChannelId, ChannelType, GuildId, Http, PermissionOverwrite, PermissionOverwriteType,
    Permissions, RoleId,
};

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
    let roles = http.get_guild_roles(guild_id).await?;
    let role_permissions: Vec<(RoleId, Permissions)> = roles.iter().map(|r| (r.id, r.permissions)).collect();
    let granted = permissions_in(
        guild_id,
        &role_permissions,
        &member.roles,
        bot.id.get(),
        &channel.permission_overwrites,
    );
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

/// A member's permissions in a channel: `roles` are the guild's roles with their permissions,
/// `member_roles` the member's, `overwrites` the channel's.
pub fn permissions_in(
    guild_id: GuildId,
    roles: &[(RoleId, Permissions)],
    member_roles: &[RoleId],
    member_id: u64,
    overwrites: &[PermissionOverwrite],
) -> Permissions {
    let everyone = RoleId::new(guild_id.get());
    let of = |id: RoleId| roles.iter().find(|(r, _)| *r == id).map_or(Permissions::empty(), |(_, p)| *p);
    let mut granted = member_roles.iter().fold(of(everyone), |acc, role| acc | of(*role));
    if granted.contains(Permissions::ADMINISTRATOR) {
        return Permissions::all();
    }
    let apply = |granted: Permissions, allow: Permissions, deny: Permissions| (granted - deny) | allow;
    for o in overwrites {
        if o.kind == PermissionOverwriteType::Role(everyone) {
            granted = apply(granted, o.allow, o.deny);
        }
    }
    let (mut allow, mut deny) = (Permissions::empty(), Permissions::empty());
    for o in overwrites {
        if let PermissionOverwriteType::Role(role) = o.kind {
            if role != everyone && member_roles.contains(&role) {
                allow |= o.allow;
                deny |= o.deny;
            }
        }
    }
    granted = apply(granted, allow, deny);
    for o in overwrites {
        if o.kind == PermissionOverwriteType::Member(member_id.into()) {
            granted = apply(granted, o.allow, o.deny);
        }
    }
    granted
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUILD: u64 = 100;
    const BOT_ROLE: u64 = 7;
    const BOT: u64 = 55;

    fn roles() -> Vec<(RoleId, Permissions)> {
        vec![(RoleId::new(GUILD), Permissions::VIEW_CHANNEL), (RoleId::new(BOT_ROLE), CARD_PERMISSIONS)]
    }

    fn overwrite(
        kind: PermissionOverwriteType,
        allow: Permissions,
        deny: Permissions,
    ) -> PermissionOverwrite {
        PermissionOverwrite { allow, deny, kind }
    }

    fn bot_in(overwrites: &[PermissionOverwrite]) -> Permissions {
        permissions_in(GuildId::new(GUILD), &roles(), &[RoleId::new(BOT_ROLE)], BOT, overwrites)
    }

    #[test]
    fn roles_add_up_and_overwrites_apply_everyone_then_roles_then_the_member() {
        assert!(bot_in(&[]).contains(CARD_PERMISSIONS));
        let everyone_denied = overwrite(
            PermissionOverwriteType::Role(RoleId::new(GUILD)),
            Permissions::empty(),
            Permissions::SEND_MESSAGES,
        );
        assert!(!bot_in(std::slice::from_ref(&everyone_denied)).contains(Permissions::SEND_MESSAGES));
        let role_allowed = overwrite(
            PermissionOverwriteType::Role(RoleId::new(BOT_ROLE)),
            Permissions::SEND_MESSAGES,
            Permissions::empty(),
        );
        assert!(
            bot_in(&[everyone_denied.clone(), role_allowed.clone()]).contains(Permissions::SEND_MESSAGES)
        );
        let member_denied = overwrite(
            PermissionOverwriteType::Member(BOT.into()),
            Permissions::empty(),
            Permissions::SEND_MESSAGES,
        );
        assert!(
            !bot_in(&[everyone_denied, role_allowed, member_denied]).contains(Permissions::SEND_MESSAGES)
        );
    }

    #[test]
    fn administrator_overrides_every_overwrite() {
        let roles = vec![
            (RoleId::new(GUILD), Permissions::empty()),
            (RoleId::new(BOT_ROLE), Permissions::ADMINISTRATOR),
        ];
        let denied =
            overwrite(PermissionOverwriteType::Member(BOT.into()), Permissions::empty(), Permissions::all());
        let granted = permissions_in(GuildId::new(GUILD), &roles, &[RoleId::new(BOT_ROLE)], BOT, &[denied]);
        assert_eq!(granted, Permissions::all());
    }

    #[test]
    fn only_text_and_announcement_channels_take_cards() {
        assert!(takes_cards(ChannelType::Text) && takes_cards(ChannelType::News));
        assert!(!takes_cards(ChannelType::Voice) && !takes_cards(ChannelType::Category));
        assert!(!takes_cards(ChannelType::Forum));
    }
}
