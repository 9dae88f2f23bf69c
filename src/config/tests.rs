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
    assert_eq!(settings.database_url, DEFAULT_DATABASE_URL);
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
    assert_eq!(settings.database_url, DEFAULT_DATABASE_URL);

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
