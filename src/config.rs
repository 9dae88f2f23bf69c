//! Typed settings, read once from the environment (and `.env`), validated before anything starts.
//!
//! Every problem is reported as one line that names the setting, says what is wrong and how to
//! fix it. Secrets are [`SecretString`]s, so `{:?}` on [`Settings`] is safe to log.

use std::{fmt, net::SocketAddr, num::NonZeroU64, time::Duration};

use secrecy::SecretString;

use crate::{approvals::policy::Policy, ops::peers::TrustedProxies, scenario::DEFAULT_BASE_URL};
use url::Url;

pub use preview_hosts::{DEFAULT_PREVIEW_HOSTS, PreviewHosts};

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

/// One documented setting: the source of `--help` and of the README's table.
pub struct SettingDoc {
    /// Environment variable name.
    pub name: &'static str,
    /// What it means, its default, or that it is required.
    pub meaning: &'static str,
}

/// Every setting the bridge reads, in the order `--help` lists them.
pub const SETTINGS: &[SettingDoc] = &[
    SettingDoc { name: "DISCORD_TOKEN", meaning: "bot token from the Discord Developer Portal (required)" },
    SettingDoc {
        name: "DISCORD_API_BASE",
        meaning: "base URL of the Discord API; leave unset in production",
    },
    SettingDoc {
        name: "DISCORD_GUILD_ID",
        meaning: "the one server the bridge serves (default: the server of APPROVAL_CHANNEL_ID); interactions from elsewhere are refused",
    },
    SettingDoc {
        name: "APPROVAL_CHANNEL_ID",
        meaning: "channel for cards of every workflow without a watch of its own (in the home server)",
    },
    SettingDoc {
        name: "REVIEWER_ROLE_IDS",
        meaning: "comma-separated role ids whose members may decide (default: members with Manage Server)",
    },
    SettingDoc {
        name: "APPROVALS_REQUIRED",
        meaning: "distinct reviewers who must approve a gate of a workflow without a policy of its own (default 1, at most 5); one reject rejects at once",
    },
    SettingDoc {
        name: "REMIND_AFTER",
        meaning: "remind the reviewers in a reply to a card left undecided this long, and again every as long, e.g. 4h (default: no reminders)",
    },
    SettingDoc { name: "MAX_REMINDERS", meaning: "the most reminders for one gate (default 3, 1 to 10)" },
    SettingDoc {
        name: "DEADLINE",
        meaning: "time from a gate being seen to its deadline, e.g. 2d (default: no deadline)",
    },
    SettingDoc {
        name: "ON_DEADLINE",
        meaning: "what the bridge does when the deadline passes: reject, approve or nothing (default: nothing, the card is marked overdue and the reviewers pinged once)",
    },
    SettingDoc {
        name: "CARD_UPLOAD_BUDGET_MIB",
        meaning: "MiB of image previews attached to one card (default 10, Discord's limit without boosts; 1 to 100)",
    },
    SettingDoc {
        name: "PREVIEW_HOSTS",
        meaning: "comma-separated hosts previews and Full size links may come from, https unless an entry names http:// (default cdn.cloud.scenario.com,cdn.scenario.com); loopback and private addresses only when named literally, e.g. http://127.0.0.1:9000",
    },
    SettingDoc { name: "SCENARIO_SDK_API_KEY", meaning: "Scenario API key (required)" },
    SettingDoc { name: "SCENARIO_SDK_API_SECRET", meaning: "Scenario API secret (required)" },
    SettingDoc {
        name: "SCENARIO_BASE_URL",
        meaning: "Scenario API base URL (default https://api.cloud.scenario.com/v1)",
    },
    SettingDoc { name: "SCENARIO_PROJECT_ID", meaning: "Scenario project id, sent as projectId when set" },
    SettingDoc {
        name: "DATABASE_URL",
        meaning: "SQLite database (default sqlite://approval-bridge.db, created if missing), or postgres://… shared by several replicas",
    },
    SettingDoc {
        name: "POLL_INTERVAL_SECS",
        meaning: "seconds between polls of Scenario (default 5, at least 2)",
    },
    SettingDoc {
        name: "POLL_IDLE_INTERVAL_SECS",
        meaning: "seconds between polls while no run is in flight (default 30; at or below POLL_INTERVAL_SECS, one cadence); the first run seen in flight brings back POLL_INTERVAL_SECS",
    },
    SettingDoc {
        name: "FULL_SWEEP_SECS",
        meaning: "seconds between full sweeps of every unfinished run, the backstop of the polls (default 600, at least 60)",
    },
    SettingDoc {
        name: "DISCORD_TIMEOUT_SECS",
        meaning: "seconds a call to Discord's REST API may take before it is abandoned and retried later (default 30)",
    },
    SettingDoc {
        name: "LEASE_SECS",
        meaning: "seconds the running bridge's hold on the database lasts unrenewed; a second bridge on the same database waits, and takes over that long after the first vanished (default 15, at least 3)",
    },
    SettingDoc {
        name: "SCENARIO_REQUESTS_PER_MINUTE",
        meaning: "Scenario requests one bridge process may send per minute, decisions first, then what a person waits for, then polling (default 60; 0 turns the budget off); replicas each get a share of the project's limit",
    },
    SettingDoc {
        name: "SCENARIO_TIMEOUT_SECS",
        meaning: "seconds one Scenario request may take (default 60); a decision cut off mid-send is checked again after this",
    },
    SettingDoc {
        name: "HTTP_ADDR",
        meaning: "address for /healthz and /metrics, e.g. 127.0.0.1:8080 (off when unset)",
    },
    SettingDoc {
        name: "INTERACTIONS_ADDR",
        meaning: "address to serve Discord's interactions endpoint on, e.g. 0.0.0.0:8443, instead of the gateway (off when unset; needs DISCORD_PUBLIC_KEY)",
    },
    SettingDoc {
        name: "DISCORD_PUBLIC_KEY",
        meaning: "the application's public key (Developer Portal → General Information), which signs every interaction Discord POSTs",
    },
    SettingDoc {
        name: "INTERACTIONS_IDLE_SECS",
        meaning: "seconds a kept-alive connection to the interactions endpoint may wait for its next request (default 75); set it above your load balancer's idle timeout (AWS ALB 60, Google Cloud 600)",
    },
    SettingDoc {
        name: "INTERACTIONS_TRUSTED_PROXIES",
        meaning: "comma-separated addresses or networks of the load balancers in front of the interactions endpoint, e.g. 10.0.0.0/8, whose X-Forwarded-For names the client (default: none, each connection is its own client)",
    },
    SettingDoc {
        name: "LOG_FORMAT",
        meaning: "pretty (default) or json; RUST_LOG filters, e.g. info,approval_bridge=debug",
    },
];

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
    /// Shape of log lines.
    pub log_format: LogFormat,
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
    /// read once at start (`crate::discord::home`). One of the two is always set.
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
            log_format: reader.log_format(),
        };
        if reader.errors.is_empty() { Ok(settings) } else { Err(ConfigError(reader.errors)) }
    }
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

