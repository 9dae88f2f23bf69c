//! Typed settings, read once from the environment (and `.env`), validated before anything starts.
//!
//! Every problem is reported as one line that names the setting, says what is wrong and how to
//! fix it. Secrets are [`SecretString`]s, so `{:?}` on [`Settings`] is safe to log.

use std::{fmt, net::SocketAddr, num::NonZeroU64, time::Duration};

use secrecy::SecretString;

use crate::{
    approvals::{people::SelfApproval, policy::Policy, rerun::RerunPolicy},
    ops::peers::TrustedProxies,
    scenario::DEFAULT_BASE_URL,
};
use url::Url;

pub use docs::{SETTINGS, SettingDoc};
pub use preview_hosts::{DEFAULT_PREVIEW_HOSTS, PreviewHosts};
use reader::Reader;

/// Where the database lives when `DATABASE_URL` is unset.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://approval-bridge.db";
/// Seconds between two polls when `POLL_INTERVAL_SECS` is unset: a steady pass is one request
/// (the runs changed since the last one), so polling often costs little.
pub const DEFAULT_POLL_INTERVAL_SECS: u64 = 5;
/// The shortest poll interval accepted: faster polling only spends the team's API rate limit.
pub const MIN_POLL_INTERVAL_SECS: u64 = 2;
/// Seconds between two polls while no run is in flight, when `POLL_IDLE_INTERVAL_SECS` is unset:
/// an idle studio costs a sixth of the requests of the in-flight cadence.
pub const DEFAULT_POLL_IDLE_INTERVAL_SECS: u64 = 30;
/// Scenario requests per minute of one process when `SCENARIO_REQUESTS_PER_MINUTE` is unset:
/// well under Scenario's documented 100 per project, which the team's other tools share.
pub const DEFAULT_SCENARIO_REQUESTS_PER_MINUTE: u32 = 60;
/// Seconds a Discord REST call may take when `DISCORD_TIMEOUT_SECS` is unset: far beyond a normal
/// answer (well under a second), and enough to upload a card's images on a slow link.
pub const DEFAULT_DISCORD_TIMEOUT_SECS: u64 = 30;
/// Seconds the active process's hold on the database lasts without renewal when `LEASE_SECS` is
/// unset: how long a standby waits after the active process vanished without a trace.
pub const DEFAULT_LEASE_SECS: u64 = 15;
/// The shortest lease accepted: it is renewed every third of it, and a renewal is a database write.
pub const MIN_LEASE_SECS: u64 = 3;
/// Seconds between two full sweeps when `FULL_SWEEP_SECS` is unset.
pub const DEFAULT_FULL_SWEEP_SECS: u64 = 600;
/// The shortest full sweep period accepted: a sweep lists every parked run, one request per
/// hundred, and is only the backstop of the delta passes.
pub const MIN_FULL_SWEEP_SECS: u64 = 60;
/// Seconds one Scenario request may take when `SCENARIO_TIMEOUT_SECS` is unset (the SDKs').
pub const DEFAULT_SCENARIO_TIMEOUT_SECS: u64 = 60;
/// The per-message upload budget when `CARD_UPLOAD_BUDGET_MIB` is unset: Discord's upload limit
/// for a bot in a server without boosts.
pub const DEFAULT_UPLOAD_BUDGET: u64 = 10 * 1024 * 1024;
/// The largest upload budget accepted: Discord's limit in a server at the highest boost level.
pub const MAX_UPLOAD_BUDGET_MIB: u64 = 100;

/// The longest wait between two attempts to deliver an event when `EVENTS_RETRY_MAX_SECS` is
/// unset.
pub const DEFAULT_EVENTS_RETRY_MAX_SECS: u64 = 300;
/// How long an event's attempts may fail before it is parked, when `EVENTS_PARK_AFTER_SECS` is
/// unset: a day, far beyond a receiver's usual outage.
pub const DEFAULT_EVENTS_PARK_AFTER_SECS: u64 = 86_400;
/// The shortest `EVENTS_SECRET` accepted: a guessable key would let anyone sign events.
pub const MIN_EVENTS_SECRET_CHARS: usize = 16;

