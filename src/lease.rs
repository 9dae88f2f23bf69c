//! One active bridge per database: the lease.
//!
//! Two processes on one database (an overlapping rolling deploy, a second copy started by
//! mistake) would both poll, post and finish interrupted decisions. The running bridge holds a
//! lease row in the store, renewed every third of its length; a second process waits for it,
//! and takes over when the holder releases it at a clean stop, when it expires (the holder
//! vanished), or at once when the holder is known to be dead: a process on this machine, in this
//! pid namespace, whose pid no longer runs the program that took the lease (a crash, a SIGKILL).
//! The claims on approvals stay compare-and-swap, so even two processes acting at once for a
//! moment (a clock step that makes a live lease look expired) never send a decision twice.
//!
//! Several replicas on one PostgreSQL database (interactions over HTTP) all take clicks, and the
//! lease decides which one polls and posts. Each replica also keeps a heartbeat row, renewed as
//! the lease is: a claim made by a replica whose heartbeat stopped (expired, or its process known
//! dead) is taken over by the watcher; a claim of a running replica never is.
//!
//! Lease times are read on the shared clock ([`crate::store::now_ms`]: the database's, carried
//! forward on the monotonic clock), since they are compared across processes: a replica whose
//! wall clock is wrong neither takes a live lease nor loses its own. Each heartbeat reads the
//! database's clock again. How long the holder has gone without renewing is measured on the
//! monotonic clock, which cannot jump.

use std::time::Duration;

use tokio::{sync::watch, time::Instant};
use tracing::{info, warn};

use crate::store::{LeaseHeld, Store, StoreError, now_ms};

/// The longest wait between two tries of a standby: a released lease is taken within this.
const STANDBY_RETRY: Duration = Duration::from_secs(1);

/// This process's hold on the database.
pub struct Lease {
    store: Store,
    me: String,
    ttl: Duration,
    standby: watch::Sender<Option<String>>,
}

/// Why a held lease ended.
#[derive(Debug, thiserror::Error)]
pub enum LeaseLost {
    /// Another process holds it now.
    #[error("another bridge took over the database ({0}); this one stops")]
    TakenOver(String),
    /// It could not be renewed before it expired.
    #[error("the hold on the database could not be renewed before it expired ({0}); this one stops")]
    Unrenewed(StoreError),
}

impl Lease {
    /// A lease on `store` lasting `ttl` unrenewed, for this process.
    pub fn new(store: Store, ttl: Duration) -> Self {
        Self { store, me: identity(), ttl, standby: watch::Sender::new(None) }
    }

    /// The holder this process waits for while it stands by (`None` once it holds the lease, or
    /// before it first tried), for the health endpoint.
    pub fn standby(&self) -> watch::Receiver<Option<String>> {
        self.standby.subscribe()
    }

    /// This process's identity in the lease row.
    pub fn holder(&self) -> &str {
        &self.me
    }

    /// Waits until this process holds the lease, logging once per holder why it waits. Database
    /// errors are retried (logged once per streak): a standby outlives a passing failure.
    pub async fn acquire(&self) {
        let (mut waiting_for, mut failing) = (None::<String>, false);
        loop {
            let mut attempt = self.try_take(None).await;
            if let Ok(Some(held)) = &attempt {
                if is_dead(&held.holder) {
                    info!(holder = %held.holder, "the process holding the database is gone; taking over");
                    attempt = self.try_take(Some(&held.holder)).await;
                }
            }
            match attempt {
                Ok(None) => {
                    self.standby.send_replace(None);
                    if waiting_for.is_some() {
                        info!(holder = %self.me, "took over the database: this bridge is now the active one");
                    }
                    return;
                }
                Ok(Some(held)) => {
                    failing = false;
                    if waiting_for.as_ref() != Some(&held.holder) {
                        let in_secs = (held.expires_at - now_ms()).max(0) / 1000;
                        warn!(
                            holder = %held.holder,
                            expires_in_secs = in_secs,
                            "another bridge is active on this database; waiting until it stops"
                        );
                        self.standby.send_replace(Some(held.holder.clone()));
                        waiting_for = Some(held.holder);
                    }
                }
                Err(err) => {
                    if !failing {
                        warn!(error = %err, "the database lease could not be read; trying again");
                    }
                    failing = true;
                }
            }
            tokio::time::sleep(STANDBY_RETRY.min(self.ttl / 3)).await;
        }
    }

    /// Renews the lease every third of its length; returns only when it is lost.
    pub async fn keep(&self) -> LeaseLost {
        let mut renewed = Instant::now();
        loop {
            tokio::time::sleep(self.ttl / 3).await;
            match self.try_take(None).await {
                Ok(None) => renewed = Instant::now(),
                Ok(Some(held)) => return LeaseLost::TakenOver(held.holder),
                // Renewal is retried until the lease would have run out: past that, another
                // process may rightly have taken it.
                Err(err) if renewed.elapsed() + self.ttl / 3 >= self.ttl => return LeaseLost::Unrenewed(err),
                Err(err) => warn!(error = %err, "the database lease could not be renewed; trying again"),
            }
        }
    }

    /// Gives the lease up, so a waiting process takes over at once.
    pub async fn release(&self) {
        if let Err(err) = self.store.release_lease(&self.me).await {
            warn!(error = %err, "the database lease could not be released; it expires by itself");
        }
    }

    /// Renews this replica's heartbeat once (`owner` is the name in its claim tokens), reading
    /// the database's clock again first.
    pub async fn beat(&self, owner: &str) -> Result<(), StoreError> {
        self.store.sync_clock().await?;
        let now = now_ms();
        self.store.beat(owner, &self.me, now, now.saturating_add(millis(self.ttl))).await
    }

