//! What the fake Discord remembers: channels, roles, messages, interactions and commands.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::interactions::GuildMember;
use super::ratelimit::RateLimits;

/// Timing rules of the fake; shorten them to test expiry without sleeping for minutes.
#[derive(Debug, Clone)]
pub struct FakeDiscordConfig {
    /// How long after dispatch an interaction may get its initial response (Discord: 3 s).
    pub initial_response_window: Duration,
    /// How long an interaction token works for follow-ups and edits (Discord: 15 min).
    pub token_lifetime: Duration,
    /// How long a `nonce` with `enforce_nonce` deduplicates message creation (Discord: "a few
    /// minutes").
    pub nonce_window: Duration,
    /// Discord's rate limits, when enforced; `None` (the default) answers every request at once.
    pub rate_limits: Option<RateLimits>,
    /// Bytes of files one request may upload (Discord: 10 MiB in a server without boosts).
    pub upload_limit: usize,
}

impl Default for FakeDiscordConfig {
    fn default() -> Self {
        Self {
            initial_response_window: Duration::from_secs(3),
            token_lifetime: Duration::from_secs(15 * 60),
            nonce_window: Duration::from_secs(5 * 60),
            rate_limits: None,
            upload_limit: 10 * 1024 * 1024,
        }
    }
}

/// A fresh snowflake: Discord's layout (ms since 2015 << 22), unique and increasing
/// process-wide, so ids from two fakes never collide either.
pub fn next_id() -> u64 {
    static LAST: AtomicU64 = AtomicU64::new(0);
    const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_millis();
    let candidate = ((now_ms as u64).saturating_sub(DISCORD_EPOCH_MS)) << 22;
    let mut last = LAST.load(Ordering::Relaxed);
    loop {
        let next = candidate.max(last + 1);
        match LAST.compare_exchange(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(actual) => last = actual,
        }
    }
}

/// What the bot may do in a channel, as a member overwrite for the bot would set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelAccess {
    /// View and send messages.
    Post,
    /// View but not send (a member overwrite denies the bot Send Messages): posting answers
    /// 403/50013 Missing Permissions.
    ReadOnly,
    /// Not even view (a member overwrite denies the bot View Channel): every call answers
    /// 403/50001 Missing Access.
    Hidden,
}

impl ChannelAccess {
    /// The member overwrite for the bot that makes it so, if any.
    pub fn overwrite(self) -> Option<Overwrite> {
        let deny = match self {
            Self::Post => return None,
            Self::ReadOnly => permission::SEND_MESSAGES,
            Self::Hidden => permission::VIEW_CHANNEL,
        };
        Some(Overwrite { id: super::BOT_USER_ID, kind: OverwriteKind::Member, allow: 0, deny })
    }
}

/// Discord's permission bits the fake enforces,
/// https://discord.com/developers/docs/topics/permissions#permissions-bitwise-permission-flags
pub mod permission {
    /// Administrator: every permission, overwrites ignored.
    pub const ADMINISTRATOR: u64 = 1 << 3;
    /// View Channel.
    pub const VIEW_CHANNEL: u64 = 1 << 10;
    /// Send Messages.
    pub const SEND_MESSAGES: u64 = 1 << 11;
    /// Embed Links.
    pub const EMBED_LINKS: u64 = 1 << 14;
    /// Attach Files.
    pub const ATTACH_FILES: u64 = 1 << 15;
    /// Read Message History.
    pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
    /// Mention @everyone, @here, and All Roles.
    pub const MENTION_EVERYONE: u64 = 1 << 17;
    /// Create Public Threads.
    pub const CREATE_PUBLIC_THREADS: u64 = 1 << 35;
    /// Send Messages in Threads.
    pub const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;
    /// Every bit Discord defines today.
    pub const ALL: u64 = (1 << 51) - 1;
}

/// Whom a channel overwrite is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverwriteKind {
    /// A role (the guild's id for @everyone); type 0.
    Role,
    /// A member; type 1.
    Member,
}

/// A channel permission overwrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overwrite {
    /// The role's or member's id.
    pub id: u64,
    /// Whether `id` is a role or a member.
    pub kind: OverwriteKind,
    /// Bits allowed.
    pub allow: u64,
    /// Bits denied.
    pub deny: u64,
}

/// The type of a guild channel, https://discord.com/developers/docs/resources/channel#channel-object-channel-types
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// Type 0: a text channel.
    Text,
    /// Type 2: a voice channel (its text chat takes messages).
    Voice,
    /// Type 4: a category, which holds channels and takes no messages (50008).
    Category,
}

impl ChannelKind {
    /// Discord's number for the type.
    pub fn code(self) -> u64 {
        match self {
            Self::Text => 0,
            Self::Voice => 2,
            Self::Category => 4,
        }
    }
}

/// A channel of one of the fake's guilds.
#[derive(Debug, Clone)]
pub struct Channel {
    /// Its snowflake.
    pub id: u64,
    /// Its guild.
    pub guild_id: u64,
    /// Its name, without `#`.
    pub name: String,
    /// Its type.
    pub kind: ChannelKind,
    /// Its permission overwrites.
    pub overwrites: Vec<Overwrite>,
    /// Its position in the channel list.
    pub position: usize,
}

/// A role of one of the fake's guilds.
#[derive(Debug, Clone)]
pub struct Role {
    /// Its snowflake (the guild's id for @everyone).
    pub id: u64,
    /// Its guild.
    pub guild_id: u64,
    /// Its name.
    pub name: String,
    /// Its permissions bitfield, as a decimal string.
    pub permissions: String,
    /// Its position in the role list.
    pub position: usize,
}