/// All settings of one bridge.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How to reach Discord and whom to trust there.
    pub discord: DiscordSettings,
    /// How to reach Scenario.
    pub scenario: ScenarioAccess,
    /// sqlx connection string of the database.
    pub database_url: DatabaseUrl,
    /// Time between two polls of Scenario while runs are in flight.
    pub poll_interval: Duration,
    /// Time between two polls while no run is in flight.
    pub poll_idle_interval: Duration,
    /// How long the running bridge's hold on the database lasts without renewal.
    pub lease: Duration,
    /// Time between two full sweeps of every non-terminal run.
    pub full_sweep: Duration,
    /// Where health and metrics are served, if anywhere.
    pub http_addr: Option<SocketAddr>,
    /// Discord's interactions endpoint, when served instead of the gateway.
    pub interactions: Option<InteractionsEndpoint>,
    /// Where events are POSTed, if anywhere.
    pub events: Option<EventsSettings>,
    /// Shape of log lines.
    pub log_format: LogFormat,
}

/// The receiver of events (`EVENTS_URL`) and how deliveries are retried.
#[derive(Clone)]
pub struct EventsSettings {
    /// Where each event is POSTed.
    pub url: Url,
    /// The key each event is signed with.
    pub secret: SecretString,
    /// The longest wait between two attempts of one event.
    pub retry_max: Duration,
    /// How long an event's attempts may fail before it is parked.
    pub park_after: Duration,
}

impl fmt::Debug for EventsSettings {
    /// The URL's origin only: its path or query may hold a receiver's token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventsSettings")
            .field("url", &self.url.origin().ascii_serialization())
            .field("secret", &self.secret)
            .field("retry_max", &self.retry_max)
            .field("park_after", &self.park_after)
            .finish()
    }
}

/// `DATABASE_URL`, which may hold a password: shown (`{}` and `{:?}`) with the password hidden;
/// the whole URL only through `Deref`, for the driver.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl std::ops::Deref for DatabaseUrl {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::store::shown_url(&self.0))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", crate::store::shown_url(&self.0))
    }
}

/// Discord's interactions endpoint: Discord POSTs every interaction there, signed, and no
/// gateway connection is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionsEndpoint {
    /// Where to listen.
    pub addr: SocketAddr,
    /// The application's Ed25519 public key, which verifies each POST.
    pub public_key: [u8; 32],
    /// How long a kept-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// The load balancers whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
}

/// The Discord side of the settings.
#[derive(Debug, Clone)]
pub struct DiscordSettings {
    /// The bot token.
    pub token: SecretString,
    /// Base URL of the Discord API when not the real one (tests).
    pub api_base: Option<Url>,
    /// The home server (`DISCORD_GUILD_ID`); when unset, the server of `approval_channel_id`,
    /// read once at start (`crate::guild::home`). One of the two is always set.
    pub guild_id: Option<NonZeroU64>,
    /// Channel for every workflow without a route of its own.
    pub approval_channel_id: Option<NonZeroU64>,
    /// Roles whose members may decide by default.
    pub reviewer_role_ids: Vec<NonZeroU64>,
    /// How long one REST call may take.
    pub timeout: Duration,
    /// Bytes of previews attached to one card's message.
    pub card_upload_budget: u64,
    /// Where previews and Full size links may come from.
    pub preview_hosts: PreviewHosts,
    /// The review policy of workflows without one of their own.
    pub default_policy: Policy,
    /// The re-run policy of workflows without one of their own.
    pub default_reruns: RerunPolicy,
    /// Whether cards of workflows without a thread setting of their own start a thread
    /// (`CARD_THREADS`).
    pub card_threads: bool,
    /// Whether a linked author may approve their own run, on routes without their own rule.
    pub default_self_approval: SelfApproval,
}

/// The Scenario side of the settings.
#[derive(Debug, Clone)]
pub struct ScenarioAccess {
    /// API base URL, e.g. `https://api.cloud.scenario.com/v1`.
    pub base_url: Url,
    /// API key (first half of the pair; kept secret too, since logs are read by many).
    pub api_key: SecretString,
    /// API secret.
    pub api_secret: SecretString,
    /// Project scope, sent as `projectId`.
    pub project_id: Option<String>,
    /// How long one request to Scenario may take.
    pub request_timeout: Duration,
    /// Requests per minute this process may send; 0 sends each at once.
    pub requests_per_minute: u32,
}

