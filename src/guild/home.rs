//! The home server: the one Discord server the bridge serves. Everything else is refused.
//!
//! It is `DISCORD_GUILD_ID`, or when that is unset the server of `APPROVAL_CHANNEL_ID`, read once
//! at start. A channel or role id alone says nothing about its server, and bots are public by
//! default, so an admin of any other server the bot was invited to could otherwise route gates
//! to their own channel. Routes are checked when saved and again before a card is posted.

use std::{
    collections::HashSet,
    sync::{Mutex, PoisonError},
};

use serenity::all::{Channel, ChannelId, GuildId, GuildInfo, Http, RoleId};
use tracing::warn;

use crate::{config::DiscordSettings, redact::redacted};

/// The home server could not be found at start.
#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    /// Neither setting names it (settings validation normally catches this first).
    #[error(
        "DISCORD_GUILD_ID and APPROVAL_CHANNEL_ID are both unset: set DISCORD_GUILD_ID to the server the bridge serves"
    )]
    Unnamed,
    /// The default channel could not be read.
    #[error(
        "APPROVAL_CHANNEL_ID {channel} could not be read ({source}): check the id and that the bot can see the channel, or set DISCORD_GUILD_ID"
    )]
    ChannelUnreadable {
        /// The channel.
        channel: ChannelId,
        /// Why.
        #[source]
        source: serenity::Error,
    },
    /// The default channel is not a channel of a server (or not of `DISCORD_GUILD_ID`).
    #[error(
        "APPROVAL_CHANNEL_ID {channel} is not a channel of the home server {home}: pick a channel of that server{hint}"
    )]
    ChannelElsewhere {
        /// The channel.
        channel: ChannelId,
        /// The home server, or `none` when the channel is in no server.
        home: String,
        /// What to change.
        hint: &'static str,
    },
}

/// The resolved home server, and the channels and roles already confirmed to belong to it (a
/// channel or role never moves to another server, so a confirmation holds for good).
#[derive(Debug)]
pub struct HomeServer {
    id: GuildId,
    channels: Mutex<HashSet<ChannelId>>,
    roles: Mutex<HashSet<RoleId>>,
}

impl HomeServer {
    /// The home server `id`, nothing confirmed yet.
    pub fn new(id: GuildId) -> Self {
        Self { id, channels: Mutex::default(), roles: Mutex::default() }
    }

    /// Its id.
    pub fn id(&self) -> GuildId {
        self.id
    }

    /// Whether `guild` (an interaction's `guild_id`; `None` in a DM or a user-installed context)
    /// is the home server.
    pub fn is_home(&self, guild: Option<GuildId>) -> bool {
        guild == Some(self.id)
    }

    /// Confirms every channel of the home server in one request. On failure the channels are
    /// confirmed one by one when first used instead.
    async fn confirm_channels(&self, http: &Http) {
        match http.get_channels(self.id).await {
            Ok(channels) => {
                let mut known = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
                known.extend(channels.iter().map(|c| c.id));
            }
            Err(err) => warn!(error = %redacted(&err), "the home server's channels could not be listed"),
        }
    }

    /// `Ok(true)` when `channel` is a channel of the home server, asked of Discord the first time.
    pub async fn owns_channel(&self, http: &Http, channel: ChannelId) -> serenity::Result<bool> {
        if self.channels.lock().unwrap_or_else(PoisonError::into_inner).contains(&channel) {
            return Ok(true);
        }
        let owned = matches!(http.get_channel(channel).await?, Channel::Guild(c) if c.guild_id == self.id);
        if owned {
            self.channels.lock().unwrap_or_else(PoisonError::into_inner).insert(channel);
        }
        Ok(owned)
    }

    /// `Ok(None)` when every one of `roles` is a role of the home server; else the first that is
    /// not. Discord is asked only when a role is not confirmed yet.
    pub async fn foreign_role(&self, http: &Http, roles: &[RoleId]) -> serenity::Result<Option<RoleId>> {
        let unconfirmed: Vec<RoleId> = {
            let known = self.roles.lock().unwrap_or_else(PoisonError::into_inner);
            roles.iter().filter(|r| !known.contains(r)).copied().collect()
        };
        if unconfirmed.is_empty() {
            return Ok(None);
        }
        let home_roles: HashSet<RoleId> = http.get_guild_roles(self.id).await?.iter().map(|r| r.id).collect();
        let mut known = self.roles.lock().unwrap_or_else(PoisonError::into_inner);
        known.extend(unconfirmed.iter().filter(|r| home_roles.contains(r)));
        Ok(unconfirmed.into_iter().find(|r| !home_roles.contains(r)))
    }

    /// `Ok(None)` when `channel` and every one of `roles` belong to the home server; else what
    /// does not, in words for the log.
    pub async fn stranger_in(
        &self,
        http: &Http,
        channel: ChannelId,
        roles: &[RoleId],
    ) -> serenity::Result<Option<String>> {
        if !self.owns_channel(http, channel).await? {
            return Ok(Some(format!("channel {channel} is not in the home server {}", self.id)));
        }
        let foreign = self.foreign_role(http, roles).await?;
        Ok(foreign.map(|role| format!("role {role} is not a role of the home server {}", self.id)))
    }

    /// The other servers the bot is in (the bot was invited there; it serves none of them).
    pub async fn other_servers(&self, http: &Http) -> serenity::Result<Vec<GuildInfo>> {
        let guilds = http.get_guilds(None, None).await?;
        Ok(guilds.into_iter().filter(|g| g.id != self.id).collect())
    }
}

/// Finds the home server: `DISCORD_GUILD_ID`, else the server of `APPROVAL_CHANNEL_ID`. When both
/// are set, the channel must be in that server. The server's channels are confirmed at once, so
/// cards to channels that exist at start cost no request to check.
pub async fn resolve(http: &Http, settings: &DiscordSettings) -> Result<HomeServer, HomeError> {
    let named = settings.guild_id.map(|g| GuildId::new(g.get()));
    let Some(channel) = settings.approval_channel_id.map(|c| ChannelId::new(c.get())) else {
        let home = named.map(HomeServer::new).ok_or(HomeError::Unnamed)?;
        home.confirm_channels(http).await;
        return Ok(home);
    };
    let found =
        http.get_channel(channel).await.map_err(|source| HomeError::ChannelUnreadable { channel, source })?;
    let server = match found {
        Channel::Guild(c) => Some(c.guild_id),
        _ => None,
    };
    let home = match (named, server) {
        (None, Some(server)) => HomeServer::new(server),
        (Some(home), Some(server)) if home == server => HomeServer::new(home),
        (named, _) => {
            return Err(HomeError::ChannelElsewhere {
                channel,
                home: named.map_or_else(|| "none".to_owned(), |g| g.to_string()),
                hint: if named.is_some() { ", or correct DISCORD_GUILD_ID" } else { "" },
            });
        }
    };
    home.channels.lock().unwrap_or_else(PoisonError::into_inner).insert(channel);
    home.confirm_channels(http).await;
    Ok(home)
}
