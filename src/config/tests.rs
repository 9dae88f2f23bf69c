use super::*;
use secrecy::ExposeSecret;
use std::collections::HashMap;

fn minimal() -> HashMap<&'static str, String> {
    HashMap::from([
        ("DISCORD_TOKEN", "discord-token-value".to_owned()),
        ("DISCORD_GUILD_ID", "41".to_owned()),
        ("SCENARIO_SDK_API_KEY", "key-value".to_owned()),
        ("SCENARIO_SDK_API_SECRET", "secret-value".to_owned()),
    ])
}

fn read(vars: &HashMap<&'static str, String>) -> Result<Settings, ConfigError> {
    Settings::from_lookup(|name| vars.get(name).cloned())
}

fn errors_of(vars: &HashMap<&'static str, String>) -> Vec<SettingError> {
    read(vars).expect_err("settings should be refused").0
}

#[test]
fn the_three_required_settings_and_a_home_server_are_enough_and_defaults_apply() {
    let settings = read(&minimal()).unwrap();
    assert_eq!(settings.scenario.base_url.as_str(), DEFAULT_BASE_URL);
    assert_eq!(&*settings.database_url, DEFAULT_DATABASE_URL);
    assert_eq!(settings.poll_interval, Duration::from_secs(5));
    assert_eq!(settings.full_sweep, Duration::from_secs(600));
    assert_eq!(settings.log_format, LogFormat::Pretty);
    assert!(settings.discord.reviewer_role_ids.is_empty());
    assert_eq!(settings.discord.token.expose_secret(), "discord-token-value");
}

#[test]
fn every_missing_required_setting_is_named_with_a_fix() {
    let errors = errors_of(&HashMap::new());
    let names: Vec<_> = errors.iter().map(|e| e.name).collect();
    assert_eq!(
        names,
        ["DISCORD_TOKEN", "DISCORD_GUILD_ID", "SCENARIO_SDK_API_KEY", "SCENARIO_SDK_API_SECRET"]
    );
    let required = errors.iter().filter(|e| e.name != "DISCORD_GUILD_ID");
    assert!(required.clone().all(|e| e.problem.starts_with("is missing: set it to")));
}

#[test]
fn without_a_home_server_or_a_default_channel_the_start_is_refused_naming_both() {
    let mut vars = minimal();
    vars.remove("DISCORD_GUILD_ID");
    let errors = errors_of(&vars);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let line = errors[0].to_string();
    assert!(line.starts_with("DISCORD_GUILD_ID and APPROVAL_CHANNEL_ID are both unset"), "{line}");

    vars.insert("APPROVAL_CHANNEL_ID", "77".into());
    let settings = read(&vars).expect("the channel's server is the home server");
    assert_eq!(settings.discord.guild_id, None, "found from the channel at start");
}

#[test]
fn empty_values_count_as_unset() {
    let mut vars = minimal();
    vars.insert("DISCORD_TOKEN", "  ".into());
    vars.insert("APPROVAL_CHANNEL_ID", "".into());
    let errors = errors_of(&vars);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].name, "DISCORD_TOKEN");
}

#[test]
fn malformed_values_are_each_reported_on_their_own_line() {
    let mut vars = minimal();
    vars.insert("DISCORD_GUILD_ID", "my-server".into());
    vars.insert("APPROVAL_CHANNEL_ID", "0".into());
    vars.insert("REVIEWER_ROLE_IDS", "123, abc".into());
    vars.insert("SCENARIO_BASE_URL", "api.cloud.scenario.com".into());
    vars.insert("POLL_INTERVAL_SECS", "1".into());
    vars.insert("HTTP_ADDR", "8080".into());
    vars.insert("LOG_FORMAT", "xml".into());
    vars.insert("DATABASE_URL", "mysql://db".into());
    let err = read(&vars).unwrap_err();
    let names: Vec<_> = err.0.iter().map(|e| e.name).collect();
    assert_eq!(
        names,
        [
            "DISCORD_GUILD_ID",
            "APPROVAL_CHANNEL_ID",
            "REVIEWER_ROLE_IDS",
            "SCENARIO_BASE_URL",
            "DATABASE_URL",
            "POLL_INTERVAL_SECS",
            "HTTP_ADDR",
            "LOG_FORMAT"
        ]
    );
    let text = err.to_string();
    assert_eq!(text.lines().count(), 8);
    assert!(text.contains("POLL_INTERVAL_SECS is 1, below the minimum of 2: use 2 or more"));
}

