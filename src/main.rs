//! approval-bridge: settings, telemetry, build, run until stopped, and say why it stopped.

use std::process::ExitCode;

use approval_bridge::{
    app::App,
    check, config,
    config::{ScanSettings, Settings},
    export::{self, ExportArgs},
    ops::probe,
    scan, telemetry,
};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use tracing::error;

/// Posts a review card in Discord for every Scenario workflow run parked at an approval gate,
/// and turns a reviewer's click into the decision.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Clone)]
enum Command {
    /// Run the bridge (the default).
    Run,
    /// Check the settings, the database, Scenario and Discord once, then exit.
    Check,
    /// One read-only pass over Scenario (no Discord token needed): the gates the bridge would
    /// post, where, and the runs it would skip and why.
    Scan,
    /// Ask the running bridge's /healthz (at HTTP_ADDR); exit 0 when healthy, 1 otherwise.
    Health,
    /// Write the events the database holds (gates posted, votes, decisions, reminders, deadlines,
    /// refused attempts…) to standard output, as JSON Lines or CSV; the database is only read.
    Export(ExportArgs),
}

fn main() -> ExitCode {
    let matches = Cli::command().after_long_help(settings_help()).after_help(settings_help()).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    if let Err(err) = dotenvy::dotenv() {
        if !err.not_found() {
            eprintln!("the .env file could not be read: {err}");
            return ExitCode::from(2);
        }
    }
    let command = cli.command.unwrap_or(Command::Run);
    if let Command::Health = command {
        // Only HTTP_ADDR matters here: a health check must not fail over an unrelated setting.
        return health(std::env::var("HTTP_ADDR").ok().as_deref());
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("could not start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    if let Command::Export(args) = &command {
        // The export reads only the database.
        return match config::database_url_from_env() {
            Ok(url) => runtime.block_on(export_events(&url, args)),
            Err(err) => settings_error(&err),
        };
    }
    if let Command::Scan = command {
        // The scan reads only Scenario's settings: no Discord token is needed.
        return match ScanSettings::from_env() {
            Ok(settings) => runtime.block_on(scan_once(settings)),
            Err(err) => settings_error(&err),
        };
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => return settings_error(&err),
    };
    match command {
        Command::Run => runtime.block_on(run(settings)),
        Command::Check => runtime.block_on(check(settings)),
        Command::Health | Command::Scan | Command::Export(_) => {
            unreachable!("answered before the settings are read")
        }
    }
}

async fn run(settings: Settings) -> ExitCode {
    // A second subscriber cannot exist in this process; an error here would only be a bug.
    let _ = telemetry::init(settings.log_format, std::io::stderr);
    let app = match App::build(&settings).await {
        Ok(app) => app,
        Err(err) => {
            error!(error = format!("{err:#}"), "could not start");
            return ExitCode::FAILURE;
        }
    };
    match app.run_until_stopped(stop_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            error!(error = format!("{err:#}"), "stopped because of an error");
            ExitCode::FAILURE
        }
    }
}

async fn check(settings: Settings) -> ExitCode {
    println!("settings: ok");
    for warning in check::warnings(&settings) {
        println!("warning: {warning}");
    }
    let mut ok = true;
    for (name, result) in check::run(&settings).await {
        match result {
            Ok(detail) => println!("{name}: ok ({detail})"),
            Err(reason) => {
                ok = false;
                println!("{name}: FAILED: {reason}");
            }
        }
    }
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// Says what is wrong with the settings; exit code 2.
fn settings_error(err: &config::ConfigError) -> ExitCode {
    eprintln!("{err}");
    eprintln!("See `approval-bridge --help` for every setting.");
    ExitCode::from(2)
}

/// `approval-bridge scan`: 0 when Scenario answered, 1 when it did not.
async fn scan_once(settings: ScanSettings) -> ExitCode {
    match scan::run(&settings).await {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            println!("Scenario: FAILED: {err}");
            ExitCode::FAILURE
        }
    }
}

/// `approval-bridge export`: 0 when every event was written, 1 otherwise.
async fn export_events(database_url: &str, args: &ExportArgs) -> ExitCode {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match export::run(database_url, args, &mut out).await {
        Ok(count) => {
            eprintln!("{count} events exported");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("{}", approval_bridge::redact::redacted(&err));
            ExitCode::FAILURE
        }
    }
}

/// `approval-bridge health`: 0 when `/healthz` answers 200; 1 otherwise (Docker reserves 2).
fn health(http_addr: Option<&str>) -> ExitCode {
    match probe::run(http_addr) {
        Ok(body) => {
            println!("{body}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            println!("{err}");
            ExitCode::FAILURE
        }
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM (`docker stop`, systemd).
async fn stop_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => return interrupt.await.unwrap_or(()),
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

fn settings_help() -> String {
    let mut text =
        String::from("Settings (environment variables; a .env file in the working directory is read too):\n");
    for setting in config::SETTINGS {
        text.push_str(&format!("  {:<24} {}\n", setting.name, setting.meaning));
    }
    text
}
