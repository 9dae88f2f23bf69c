//! What the bot needs in a channel, in one list. The README's invite (names and integer), the
//! `/approvals watch` check, `approval-bridge check` and `/approvals status` all derive from it.
//!
//! The bot's effective permissions in a channel are computed by serenity as Discord does, from
//! the guild (its owner has every permission), `@everyone`, the bot's roles and the channel's
//! overwrites (<https://discord.com/developers/docs/topics/permissions#permission-overwrites>).
//! A resolved channel in a command carries the permissions of the member who typed it, not the
//! bot's, so they are asked of Discord with the bot's own client.

use serenity::all::{
    Channel, ChannelId, ChannelType, GuildChannel, GuildId, Http, Member, PartialGuild, Permissions,
};

use super::api_error::is_unseen;

/// One permission the bot asks for, and what fails without it.
#[derive(Debug)]
pub struct Need {
    /// The permission.
    pub permission: Permissions,
    /// What fails without it, in words for an admin.
    pub without: &'static str,
    /// `None` when every card needs it; else what only needs it, for an optional permission.
    pub only_for: Option<&'static str>,
}

/// Everything the bot asks for, required first.
pub const NEEDS: &[Need] = &[
    Need {
        permission: Permissions::VIEW_CHANNEL,
        without: "the bot cannot see the channel, so no card can be posted",
        only_for: None,
    },
    Need { permission: Permissions::SEND_MESSAGES, without: "no card can be posted", only_for: None },
    Need {
        permission: Permissions::EMBED_LINKS,
        without: "cards cannot show their prompt, tally and images",
        only_for: None,
    },
    Need {
        permission: Permissions::ATTACH_FILES,
        without: "previews cannot be posted (cards go out without their images)",
        only_for: None,
    },
    Need {
        permission: Permissions::READ_MESSAGE_HISTORY,
        without: "reminders cannot reply to their card, and a card posted before a crash cannot be found",
        only_for: None,
    },
    Need {
        permission: Permissions::MENTION_EVERYONE,
        without: "reminders ping only reviewer roles that allow anyone to mention them",
        only_for: Some("reminders that ping a reviewer role not set as mentionable"),
    },
    Need {
        permission: Permissions::CREATE_PUBLIC_THREADS,
        without: "cards start no thread, and their pings are replies in the channel",
        only_for: Some("threads"),
    },
    Need {
        permission: Permissions::SEND_MESSAGES_IN_THREADS,
        without: "nothing is said in a card's thread: its pings are replies in the channel",
        only_for: Some("threads"),
    },
];

/// The permissions every card needs.
pub fn required() -> Permissions {
    NEEDS.iter().filter(|n| n.only_for.is_none()).fold(Permissions::empty(), |all, n| all | n.permission)
}

/// The required permissions and the optional ones: the invite that lets every feature work.
pub fn with_optional() -> Permissions {
    NEEDS.iter().fold(Permissions::empty(), |all, n| all | n.permission)
}

/// The name Discord's client shows for `permission` (one bit), e.g. "Attach Files".
pub fn name(permission: Permissions) -> &'static str {
    permission.get_permission_names().first().copied().unwrap_or("an unnamed permission")
}

/// What the bot lacks in one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lacking {
    /// The channel.
    pub channel: ChannelId,
    /// Its name, when the bot could read it.
    pub name: Option<String>,
    /// Its type, when the bot could read it.
    pub kind: Option<ChannelType>,
    /// Required permissions missing there, in [`NEEDS`] order.
    pub required: Vec<Permissions>,
    /// Optional permissions missing there.
    pub optional: Vec<Permissions>,
}

impl Lacking {
    /// What the bot lacks in `channel` when it holds `granted` there. Without View Channel
    /// nothing else counts, so only that is named.
    pub fn of(channel: ChannelId, granted: Permissions) -> Self {
        if !granted.contains(Permissions::VIEW_CHANNEL) {
            return Self {
                channel,
                name: None,
                kind: None,
                required: vec![Permissions::VIEW_CHANNEL],
                optional: Vec::new(),
            };
        }
        let missing = |optional: bool| {
            NEEDS
                .iter()
                .filter(|n| n.only_for.is_some() == optional && !granted.contains(n.permission))
                .map(|n| n.permission)
                .collect()
        };
        Self { channel, name: None, kind: None, required: missing(false), optional: missing(true) }
    }