#[test]
fn a_poll_interval_that_is_not_a_number_is_refused() {
    let mut vars = minimal();
    vars.insert("POLL_INTERVAL_SECS", "15s".into());
    let errors = errors_of(&vars);
    assert_eq!(errors[0].name, "POLL_INTERVAL_SECS");
    assert!(errors[0].problem.contains("whole number"));
}

#[test]
fn a_full_sweep_period_below_a_minute_or_not_a_number_is_refused() {
    let mut vars = minimal();
    vars.insert("FULL_SWEEP_SECS", "30".into());
    let errors = errors_of(&vars);
    assert_eq!(errors[0].to_string(), "FULL_SWEEP_SECS is 30, below the minimum of 60: use 60 or more");

    vars.insert("FULL_SWEEP_SECS", "10m".into());
    let errors = errors_of(&vars);
    assert_eq!(errors[0].name, "FULL_SWEEP_SECS");
    assert!(errors[0].problem.contains("whole number"), "{}", errors[0].problem);

    vars.insert("FULL_SWEEP_SECS", "120".into());
    assert_eq!(read(&vars).unwrap().full_sweep, Duration::from_secs(120));
}

#[test]
fn the_scan_needs_only_the_scenario_settings() {
    let vars = HashMap::from([
        ("SCENARIO_SDK_API_KEY", "key-value".to_owned()),
        ("SCENARIO_SDK_API_SECRET", "secret-value".to_owned()),
        ("APPROVAL_CHANNEL_ID", "42".to_owned()),
    ]);
    let settings = ScanSettings::from_lookup(|name| vars.get(name).cloned()).unwrap();
    assert_eq!(settings.approval_channel_id.map(NonZeroU64::get), Some(42));
    assert_eq!(&*settings.database_url, DEFAULT_DATABASE_URL);

    let err = ScanSettings::from_lookup(|_| None).unwrap_err();
    let names: Vec<_> = err.0.iter().map(|e| e.name).collect();
    assert_eq!(names, ["SCENARIO_SDK_API_KEY", "SCENARIO_SDK_API_SECRET"]);
}

#[test]
fn a_token_with_a_bot_prefix_is_refused() {
    let mut vars = minimal();
    vars.insert("DISCORD_TOKEN", "Bot abc".into());
    assert_eq!(errors_of(&vars)[0].name, "DISCORD_TOKEN");
}

#[test]
fn optional_settings_are_parsed() {
    let mut vars = minimal();
    vars.insert("DISCORD_API_BASE", "http://127.0.0.1:9000".into());
    vars.insert("DISCORD_GUILD_ID", "42".into());
    vars.insert("REVIEWER_ROLE_IDS", "7,8 ,9".into());
    vars.insert("SCENARIO_PROJECT_ID", "proj_1".into());
    vars.insert("HTTP_ADDR", "127.0.0.1:8080".into());
    vars.insert("LOG_FORMAT", "JSON".into());
    let settings = read(&vars).unwrap();
    assert_eq!(settings.discord.guild_id.map(NonZeroU64::get), Some(42));
    let roles: Vec<u64> = settings.discord.reviewer_role_ids.iter().map(|r| r.get()).collect();
    assert_eq!(roles, [7, 8, 9]);
    assert_eq!(settings.scenario.project_id.as_deref(), Some("proj_1"));
    assert_eq!(settings.log_format, LogFormat::Json);
    assert!(settings.http_addr.is_some());
}

#[test]
fn debug_output_never_shows_a_secret() {
    let settings = read(&minimal()).unwrap();
    let shown = format!("{settings:?}");
    assert!(!shown.contains("discord-token-value"));
    assert!(!shown.contains("secret-value"));
    assert!(!shown.contains("key-value"));
}

