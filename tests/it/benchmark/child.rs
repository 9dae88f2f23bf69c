//! The bridge binary as a child process against the in-process fakes, and what `/proc` says
//! about it: CPU time of all its threads, resident memory.

use std::collections::HashMap;
use std::fs;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{
    app::env_for,
    fake_discord::FakeDiscord,
    fake_scenario::{Endpoint, FakeScenario, RecordedRequest},
    wait::within,
};

/// Two fakes, a card channel, a reviewer role and a directory for the database and the log.
pub struct Rig {
    /// The fake Discord.
    pub discord: FakeDiscord,
    /// The fake Scenario.
    pub scenario: FakeScenario,
    /// The channel `APPROVAL_CHANNEL_ID` names.
    pub channel: u64,
    /// The role `REVIEWER_ROLE_IDS` names.
    pub reviewer_role: u64,
    /// Where the database and the child's log live.
    pub dir: tempfile::TempDir,
}

impl Rig {
    /// Fresh fakes and an empty directory.
    pub async fn new() -> Self {
        let discord = FakeDiscord::start().await;
        let scenario = FakeScenario::start().await;
        let channel = discord.add_text_channel("approvals");
        let reviewer_role = discord.add_role("Reviewers", "0");
        let dir = tempfile::tempdir().expect("temp dir");
        Self { discord, scenario, channel, reviewer_role, dir }
    }

    /// The database URL the child uses.
    pub fn database_url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("bridge.db").display())
    }

    /// The environment of a bridge against these fakes, polling every `poll_secs`.
    pub fn env(&self, poll_secs: u64) -> HashMap<&'static str, String> {
        let database = self.dir.path().join("bridge.db");
        let mut env = env_for(&self.discord, &self.scenario, self.channel, self.reviewer_role, &database);
        env.insert("POLL_INTERVAL_SECS", poll_secs.to_string());
        env.insert("NO_PROXY", "127.0.0.1,localhost".to_owned());
        env
    }

    /// Starts the bridge binary polling every `poll_secs`.
    pub fn spawn(&self, poll_secs: u64) -> Child {
        Child::spawn(&self.env(poll_secs), self.dir.path())
    }

    /// Waits until the child identified on the gateway and got READY.
    pub async fn wait_for_ready(&self, child: &mut Child) -> Instant {
        let ready = self.discord.wait_for_ready(Duration::from_secs(30)).await;
        let at = Instant::now();
        assert!(ready, "the bridge never got READY; its log:\n{}", child.log_tail());
        at
    }

    /// How many passes have started; see [`pass_starts`].
    pub fn passes_started(&self) -> usize {
        pass_starts(&self.scenario.requests()).len()
    }

    /// Waits until `n` passes have started; `None` after `timeout`.
    pub async fn wait_for_pass(&self, n: usize, timeout: Duration) -> Option<Instant> {
        within(timeout, async || (self.passes_started() >= n).then(Instant::now)).await
    }

    /// Waits until the fake Discord got `n` card posts in the channel; `false` after `timeout`.
    pub async fn wait_for_cards(&self, n: usize, timeout: Duration) -> bool {
        let path = format!("/channels/{}/messages", self.channel);
        let posted = self.discord.wait_for_requests(|r| r.method == "POST" && r.path == path, n, timeout);
        posted.await.is_some()
    }
}

/// Where passes start in a request log: a pass opens with the first page of either the delta
/// listing (`updatedAfter`) or a sweep's first status (`pending`). A delta the fake refuses is
/// followed by the sweep of the same pass, which counts as a start of its own.
pub fn pass_starts(log: &[RecordedRequest]) -> Vec<usize> {
    let opens = |r: &RecordedRequest| {
        r.endpoint == Endpoint::ListJobs
            && r.param("paginationToken").is_none()
            && (r.param("updatedAfter").is_some() || r.param("status") == Some("pending"))
    };
    log.iter().enumerate().filter(|(_, r)| opens(r)).map(|(i, _)| i).collect()
}

/// A running bridge binary; killed when dropped.
pub struct Child {
    process: std::process::Child,
    /// Just before the spawn.
    pub spawned_at: Instant,
    log: std::path::PathBuf,
}

impl Child {
    /// Starts `approval-bridge` with exactly `env` (and `PATH`), in `dir`, its log in `dir`.
    pub fn spawn(env: &HashMap<&'static str, String>, dir: &std::path::Path) -> Self {
        let log = dir.join(format!("bridge-{}.log", fastrand::u32(..)));
        let stderr = fs::File::create(&log).expect("a log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_approval-bridge"));
        command
            .env_clear()
            .envs(env)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        if let Some(path) = std::env::var_os("PATH") {
            command.env("PATH", path);
        }
        if let Some(filter) = std::env::var_os("BENCH_RUST_LOG") {
            command.env("RUST_LOG", filter);
        }
        // glibc's allocator settings (`MALLOC_ARENA_MAX`, …) pass through, to study memory.
        command.envs(std::env::vars_os().filter(|(name, _)| name.to_string_lossy().starts_with("MALLOC_")));
        let spawned_at = Instant::now();
        let process = command.spawn().expect("the bridge binary starts");
        Self { process, spawned_at, log }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// CPU time used so far by the threads alive now, from `/proc/<pid>/task/*/schedstat`
    /// (nanoseconds, where `/proc/<pid>/stat` counts 10 ms ticks).
    pub fn cpu_time(&self) -> Duration {
        let Ok(tasks) = fs::read_dir(format!("/proc/{}/task", self.pid())) else { return Duration::ZERO };
        let nanos: u64 = tasks
            .filter_map(Result::ok)
            .filter_map(|task| fs::read_to_string(task.path().join("schedstat")).ok())
            .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
            .sum();
        Duration::from_nanos(nanos)
    }

    /// CPU time of the whole process (exited threads included), from `/proc/<pid>/stat`.
    pub fn process_cpu_time(&self) -> Duration {
        let stat = fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        // Fields after the command name (which may hold spaces) start at `state`, field 3.
        let after = stat.rsplit_once(") ").map(|(_, rest)| rest).unwrap_or_default();
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks: u64 = [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<u64>().ok()).sum();
        Duration::from_millis(ticks * 10) // USER_HZ is 100 on Linux.
    }

    /// `(VmRSS, VmHWM)` in KiB: resident memory now, and its peak.
    pub fn memory_kib(&self) -> (u64, u64) {
        let status = fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// The last lines of the child's log, for failure messages.
    pub fn log_tail(&mut self) -> String {
        if let Ok(Some(status)) = self.process.try_wait() {
            eprintln!("the bridge exited: {status}");
        }
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        // Our own child, by its handle; a benchmark's temporary database needs no clean stop.
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