    /// The channel as a terminal shows it: `#name`, or its id when the bot cannot read it.
    pub fn label(&self) -> String {
        self.name.as_ref().map_or_else(|| format!("channel {}", self.channel), |name| format!("#{name}"))
    }

    /// Everything missing when the bot cannot even see the channel.
    pub fn hidden(channel: ChannelId) -> Self {
        Self::of(channel, Permissions::empty())
    }

    /// Whether cards can be posted in full there.
    pub fn is_ok(&self) -> bool {
        self.required.is_empty()
    }

    /// Whether the bot may post a plain message there (without files).
    pub fn can_post(&self) -> bool {
        !self.required.iter().any(|p| *p == Permissions::VIEW_CHANNEL || *p == Permissions::SEND_MESSAGES)
    }

    /// The line an admin can act on, e.g. "#art-review: missing Attach Files — previews cannot
    /// be posted; grant it to the approval-bridge role or the channel", with the channel named
    /// as `place` (`<#id>` in Discord, its name in a terminal). `None` when nothing required is
    /// missing. `role` is the bot's role as the admin sees it.
    pub fn required_line(&self, place: &str, role: &str) -> Option<String> {
        line(place, &self.required, role)
    }

    /// The same line for the optional permissions missing.
    pub fn optional_line(&self, place: &str, role: &str) -> Option<String> {
        line(place, &self.optional, role).map(|l| format!("{l} (optional)"))
    }
}

fn line(place: &str, missing: &[Permissions], role: &str) -> Option<String> {
    if missing.is_empty() {
        return None;
    }
    let names: Vec<&str> = missing.iter().map(|p| name(*p)).collect();
    let effects: Vec<&str> =
        NEEDS.iter().filter(|n| missing.contains(&n.permission)).map(|n| n.without).collect();
    let it = if missing.len() == 1 { "it" } else { "them" };
    Some(format!(
        "{place}: missing {} — {}; grant {it} to the {role} role or the channel",
        names.join(", "),
        effects.join("; ")
    ))
}

/// The bot as a member of the home server, read once to compute its permissions in channels.
pub struct BotMember {
    guild: PartialGuild,
    member: Member,
}

/// A channel the bot's permissions cannot be computed for.
#[derive(Debug)]
pub enum ChannelLookup {
    /// The channel is not a channel of the home server (or no channel at all).
    Elsewhere,
    /// Discord refused or did not answer.
    Discord(serenity::Error),
}

impl BotMember {
    /// Reads the guild (its roles and owner) and the bot's membership.
    pub async fn load(http: &Http, guild_id: GuildId) -> serenity::Result<Self> {
        let bot = http.get_current_user().await?;
        let member = http.get_member(guild_id, bot.id).await?;
        let guild = http.get_guild(guild_id).await?;
        Ok(Self { guild, member })
    }

    /// The name of the bot's own role, as a server admin sees it (Discord names a bot's
    /// managed role after the bot).
    pub fn role_name(&self) -> &str {
        &self.member.user.name
    }

    /// The bot's effective permissions in `channel`.
    fn permissions_in(&self, channel: &GuildChannel) -> Permissions {
        self.guild.user_permissions_in(channel, &self.member)
    }

    /// What the bot lacks in `channel_id`, asked of Discord. A channel the bot cannot see
    /// lacks everything.
    pub async fn lacking_in(&self, http: &Http, channel_id: ChannelId) -> Result<Lacking, ChannelLookup> {
        match http.get_channel(channel_id).await {
            Ok(Channel::Guild(channel)) if channel.guild_id == self.guild.id => {
                let lacking = Lacking::of(channel_id, self.permissions_in(&channel));
                Ok(Lacking { name: Some(channel.name), kind: Some(channel.kind), ..lacking })
            }
            Ok(_) => Err(ChannelLookup::Elsewhere),
            Err(err) if is_unseen(&err) => Ok(Lacking::hidden(channel_id)),
            Err(err) => Err(ChannelLookup::Discord(err)),
        }
    }
}

