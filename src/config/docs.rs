//! The documented settings: the source of `--help` and of the README's table (a test keeps
//! the two equal).

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
        name: "RERUNS",
        meaning: "on or off: whether cards of workflows without a re-run policy of their own offer Re-run (default on)",
    },
    SettingDoc {
        name: "RERUN_MAX_COST",
        meaning: "the most creative units one re-run may cost, from its dry run, for workflows without a cap of their own (default: no cap)",
    },
    SettingDoc {
        name: "CARD_THREADS",
        meaning: "on or off: whether cards of workflows without a thread setting of their own start a thread, where reminders, escalations and the closing note go (default off)",
    },
    SettingDoc {
        name: "SELF_APPROVAL",
        meaning: "refused or allowed: whether a member linked to the Scenario user who started a run may approve its gates, for workflows without a rule of their own (default refused)",
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
        meaning: "seconds between full sweeps of every unfinished run, the backstop of the polls (default 600, at least 60); a sweep's pages go at the request budget's pace",
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
        meaning: "Scenario requests one bridge process may send per minute, decisions first, then what a person waits for, then polling (default 60; 0 turns the budget off); each replica has a budget of its own, so N replicas may send N times this: give each its share of the project's limit",
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
        name: "EVENTS_URL",
        meaning: "where each event (gate posted, vote, decision, reminder, deadline, refused attempts…) is POSTed as signed JSON, at least once and in order per gate (off when unset; needs EVENTS_SECRET)",
    },
    SettingDoc {
        name: "EVENTS_SECRET",
        meaning: "the key events are signed with (HMAC-SHA256, header X-Approval-Bridge-Signature), at least 16 characters, e.g. from openssl rand -hex 32",
    },
    SettingDoc {
        name: "EVENTS_RETRY_MAX_SECS",
        meaning: "the longest wait between two attempts to deliver an event; attempts back off from 1 s with jitter up to it (default 300)",
    },
    SettingDoc {
        name: "EVENTS_PARK_AFTER_SECS",
        meaning: "seconds an event's attempts may fail before it is parked (counted, shown by /approvals status, tried again at the next start) (default 86400, a day)",
    },
    SettingDoc {
        name: "LOG_FORMAT",
        meaning: "pretty (default) or json; RUST_LOG filters, e.g. info,approval_bridge=debug",
    },
];
