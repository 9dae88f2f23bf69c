//! Reading the settings: every value checked, every problem collected, so one start reports
//! them all.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Collects values and every error found, so one start reports all problems at once.
pub(super) struct Reader<'a> {
    pub(super) lookup: &'a dyn Fn(&str) -> Option<String>,
    pub(super) errors: Vec<SettingError>,
}

impl Reader<'_> {
    pub(super) fn optional(&self, name: &str) -> Option<String> {
        (self.lookup)(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    pub(super) fn fail(&mut self, name: &'static str, problem: impl Into<String>) {
        self.errors.push(SettingError { name, problem: problem.into() });
    }

    pub(super) fn required(&mut self, name: &'static str, what: &str) -> String {
        self.optional(name).unwrap_or_else(|| {
            self.fail(name, format!("is missing: set it to {what}"));
            String::new()
        })
    }

    pub(super) fn secret(&mut self, name: &'static str, what: &str) -> SecretString {
        let value = self.required(name, what);
        if value.chars().any(char::is_whitespace) {
            self.fail(name, "contains spaces: paste the value alone, without quotes or a \"Bot \" prefix");
        }
        SecretString::from(value)
    }

    pub(super) fn url(&mut self, name: &'static str) -> Option<Url> {
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

    pub(super) fn parse_snowflake(raw: &str) -> Option<NonZeroU64> {
        raw.trim().parse::<u64>().ok().and_then(NonZeroU64::new)
    }

    pub(super) fn snowflake(&mut self, name: &'static str) -> Option<NonZeroU64> {
        let raw = self.optional(name)?;
        let id = Self::parse_snowflake(&raw);
        if id.is_none() {
            self.fail(name, format!("is not a Discord id (got {raw:?}): enable Developer Mode in Discord, right-click the item and choose Copy ID"));
        }
        id
    }

    pub(super) fn snowflakes(&mut self, name: &'static str) -> Vec<NonZeroU64> {
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
    pub(super) fn home_server(&mut self, discord: &DiscordSettings) {
        let named = |name| self.optional(name).is_some();
        let unnamed = !named("DISCORD_GUILD_ID") && !named("APPROVAL_CHANNEL_ID");
        if discord.guild_id.is_none() && unnamed {
            self.fail(
                "DISCORD_GUILD_ID",
                "and APPROVAL_CHANNEL_ID are both unset: set DISCORD_GUILD_ID to the id of the server the bridge serves (or APPROVAL_CHANNEL_ID to a channel in it)",
            );
        }
    }

    pub(super) fn socket_addr(&mut self, name: &'static str) -> Option<SocketAddr> {
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

    pub(super) fn database_url(&mut self) -> DatabaseUrl {
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

    pub(super) fn scenario(&mut self) -> ScenarioAccess {
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

    pub(super) fn requests_per_minute(&mut self) -> u32 {
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
    pub(super) fn idle_interval(&mut self, poll_interval: Duration) -> Duration {
        let idle =
            self.seconds("POLL_IDLE_INTERVAL_SECS", DEFAULT_POLL_IDLE_INTERVAL_SECS, MIN_POLL_INTERVAL_SECS);
        idle.max(poll_interval)
    }

    /// A whole number of seconds, at least `min`; `default` when unset (or when wrong, with the
    /// error noted).
    pub(super) fn seconds(&mut self, name: &'static str, default: u64, min: u64) -> Duration {
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

    pub(super) fn upload_budget(&mut self) -> u64 {
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

    pub(super) fn log_format(&mut self) -> LogFormat {
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
