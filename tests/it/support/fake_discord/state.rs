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

/// What the bot may do in a channel.
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
    /// What the bot may do there.
    pub access: ChannelAccess,
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
    /// The bot's own (managed) role, which grants it [`super::payloads::BOT_PERMISSIONS`].
    pub bot_role: u64,
    /// Who owns the home guild: [`super::OWNER_USER_ID`] unless a test hands it to the bot.
    pub home_owner: u64,
    pub messages: HashMap<u64, StoredMessage>,
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
    /// The interaction whose token is `token`.
    pub fn interaction_by_token(&self, token: &str) -> Option<&Interaction> {
        self.interactions.values().find(|i| i.token == token)
    }

    /// The message `id` if it is visible in `channel_id` (not deleted, not ephemeral).
    pub fn channel_message(&self, channel_id: u64, id: u64) -> Option<&StoredMessage> {
        self.messages.get(&id).filter(|m| m.channel_id == channel_id && !m.ephemeral)
    }
}