/// Collects values and every error found, so one start reports all problems at once.
struct Reader<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    errors: Vec<SettingError>,
}

impl Reader<'_> {
    fn optional(&self, name: &str) -> Option<String> {
        (self.lookup)(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    fn fail(&mut self, name: &'static str, problem: impl Into<String>) {
        self.errors.push(SettingError { name, problem: problem.into() });
    }

    fn required(&mut self, name: &'static str, what: &str) -> String {
        self.optional(name).unwrap_or_else(|| {
            self.fail(name, format!("is missing: set it to {what}"));
            String::new()
        })
    }

    fn secret(&mut self, name: &'static str, what: &str) -> SecretString {
        let value = self.required(name, what);
        if value.chars().any(char::is_whitespace) {
            self.fail(name, "contains spaces: paste the value alone, without quotes or a \"Bot \" prefix");
        }
        SecretString::from(value)
    }

    fn url(&mut self, name: &'static str) -> Option<Url> {
        let raw = self.optional(name)?;
        match Url::parse(&raw) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => Some(url),
            _ => {
                self.fail(
                    name,
                    format!("is not an http(s) URL (got {raw:?}): use a value like https://host/path"),
                );
                None
            }
        }
    }

    fn parse_snowflake(raw: &str) -> Option<NonZeroU64> {
        raw.trim().parse::<u64>().ok().and_then(NonZeroU64::new)
    }

    fn snowflake(&mut self, name: &'static str) -> Option<NonZeroU64> {
        let raw = self.optional(name)?;
        let id = Self::parse_snowflake(&raw);
        if id.is_none() {
            self.fail(name, format!("is not a Discord id (got {raw:?}): enable Developer Mode in Discord, right-click the item and choose Copy ID"));
        }
        id
    }

    fn snowflakes(&mut self, name: &'static str) -> Vec<NonZeroU64> {
        let Some(raw) = self.optional(name) else { return Vec::new() };
        let parts: Vec<&str> = raw.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
        let ids: Vec<NonZeroU64> = parts.iter().filter_map(|p| Self::parse_snowflake(p)).collect();
        if ids.len() != parts.len() {
            self.fail(name, format!("must be role ids separated by commas (got {raw:?}): copy each role's id from Server Settings → Roles"));
        }
        ids
    }

    /// The bridge serves one server: it must be named, or be found from the default channel.
    /// Malformed values were reported already.
    fn home_server(&mut self, discord: &DiscordSettings) {
        let named = |name| self.optional(name).is_some();
        let unnamed = !named("DISCORD_GUILD_ID") && !named("APPROVAL_CHANNEL_ID");
        if discord.guild_id.is_none() && unnamed {
            self.fail(
                "DISCORD_GUILD_ID",
                "and APPROVAL_CHANNEL_ID are both unset: set DISCORD_GUILD_ID to the id of the server the bridge serves (or APPROVAL_CHANNEL_ID to a channel in it)",
            );
        }
    }

    fn socket_addr(&mut self, name: &'static str) -> Option<SocketAddr> {
        let raw = self.optional(name)?;
        let addr = raw.parse().ok();
        if addr.is_none() {
            self.fail(
                name,
                format!("is not an address and port (got {raw:?}): use a value like 127.0.0.1:8080"),
            );
        }
        addr
    }

    fn database_url(&mut self) -> DatabaseUrl {
        let url =
            DatabaseUrl(self.optional("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()));
        if !url.starts_with("sqlite:") && !crate::store::is_postgres(&url) {
            self.fail(
                "DATABASE_URL",
                format!(
                    "must be a SQLite or PostgreSQL URL (got {url:?}): use a value like sqlite:///data/approval-bridge.db or postgres://bridge@db/bridge"
                ),
            );
        }
        url
    }

    fn scenario(&mut self) -> ScenarioAccess {
        ScenarioAccess {
            base_url: self
                .url("SCENARIO_BASE_URL")
                .unwrap_or_else(|| Url::parse(DEFAULT_BASE_URL).expect("the default URL is valid")),
            api_key: self.secret(
                "SCENARIO_SDK_API_KEY",
                "your Scenario API key (Scenario web app → Settings → API keys)",
            ),
            api_secret: self
                .secret("SCENARIO_SDK_API_SECRET", "the secret shown once when the API key was created"),
            project_id: self.optional("SCENARIO_PROJECT_ID"),
            request_timeout: self.seconds("SCENARIO_TIMEOUT_SECS", DEFAULT_SCENARIO_TIMEOUT_SECS, 1),
            requests_per_minute: self.requests_per_minute(),
        }
    }

    fn requests_per_minute(&mut self) -> u32 {
        const NAME: &str = "SCENARIO_REQUESTS_PER_MINUTE";
        let Some(raw) = self.optional(NAME) else { return DEFAULT_SCENARIO_REQUESTS_PER_MINUTE };
        raw.parse::<u32>().unwrap_or_else(|_| {
            self.fail(
                NAME,
                format!(
                    "is {raw:?}: use a whole number of requests per minute, e.g. 60 (0 turns the budget off)"
                ),
            );
            DEFAULT_SCENARIO_REQUESTS_PER_MINUTE
        })
    }

    /// The idle cadence: one at or below the in-flight one means a single cadence.
    fn idle_interval(&mut self, poll_interval: Duration) -> Duration {
        let idle =
            self.seconds("POLL_IDLE_INTERVAL_SECS", DEFAULT_POLL_IDLE_INTERVAL_SECS, MIN_POLL_INTERVAL_SECS);
        idle.max(poll_interval)
    }

    /// A whole number of seconds, at least `min`; `default` when unset (or when wrong, with the
    /// error noted).
    fn seconds(&mut self, name: &'static str, default: u64, min: u64) -> Duration {
        let secs = match self.optional(name) {
            None => default,
            Some(raw) => match raw.parse::<u64>() {
                Ok(secs) if secs >= min => secs,
                Ok(secs) => {
                    self.fail(name, format!("is {secs}, below the minimum of {min}: use {min} or more"));
                    default
                }
                Err(_) => {
                    self.fail(
                        name,
                        format!("is not a whole number of seconds (got {raw:?}): use a value like {default}"),
                    );
                    default
                }
            },
        };
        Duration::from_secs(secs)
    }

    fn upload_budget(&mut self) -> u64 {
        const NAME: &str = "CARD_UPLOAD_BUDGET_MIB";
        const MIB: u64 = 1024 * 1024;
        let Some(raw) = self.optional(NAME) else { return DEFAULT_UPLOAD_BUDGET };
        match raw.parse::<u64>() {
            Ok(mib) if (1..=MAX_UPLOAD_BUDGET_MIB).contains(&mib) => mib * MIB,
            _ => {
                self.fail(NAME, format!("is {raw:?}: use a whole number of MiB from 1 to {MAX_UPLOAD_BUDGET_MIB}, e.g. 10 (25 or more only in a boosted server)"));
                DEFAULT_UPLOAD_BUDGET
            }
        }
    }

    fn log_format(&mut self) -> LogFormat {
        match self.optional("LOG_FORMAT").as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                self.fail("LOG_FORMAT", format!("is {other:?}: use pretty or json"));
                LogFormat::Pretty
            }
        }
    }
}

mod endpoint;
mod policy;
mod preview_hosts;
#[cfg(test)]
mod tests;