/// A message as Discord would return it, plus what the fake needs to know about it.
#[derive(Debug, Clone)]
pub(super) struct StoredMessage {
    pub value: Value,
    pub channel_id: u64,
    pub by_bot: bool,
    /// Ephemeral messages exist only for their interaction's token, not in the channel.
    pub ephemeral: bool,
    /// The interaction token that created it (original response or follow-up), if any.
    pub token: Option<String>,
}

#[derive(Debug, Clone)]
pub(super) struct Interaction {
    pub id: u64,
    pub token: String,
    pub kind: u8,
    pub channel_id: u64,
    pub dispatched_at: Instant,
    /// Who did it.
    pub member: GuildMember,
    /// The callback type it was acknowledged with, once it is.
    pub acked_with: Option<u64>,
    /// The clicked message, for component interactions.
    pub source_message: Option<u64>,
    /// The message that is the "original response", once there is one.
    pub original: Option<u64>,
    /// The modal the bot opened in answer (callback type 9), once it did.
    pub modal: Option<Value>,
}

#[derive(Debug, Default)]
pub(super) struct State {
    pub channels: BTreeMap<u64, Channel>,
    pub roles: BTreeMap<u64, Role>,
    /// The bot's own (managed) role in each guild, by guild.
    pub bot_roles: BTreeMap<u64, u64>,
    /// Who owns the home guild: [`super::OWNER_USER_ID`] unless a test hands it to the bot.
    pub home_owner: u64,
    pub messages: HashMap<u64, StoredMessage>,
    /// Threads started from messages, by id (the message's).
    pub threads: BTreeMap<u64, super::threads::Thread>,
    /// (channel, nonce) → (message, created at), for `enforce_nonce`.
    pub nonces: HashMap<(u64, String), (u64, Instant)>,
    pub interactions: HashMap<u64, Interaction>,
    /// The people of the home guild, as they last interacted (or a test changed them): what
    /// `GET /guilds/{g}/members/{u}` answers.
    pub members: HashMap<u64, super::interactions::GuildMember>,
    /// Global commands: an earlier version of the bot may have left some.
    pub global_commands: Vec<Value>,
    pub guild_commands: Vec<Value>,
}

impl State {
    /// The bot's permissions in `channel`, computed as Discord does
    /// (https://discord.com/developers/docs/topics/permissions#permission-overwrites): the
    /// guild's owner and Administrator have every bit; else @everyone's and the bot's roles'
    /// bits, then the channel's @everyone overwrite, its role overwrites together, its member
    /// overwrite. Without View Channel nothing else holds, and without Send Messages neither
    /// do the bits that only qualify a message (embeds, files, mentions).
    pub fn bot_permissions(&self, channel: &Channel) -> u64 {
        use permission::*;
        let guild = channel.guild_id;
        if guild == super::GUILD_ID && self.home_owner == super::BOT_USER_ID {
            return ALL;
        }
        let mut granted = self.bot_base_permissions(guild);
        if granted & ADMINISTRATOR != 0 {
            return ALL;
        }
        let roles = self.bot_roles_in(guild);
        let apply = |granted: u64, (allow, deny): (u64, u64)| (granted & !deny) | allow;
        // Overwrites of the same level add up: every matching role's denies, then its allows.
        let level = |wanted: &dyn Fn(&Overwrite) -> bool| {
            let matching = channel.overwrites.iter().filter(|o| wanted(o));
            matching.fold((0, 0), |(allow, deny), o| (allow | o.allow, deny | o.deny))
        };
        granted = apply(granted, level(&|o| o.kind == OverwriteKind::Role && o.id == guild));
        granted = apply(
            granted,
            level(&|o| o.kind == OverwriteKind::Role && o.id != guild && roles.contains(&o.id)),
        );
        granted = apply(granted, level(&|o| o.kind == OverwriteKind::Member && o.id == super::BOT_USER_ID));
        if granted & VIEW_CHANNEL == 0 {
            return 0;
        }
        if granted & SEND_MESSAGES == 0 {
            granted &= !(EMBED_LINKS | ATTACH_FILES | MENTION_EVERYONE);
        }
        granted
    }

    /// The bot's roles in `guild`: its managed role.
    pub fn bot_roles_in(&self, guild: u64) -> Vec<u64> {
        self.bot_roles.get(&guild).copied().into_iter().collect()
    }

    /// The bot's permissions in `guild` before any channel's overwrites: @everyone's bits and
    /// its roles'.
    pub fn bot_base_permissions(&self, guild: u64) -> u64 {
        let bits = |id: &u64| self.roles.get(id).and_then(|r| r.permissions.parse::<u64>().ok()).unwrap_or(0);
        self.bot_roles_in(guild).iter().fold(bits(&guild), |all, id| all | bits(id))
    }

    /// Whether the bot holds `bits` in `channel`.
    pub fn bot_may(&self, channel: &Channel, bits: u64) -> bool {
        self.bot_permissions(channel) & bits == bits
    }

    /// The interaction whose token is `token`.
    pub fn interaction_by_token(&self, token: &str) -> Option<&Interaction> {
        self.interactions.values().find(|i| i.token == token)
    }

    /// The message `id` if it is visible in `channel_id` (not deleted, not ephemeral).
    pub fn channel_message(&self, channel_id: u64, id: u64) -> Option<&StoredMessage> {
        self.messages.get(&id).filter(|m| m.channel_id == channel_id && !m.ephemeral)
    }
}
