//! The real `approval-bridge` binary (`approval-bridge run`) as a child process, pointed at the
//! in-process fakes, so tests can kill it with SIGKILL at any moment and start it again.
//!
//! Its settings come from the environment only (`env_clear` first: nothing of the test runner's
//! environment, such as a proxy or a `DATABASE_URL`, leaks in), its working directory is a
//! temporary directory (so no `.env` is read), and its log goes to one file across all its lives.

use std::{
    collections::BTreeMap,
    fs::{File, OpenOptions},
    io::{Read, Seek, SeekFrom},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
};

use super::{fake_discord::FakeDiscord, fake_scenario::FakeScenario};

/// The binary under test, built by cargo for this test run.
pub const BRIDGE_BIN: &str = env!("CARGO_BIN_EXE_approval-bridge");

/// The settings of a bridge against these fakes, as environment variables.
pub fn bridge_env(
    discord: &FakeDiscord,
    scenario: &FakeScenario,
    channel: u64,
    reviewer_role: u64,
    database: &Path,
) -> BTreeMap<String, String> {
    let mut env = super::app::env_for(discord, scenario, channel, reviewer_role, database);
    env.insert("POLL_INTERVAL_SECS", "2".to_owned());
    env.insert("NO_PROXY", "127.0.0.1,localhost".to_owned());
    env.insert("RUST_LOG", "info,approval_bridge=debug".to_owned());
    env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// One bridge process at a time, started and killed on demand.
pub struct ChildBridge {
    env: BTreeMap<String, String>,
    dir: PathBuf,
    log: PathBuf,
    child: Option<Child>,
    /// How many times it was started.
    pub starts: usize,
    /// How many times it was killed with SIGKILL.
    pub kills: usize,
}

impl ChildBridge {
    /// A bridge that will run in `dir` (its working directory and log file) with `env`.
    pub fn new(env: BTreeMap<String, String>, dir: &Path) -> Self {
        let log = dir.join("bridge.log");
        Self { env, dir: dir.to_owned(), log, child: None, starts: 0, kills: 0 }
    }

    /// Starts the binary (`approval-bridge run`).
    ///
    /// # Panics
    /// If one is running already, or the binary cannot be spawned.
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "the bridge is already running");
        let log = OpenOptions::new().create(true).append(true).open(&self.log).expect("open the bridge log");
        let child = Command::new(BRIDGE_BIN)
            .arg("run")
            .env_clear()
            .envs(&self.env)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log handle"))
            .stderr(log)
            .spawn()
            .expect("spawn approval-bridge");
        self.child = Some(child);
        self.starts += 1;
    }

    /// Kills it with SIGKILL (`Child::kill` on Unix) and reaps it.
    ///
    /// # Panics
    /// If it had exited on its own before: a bridge that stops by itself under these tests has
    /// crashed, which is a failure (the log tail is in the message).
    pub fn kill(&mut self) {
        let mut child = self.child.take().expect("the bridge is running");
        if let Some(status) = child.try_wait().expect("query the child") {
            panic!("the bridge exited by itself ({status}) before the kill:\n{}", self.log_tail(60));
        }
        child.kill().expect("SIGKILL the bridge");
        child.wait().expect("reap the bridge");
        self.kills += 1;
    }

    /// Whether a process is running (started, not killed, not exited).
    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| c.try_wait().ok().flatten().is_none())
    }

    /// The whole log of every life so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The last `lines` lines of the log, for failure messages.
    pub fn log_tail(&self, lines: usize) -> String {
        let mut text = String::new();
        if let Ok(mut file) = File::open(&self.log) {
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            let _ = file.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)));
            let _ = file.read_to_string(&mut text);
        }
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for ChildBridge {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