/// Shape of log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable, for a terminal.
    Pretty,
    /// One JSON object per line, for a log collector.
    Json,
}

/// One setting that is missing or malformed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingError {
    /// The environment variable at fault.
    pub name: &'static str,
    /// What is wrong and how to fix it.
    pub problem: String,
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.problem)
    }
}

/// Every problem found in the settings, one per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError(pub Vec<SettingError>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

impl Settings {
    /// Reads the settings from the process environment (after `.env` was loaded by the caller).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, so tests need not touch the process environment.
    /// Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut reader = Reader { lookup: &lookup, errors: Vec::new() };
        let discord = DiscordSettings {
            token: reader.secret(
                "DISCORD_TOKEN",
                "the bot token (Developer Portal → your application → Bot → Reset Token)",
            ),
            api_base: reader.url("DISCORD_API_BASE"),
            guild_id: reader.snowflake("DISCORD_GUILD_ID"),
            approval_channel_id: reader.snowflake("APPROVAL_CHANNEL_ID"),
            reviewer_role_ids: reader.snowflakes("REVIEWER_ROLE_IDS"),
            timeout: reader.seconds("DISCORD_TIMEOUT_SECS", DEFAULT_DISCORD_TIMEOUT_SECS, 1),
            card_upload_budget: reader.upload_budget(),
            preview_hosts: reader.preview_hosts(),
            default_policy: reader.policy(),
            default_reruns: reader.rerun_policy(),
            card_threads: reader.card_threads(),
            default_self_approval: reader.self_approval(),
        };
        reader.home_server(&discord);
        let scenario = reader.scenario();
        let database_url = reader.database_url();
        let poll_interval =
            reader.seconds("POLL_INTERVAL_SECS", DEFAULT_POLL_INTERVAL_SECS, MIN_POLL_INTERVAL_SECS);
        let settings = Settings {
            discord,
            scenario,
            database_url,
            poll_interval,
            poll_idle_interval: reader.idle_interval(poll_interval),
            lease: reader.seconds("LEASE_SECS", DEFAULT_LEASE_SECS, MIN_LEASE_SECS),
            full_sweep: reader.seconds("FULL_SWEEP_SECS", DEFAULT_FULL_SWEEP_SECS, MIN_FULL_SWEEP_SECS),
            http_addr: reader.socket_addr("HTTP_ADDR"),
            interactions: reader.interactions(),
            events: reader.events(),
            log_format: reader.log_format(),
        };
        if reader.errors.is_empty() { Ok(settings) } else { Err(ConfigError(reader.errors)) }
    }
}

/// `DATABASE_URL` alone, from the process environment: what `approval-bridge export` reads.
pub fn database_url_from_env() -> Result<DatabaseUrl, ConfigError> {
    let lookup = |name: &str| std::env::var(name).ok();
    let mut reader = Reader { lookup: &lookup, errors: Vec::new() };
    let url = reader.database_url();
    if reader.errors.is_empty() { Ok(url) } else { Err(ConfigError(reader.errors)) }
}

/// What `approval-bridge scan` reads: Scenario's settings, and where cards would go. No
/// Discord token is needed.
#[derive(Debug, Clone)]
pub struct ScanSettings {
    /// How to reach Scenario.
    pub scenario: ScenarioAccess,
    /// Channel for every workflow without a route of its own.
    pub approval_channel_id: Option<NonZeroU64>,
    /// The database holding the routes, read if it exists.
    pub database_url: DatabaseUrl,
}

impl ScanSettings {
    /// Reads the scan's settings from the process environment (after `.env` was loaded).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the scan's settings through `lookup`; empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut reader = Reader { lookup: &lookup, errors: Vec::new() };
        let settings = ScanSettings {
            scenario: reader.scenario(),
            approval_channel_id: reader.snowflake("APPROVAL_CHANNEL_ID"),
            database_url: reader.database_url(),
        };
        if reader.errors.is_empty() { Ok(settings) } else { Err(ConfigError(reader.errors)) }
    }
}

mod docs;
mod endpoint;
mod events;
mod policy;
mod preview_hosts;
mod reader;
#[cfg(test)]
mod tests;
