//! The bridge's time: one clock for everything processes share.
//!
//! Leases, heartbeats, card turns, claims, reminders and deadlines are stamps one process writes
//! and another judges, so they must be read on one clock: the database's (PostgreSQL's `now()`;
//! SQLite is one machine, so that machine's clock). A process reads that clock when it connects
//! and again at each heartbeat, and in between carries it forward on its monotonic clock, which
//! no step of the wall clock moves. A replica whose wall clock is wrong by an hour, or steps a day
//! ahead, still reads the time its peers read.

use std::{
    sync::{
        OnceLock,
        atomic::{AtomicI64, Ordering},
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

/// The offset not set yet: the first read takes it from the wall clock.
const UNSET: i64 = i64::MIN;

/// The shared time minus the monotonic time since [`start`], in milliseconds.
static OFFSET: AtomicI64 = AtomicI64::new(UNSET);

/// The shared time as unix milliseconds, the unit of every time column: the database's clock as
/// last read, carried forward on the monotonic clock.
pub fn now_ms() -> i64 {
    let elapsed = since_start(Instant::now());
    let offset = match OFFSET.load(Ordering::Relaxed) {
        UNSET => {
            // Before the database was first read: this machine's clock, once, then carried
            // forward like any other reading.
            let first = wall_ms().saturating_sub(elapsed);
            match OFFSET.compare_exchange(UNSET, first, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => first,
                Err(set) => set,
            }
        }
        offset => offset,
    };
    offset.saturating_add(elapsed)
}

/// Sets the shared time to `shared_ms` as of the monotonic moment `at`.
pub(super) fn set(shared_ms: i64, at: Instant) {
    OFFSET.store(shared_ms.saturating_sub(since_start(at)), Ordering::Relaxed);
}

/// This machine's wall clock, unix milliseconds: the shared time on SQLite, and before the
/// database was first read.
pub(super) fn wall_ms() -> i64 {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    millis(since_epoch).saturating_add(test_skew_ms())
}

/// Milliseconds of monotonic time from this process's first clock reading to `at`.
fn since_start(at: Instant) -> i64 {
    static START: OnceLock<Instant> = OnceLock::new();
    millis(at.saturating_duration_since(*START.get_or_init(Instant::now)))
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// The environment variable naming a file whose content, whole seconds, is added to this
/// machine's wall clock. For tests only: they set a replica's clock wrong, or step it while it
/// runs, and check that nothing the replicas share moves. Never set in production.
pub const TEST_CLOCK_SKEW_FILE: &str = "APPROVAL_BRIDGE_TEST_ONLY_CLOCK_SKEW_FILE";

fn test_skew_ms() -> i64 {
    static FILE: OnceLock<Option<std::path::PathBuf>> = OnceLock::new();
    let Some(file) = FILE.get_or_init(|| std::env::var_os(TEST_CLOCK_SKEW_FILE).map(Into::into)) else {
        return 0;
    };
    let secs = std::fs::read_to_string(file).ok().and_then(|text| text.trim().parse::<i64>().ok());
    secs.unwrap_or(0).saturating_mul(1000)
}