/// What the bot lacks in each of `channels` (each once, in order), or why it could not be read.
pub async fn survey(
    http: &Http,
    guild_id: GuildId,
    channels: impl IntoIterator<Item = ChannelId>,
) -> serenity::Result<Survey> {
    let bot = BotMember::load(http, guild_id).await?;
    let mut seen = Vec::new();
    for channel in channels {
        if !seen.iter().any(|(c, _)| *c == channel) {
            let lacking = bot.lacking_in(http, channel).await;
            seen.push((channel, lacking));
        }
    }
    Ok(Survey { role: bot.role_name().to_owned(), channels: seen })
}

/// The bot's permissions in the channels cards go to, as [`survey`] found them.
pub struct Survey {
    /// The bot's role as an admin sees it.
    pub role: String,
    /// Each channel and what the bot lacks there.
    pub channels: Vec<(ChannelId, Result<Lacking, ChannelLookup>)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_invite_asks_for_what_cards_need_and_attach_files_is_among_it() {
        let required = required();
        assert!(required.contains(Permissions::ATTACH_FILES));
        assert!(required.contains(Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES));
        assert_eq!(required.bits(), 117_760);
        assert!(!required.contains(Permissions::MENTION_EVERYONE), "optional, not required");
        let threads = Permissions::CREATE_PUBLIC_THREADS | Permissions::SEND_MESSAGES_IN_THREADS;
        assert_eq!(with_optional().bits(), 117_760 | (Permissions::MENTION_EVERYONE | threads).bits());
    }

    #[test]
    fn every_need_is_one_named_permission() {
        for need in NEEDS {
            assert_eq!(need.permission.bits().count_ones(), 1, "{need:?}");
            assert_ne!(name(need.permission), "an unnamed permission");
        }
    }

    #[test]
    fn a_missing_permission_is_named_with_what_fails_and_what_to_do() {
        let granted = required() - Permissions::ATTACH_FILES;
        let lacking = Lacking::of(ChannelId::new(7), granted);
        assert!(!lacking.is_ok() && lacking.can_post());
        assert_eq!(
            lacking.required_line("<#7>", "approval-bridge").as_deref(),
            Some(
                "<#7>: missing Attach Files — previews cannot be posted (cards go out without their images); grant it to the approval-bridge role or the channel"
            )
        );
        assert!(
            lacking
                .optional_line("<#7>", "approval-bridge")
                .is_some_and(|l| l.contains("Mention @everyone, @here, and All Roles"))
        );
    }

    #[test]
    fn a_hidden_channel_names_view_channel_alone_and_takes_no_message() {
        let lacking = Lacking::of(ChannelId::new(7), required() - Permissions::VIEW_CHANNEL);
        assert!(!lacking.can_post());
        assert_eq!(lacking, Lacking::hidden(ChannelId::new(7)));
        let line = lacking.required_line("<#7>", "bot").unwrap();
        assert!(line.starts_with("<#7>: missing View Channel — the bot cannot see"), "{line}");
        assert_eq!(Lacking::of(ChannelId::new(7), with_optional()).required_line("<#7>", "bot"), None);
    }

    #[test]
    fn several_missing_permissions_are_named_together() {
        let lacking = Lacking::of(
            ChannelId::new(7),
            required() - Permissions::SEND_MESSAGES - Permissions::ATTACH_FILES,
        );
        let line = lacking.required_line("<#7>", "bot").unwrap();
        assert!(
            line.starts_with("<#7>: missing Send Messages, Attach Files — no card can be posted; previews"),
            "{line}"
        );
        assert!(line.ends_with("grant them to the bot role or the channel"), "{line}");
    }
}