#[test]
fn the_card_upload_budget_defaults_to_ten_mib_and_is_read_in_whole_mib_within_bounds() {
    assert_eq!(read(&minimal()).unwrap().discord.card_upload_budget, 10 * 1024 * 1024);
    let mut vars = minimal();
    vars.insert("CARD_UPLOAD_BUDGET_MIB", "25".into());
    assert_eq!(read(&vars).unwrap().discord.card_upload_budget, 25 * 1024 * 1024);
    for bad in ["0", "101", "2.5", "ten"] {
        vars.insert("CARD_UPLOAD_BUDGET_MIB", bad.into());
        let errors = errors_of(&vars);
        assert_eq!(errors.len(), 1, "{bad}");
        assert_eq!(errors[0].name, "CARD_UPLOAD_BUDGET_MIB");
        assert!(errors[0].problem.contains("from 1 to 100"), "{}", errors[0].problem);
    }
}

#[test]
fn the_endpoints_idle_timeout_and_trusted_proxies_are_read_and_each_bad_one_reported() {
    let mut vars = minimal();
    vars.insert("INTERACTIONS_ADDR", "127.0.0.1:8443".into());
    let endpoint = |vars: &HashMap<&'static str, String>| read(vars).map(|s| s.interactions);
    let key = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
    vars.insert("DISCORD_PUBLIC_KEY", key.into());
    let defaults = endpoint(&vars).unwrap().expect("the endpoint is on");
    assert_eq!(defaults.idle_timeout, Duration::from_secs(75));
    assert!(defaults.trusted_proxies.is_empty());

    vars.insert("INTERACTIONS_IDLE_SECS", "620".into());
    vars.insert("INTERACTIONS_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7".into());
    let set = endpoint(&vars).unwrap().unwrap();
    assert_eq!(set.idle_timeout, Duration::from_secs(620));
    assert!(set.trusted_proxies.contains("10.9.8.7".parse().unwrap()));

    vars.insert("INTERACTIONS_IDLE_SECS", "0".into());
    vars.insert("INTERACTIONS_TRUSTED_PROXIES", "10.0.0.0/8, lb.internal".into());
    vars.insert("LOG_FORMAT", "xml".into());
    let errors = errors_of(&vars);
    let names: Vec<_> = errors.iter().map(|e| e.name).collect();
    assert_eq!(names, ["INTERACTIONS_IDLE_SECS", "INTERACTIONS_TRUSTED_PROXIES", "LOG_FORMAT"]);
    assert!(errors[1].problem.contains("\"lb.internal\""), "{}", errors[1].problem);
}

#[test]
fn a_database_password_shows_in_neither_debug_nor_a_wrong_scheme_error() {
    for url in [
        "postgres://bridge:hunter2@db:5432/bridge",
        "postgres://bridge@db/bridge?sslmode=require&password=hunter2",
    ] {
        let mut vars = minimal();
        vars.insert("DATABASE_URL", url.into());
        let settings = read(&vars).unwrap();
        assert_eq!(&*settings.database_url, url, "the driver gets the whole URL");
        for shown in [format!("{settings:?}"), settings.database_url.to_string()] {
            assert!(!shown.contains("hunter2") && shown.contains("[redacted]"), "{shown}");
        }
        let scan = ScanSettings::from_lookup(|name| vars.get(name).cloned()).unwrap();
        assert!(!format!("{scan:?}").contains("hunter2"));

        vars.insert("DATABASE_URL", url.replace("postgres", "mysql"));
        let error = read(&vars).unwrap_err().to_string();
        assert!(error.starts_with("DATABASE_URL must be a SQLite or PostgreSQL URL"), "{error}");
        assert!(!error.contains("hunter2") && error.contains("mysql://bridge"), "{error}");
    }
}