    /// Renews the heartbeat every third of the lease, for as long as it is polled.
    pub async fn keep_beating(&self, owner: &str) {
        loop {
            tokio::time::sleep(self.ttl / 3).await;
            if let Err(err) = self.beat(owner).await {
                warn!(error = %err, "this replica's heartbeat could not be renewed; trying again");
            }
        }
    }

    /// Removes the heartbeat at a clean stop, so this replica's claims are known orphaned at once.
    pub async fn stop_beating(&self, owner: &str) {
        if let Err(err) = self.store.stop_beating(owner, &self.me).await {
            warn!(error = %err, "this replica's heartbeat could not be removed; it expires by itself");
        }
    }

    async fn try_take(&self, dead: Option<&str>) -> Result<Option<LeaseHeld>, StoreError> {
        let now = now_ms();
        self.store.take_lease(&self.me, now, now.saturating_add(millis(self.ttl)), dead).await
    }
}

/// Whether replica `owner` still runs: its heartbeat has not expired, and its process is not
/// known to have stopped.
pub async fn replica_runs(store: &Store, owner: &str) -> Result<bool, StoreError> {
    Ok(store.replica(owner, now_ms()).await?.is_some_and(|holder| !is_dead(&holder)))
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// A lease holder as the lease names it: the host, and, where `/proc` tells, the boot, the pid
/// namespace, the pid and the process's start time, so a process on the same machine can tell
/// whether the holder still runs (a pid alone could have been reused by another program); last a
/// random nonce, since two bridges in one process (tests) are two holders.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Process {
    host: String,
    local: Option<Local>,
    nonce: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Local {
    boot: String,
    pid_ns: String,
    pid: u32,
    start: String,
}

impl Process {
    fn current() -> Self {
        let pid = std::process::id();
        let host = read_trimmed("/proc/sys/kernel/hostname").unwrap_or_else(|| "unknown-host".to_owned());
        let local = (|| {
            Some(Local {
                boot: read_trimmed("/proc/sys/kernel/random/boot_id")?,
                pid_ns: std::fs::read_link("/proc/self/ns/pid").ok()?.to_string_lossy().into_owned(),
                pid,
                start: start_time(pid)?,
            })
        })();
        Self { host, local, nonce: format!("{:016x}", fastrand::u64(..)) }
    }

    fn render(&self) -> String {
        let Self { host, nonce, .. } = self;
        match &self.local {
            Some(l) => format!(
                "{host} boot={} ns={} pid={} start={} nonce={nonce}",
                l.boot, l.pid_ns, l.pid, l.start
            ),
            // Without /proc nobody can check this holder's liveness; its lease expires instead.
            None => format!("{host} pid={} nonce={nonce}", std::process::id()),
        }
    }

    fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split(' ');
        let host = parts.next()?.to_owned();
        let mut field = |key: &str| parts.next()?.strip_prefix(key).map(str::to_owned);
        let local = (|| {
            Some(Local {
                boot: field("boot=")?,
                pid_ns: field("ns=")?,
                pid: field("pid=")?.parse().ok()?,
                start: field("start=")?,
            })
        })();
        let nonce = field("nonce=").unwrap_or_default();
        Some(Self { host, local, nonce })
    }
}

/// This process's identity in the lease.
fn identity() -> String {
    Process::current().render()
}

/// Whether `holder` is a process known to have stopped: it ran on this machine since its last
/// boot, in this pid namespace, and its pid is gone or runs a process started at another time.
/// Anything that cannot be checked is taken as alive: its lease expires by itself.
fn is_dead(holder: &str) -> bool {
    let (Some(them), me) = (Process::parse(holder), Process::current()) else { return false };
    let (Some(theirs), Some(mine)) = (&them.local, &me.local) else { return false };
    let same_place = them.host == me.host && theirs.boot == mine.boot && theirs.pid_ns == mine.pid_ns;
    same_place && start_time(theirs.pid).as_ref() != Some(&theirs.start)
}

/// The start time of process `pid` (field 22 of `/proc/<pid>/stat`, in clock ticks since boot).
fn start_time(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19).map(str::to_owned)
}

fn read_trimmed(path: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(text.trim().replace(' ', "_")).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_its_identity_reads_back() {
        let me = identity();
        assert_eq!(Process::parse(&me).map(|p| p.render()), Some(me.clone()), "{me}");
        assert!(!is_dead(&me), "{me}");
    }

    #[test]
    fn a_process_of_this_machine_that_has_exited_is_dead() {
        let mut child = std::process::Command::new("true").spawn().expect("spawn true");
        let pid = child.id();
        let mut them = Process::current();
        let local = them.local.as_mut().expect("/proc is readable here");
        local.pid = pid;
        local.start = start_time(pid).unwrap_or_else(|| "0".into());
        child.wait().expect("reap");
        assert!(is_dead(&them.render()), "{}", them.render());
    }

    #[test]
    fn the_same_pid_started_at_another_time_is_another_process() {
        let mut them = Process::current();
        them.local.as_mut().expect("/proc is readable here").start = "1".into();
        assert!(is_dead(&them.render()));
    }

    #[test]
    fn a_process_elsewhere_or_unreadable_is_never_declared_dead() {
        let mut other_host = Process::current();
        other_host.host = "another-host".into();
        other_host.local.as_mut().expect("/proc is readable here").pid = u32::MAX;
        assert!(!is_dead(&other_host.render()));
        let mut other_ns = Process::current();
        let local = other_ns.local.as_mut().expect("/proc is readable here");
        local.pid_ns = "pid:[1]".into();
        local.pid = u32::MAX;
        assert!(!is_dead(&other_ns.render()));
        assert!(!is_dead("host-without-proc pid=12 nonce=00ff"));
        assert!(!is_dead(""));
    }
}