#[test]
fn preview_hosts_default_to_scenarios_cdn_and_a_bad_list_is_reported_with_the_other_errors() {
    let hosts = read(&minimal()).unwrap().discord.preview_hosts;
    assert_eq!(hosts, PreviewHosts::parse(DEFAULT_PREVIEW_HOSTS).unwrap());
    let mut vars = minimal();
    vars.insert("PREVIEW_HOSTS", "cdn.scenario.com, gopher://x.example".to_owned());
    vars.insert("LOG_FORMAT", "xml".to_owned());
    let errors = errors_of(&vars);
    let names: Vec<_> = errors.iter().map(|e| e.name).collect();
    assert_eq!(names, ["PREVIEW_HOSTS", "LOG_FORMAT"]);
    assert!(errors[0].problem.contains("\"gopher://x.example\""), "{}", errors[0].problem);
    assert!(!errors[0].problem.contains("\"cdn.scenario.com\""), "{}", errors[0].problem);
}

#[test]
fn the_request_budget_and_the_idle_cadence_have_defaults_and_bounds() {
    let settings = read(&minimal()).unwrap();
    assert_eq!(settings.scenario.requests_per_minute, 60);
    assert_eq!(settings.poll_idle_interval, Duration::from_secs(30));

    let mut vars = minimal();
    vars.insert("SCENARIO_REQUESTS_PER_MINUTE", "0".into());
    vars.insert("POLL_INTERVAL_SECS", "40".into());
    let settings = read(&vars).unwrap();
    assert_eq!(settings.scenario.requests_per_minute, 0, "0 turns the budget off");
    assert_eq!(settings.poll_idle_interval, Duration::from_secs(40), "never faster than in flight");

    vars.insert("POLL_IDLE_INTERVAL_SECS", "10".into());
    assert_eq!(read(&vars).unwrap().poll_idle_interval, Duration::from_secs(40), "one cadence");

    vars.insert("SCENARIO_REQUESTS_PER_MINUTE", "lots".into());
    vars.insert("POLL_IDLE_INTERVAL_SECS", "1".into());
    let errors = errors_of(&vars);
    let names: Vec<&str> = errors.iter().map(|e| e.name).collect();
    assert_eq!(names, ["SCENARIO_REQUESTS_PER_MINUTE", "POLL_IDLE_INTERVAL_SECS"], "{errors:?}");
    assert!(errors[1].problem.contains("below the minimum of 2"), "{errors:?}");
}

#[test]
fn events_need_a_url_and_a_long_secret_and_neither_shows_in_debug() {
    assert!(read(&minimal()).unwrap().events.is_none());
    let mut vars = minimal();
    vars.insert("EVENTS_URL", "https://tracker.example.com/hooks/approvals?token=abc123".into());
    let names: Vec<_> = errors_of(&vars).iter().map(|e| e.name).collect();
    assert_eq!(names, ["EVENTS_SECRET"], "a URL without a secret");
    vars.insert("EVENTS_SECRET", "short".into());
    let errors = errors_of(&vars);
    assert!(errors[0].problem.contains("at least 16 characters"), "{errors:?}");
    vars.insert("EVENTS_SECRET", "a-long-enough-signing-secret".into());
    vars.insert("EVENTS_RETRY_MAX_SECS", "2".into());
    let settings = read(&vars).unwrap();
    let events = settings.events.as_ref().unwrap();
    assert_eq!((events.retry_max, events.park_after), (Duration::from_secs(2), Duration::from_secs(86_400)));
    let shown = format!("{settings:?}");
    assert!(shown.contains("https://tracker.example.com"), "{shown}");
    assert!(!shown.contains("abc123") && !shown.contains("a-long-enough-signing-secret"), "{shown}");

    vars.insert("EVENTS_URL", "https://user:pw@tracker.example.com/".into());
    let errors = errors_of(&vars);
    assert!(errors[0].problem.contains("carries a user or password") && !errors[0].problem.contains("pw"));
    let mut vars = minimal();
    vars.insert("EVENTS_SECRET", "a-long-enough-signing-secret".into());
    assert!(errors_of(&vars)[0].problem.contains("EVENTS_URL is not"));
}
