//! One budget for every Scenario request of a process, spent by priority.
//!
//! Scenario limits requests per project, and the project's budget is shared with everything
//! else the team runs against it. The bridge spends its share ([`BudgetSettings::per_minute`],
//! refilled evenly with a small burst) in [`Class`] order: a reviewer's decision first, then
//! what a person is waiting for, then polling and sweeps. Polling keeps a minimum share (one
//! grant in [`POLLING_EVERY`] while it waits) so that a flood of clicks cannot stop gates from
//! being found. Outside that share, polling leaves [`BudgetSettings::reserve`] tokens in the
//! bucket: a sweep's pages go at the refill rate, spread, never in one burst that empties it, and
//! a decision arriving in the middle of a sweep finds a token at once. A 429 pauses every class for its `Retry-After`; when the pause ends, one request
//! (the most urgent waiting) goes alone as a probe, and the rest follow only once it was not
//! refused again. The pause is the budget's, not each request's: nothing retries in between.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use tokio::sync::Notify;

use crate::monotonic::{MonotonicClock, TokioClock};

/// Who is waiting on a Scenario request, most urgent first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// A reviewer's decision: the PUT and the reads around it.
    Decision,
    /// Something a person is waiting for: a card of a gate just found, Full size, a command.
    Person,
    /// Polling and sweeps, which nobody watches.
    Polling,
}

impl Class {
    /// Every class, most urgent first.
    pub const ALL: [Class; 3] = [Class::Decision, Class::Person, Class::Polling];

    /// The name used in metrics and `/approvals status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Decision => "decision",
            Class::Person => "person",
            Class::Polling => "polling",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// While polling waits, at least one grant in this many goes to it.
pub const POLLING_EVERY: u32 = 5;

/// How the budget spends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BudgetSettings {
    /// Requests per minute this process may send; the refill rate.
    pub per_minute: u32,
    /// Requests that may go at once after a quiet spell, within the rate.
    pub burst: u32,
}

impl BudgetSettings {
    /// `per_minute` requests a minute, with a burst of a tenth of it (at least one).
    pub fn per_minute(per_minute: u32) -> Self {
        Self { per_minute: per_minute.max(1), burst: (per_minute / 10).max(1) }
    }

    /// The tokens polling leaves for the other classes, outside its minimum share: half the
    /// burst (none with a burst of one, where polling would otherwise never go).
    pub fn reserve(&self) -> u32 {
        self.burst / 2
    }
}

/// What the budget is doing, for `/approvals status`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BudgetUsage {
    /// The budget, requests per minute.
    pub per_minute: u32,
    /// Requests granted in the last minute.
    pub last_minute: usize,
    /// Requests waiting, by class (in [`Class::ALL`] order).
    pub waiting: [usize; 3],
    /// How much longer every request is held after a 429.
    pub paused_for: Option<Duration>,
}

/// The budget; cheap to clone, clones share it.
#[derive(Clone)]
pub struct Budget {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Budget").field("settings", &self.inner.settings).finish_non_exhaustive()
    }
}

struct Inner {
    settings: BudgetSettings,
    clock: Arc<dyn MonotonicClock>,
    state: Mutex<State>,
    /// Rung on every change a waiter may be waiting for: a grant, a pause, a probe answered.
    changed: Notify,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Probe {
    /// No 429 is being recovered from.
    Idle,
    /// A 429 paused the budget: the next grant goes alone.
    Needed,
    /// The probe is out; nobody else goes until it is answered.
    Out,
}

struct State {
    tokens: f64,
    refilled_at: Duration,
    paused_until: Duration,
    probe: Probe,
    queues: [VecDeque<u64>; 3],
    next_ticket: u64,
    /// Grants since polling last had one.
    since_polling: u32,
    /// When the requests of the last minute were granted.
    granted_at: VecDeque<Duration>,
}

/// The right to send one request. Tell it how the request went ([`Self::rate_limited`]); dropped,
/// it counts as answered.
pub struct Permit {
    budget: Budget,
    probe: bool,
    /// How long the request waited for the budget.
    pub waited: Duration,
}

impl Budget {
    /// A budget on tokio's clock.
    pub fn new(settings: BudgetSettings) -> Self {
        Self::with_clock(settings, Arc::new(TokioClock::default()))
    }

    /// A budget reading the time from `clock`.
    pub fn with_clock(settings: BudgetSettings, clock: Arc<dyn MonotonicClock>) -> Self {
        let state = State {
            tokens: f64::from(settings.burst),
            refilled_at: clock.now(),
            paused_until: Duration::ZERO,
            probe: Probe::Idle,
            queues: Default::default(),
            next_ticket: 0,
            since_polling: 0,
            granted_at: VecDeque::new(),
        };
        Self { inner: Arc::new(Inner { settings, clock, state: Mutex::new(state), changed: Notify::new() }) }
    }

    /// The settings it spends by.
    pub fn settings(&self) -> BudgetSettings {
        self.inner.settings
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means a panic elsewhere between two plain assignments.
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for this request's turn: its class's, within the rate, after any pause.
    pub async fn acquire(&self, class: Class) -> Permit {
        let started = self.inner.clock.now();
        let ticket = self.enqueue(class);
        // Leaves the queue if the caller stops waiting (a cancelled request).
        let mut queued = Queued { budget: self, class, ticket, granted: false };
        loop {
            let changed = self.inner.changed.notified();
            tokio::pin!(changed);
            // Registered before the state is read, so a change after the read still wakes us.
            changed.as_mut().enable();
            let wake_at = match self.try_grant(class, ticket) {
                Ok(probe) => {
                    queued.granted = true;
                    let waited = self.inner.clock.now().saturating_sub(started);
                    return Permit { budget: self.clone(), probe, waited };
                }
                Err(wake_at) => wake_at,
            };
            match wake_at {
                Some(at) => {
                    let alarm = self.inner.clock.alarm(at);
                    tokio::select! {
                        () = &mut changed => {}
                        () = alarm => {}
                    }
                }
                None => changed.await,
            }
        }
    }

    fn enqueue(&self, class: Class) -> u64 {
        let mut state = self.state();
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        state.queues[class.index()].push_back(ticket);
        ticket
    }

    /// Grants `ticket` if it is its turn (`Ok(whether it is the probe)`), else says when to look
    /// again: at a time, or (`None`) when something changes.
    fn try_grant(&self, class: Class, ticket: u64) -> Result<bool, Option<Duration>> {
        let now = self.inner.clock.now();
        let settings = self.inner.settings;
        let mut state = self.state();
        state.refill(now, settings);
        if now < state.paused_until {
            return Err(Some(state.paused_until));
        }
        if state.probe == Probe::Out {
            return Err(None);
        }
        let needed = match state.next_turn(f64::from(settings.reserve())) {
            Some((next, needed)) if next == class => needed,
            _ => return Err(None),
        };
        if state.queues[class.index()].front() != Some(&ticket) {
            return Err(None);
        }
        if state.tokens < needed {
            let missing = needed - state.tokens;
            let rate = f64::from(settings.per_minute) / 60.0;
            return Err(Some(now + Duration::from_secs_f64(missing / rate)));
        }
        state.tokens -= 1.0;
        state.queues[class.index()].pop_front();
        state.since_polling = if class == Class::Polling { 0 } else { state.since_polling + 1 };
        state.granted_at.push_back(now);
        let probe = state.probe == Probe::Needed;
        if probe {
            state.probe = Probe::Out;
        }
        drop(state);
        self.inner.changed.notify_waiters();
        Ok(probe)
    }

    /// Holds every class until `delay` from now (a 429's `Retry-After`), then lets one probe go.
    fn pause(&self, delay: Duration) {
        let now = self.inner.clock.now();
        let mut state = self.state();
        state.paused_until = state.paused_until.max(now + delay);
        state.probe = Probe::Needed;
        // After the pause only the probe's token is there: the project is not hit by a burst the
        // moment it lets the bridge back in.
        state.tokens = 1.0;
        state.refilled_at = state.paused_until;
        drop(state);
        self.inner.changed.notify_waiters();
    }

    /// What the budget is doing now.
    pub fn usage(&self) -> BudgetUsage {
        let now = self.inner.clock.now();
        let mut state = self.state();
        state.forget_before(now.saturating_sub(Duration::from_secs(60)));
        BudgetUsage {
            per_minute: self.inner.settings.per_minute,
            last_minute: state.granted_at.len(),
            waiting: state.queues.each_ref().map(VecDeque::len),
            paused_for: (state.paused_until > now).then(|| state.paused_until - now),
        }
    }
}

impl State {
    fn refill(&mut self, now: Duration, settings: BudgetSettings) {
        if now <= self.refilled_at {
            return;
        }
        let rate = f64::from(settings.per_minute) / 60.0;
        let earned = (now - self.refilled_at).as_secs_f64() * rate;
        self.tokens = (self.tokens + earned).min(f64::from(settings.burst));
        self.refilled_at = now;
        self.forget_before(now.saturating_sub(Duration::from_secs(60)));
    }

    fn forget_before(&mut self, cutoff: Duration) {
        while self.granted_at.front().is_some_and(|at| *at < cutoff) {
            self.granted_at.pop_front();
        }
    }

    /// The class whose first request goes next, and the tokens the bucket must hold for it: the
    /// most urgent waiting, with one token; polling, which nobody watches, only while `reserve`
    /// more are left for the others, except once every [`POLLING_EVERY`] grants while it waits
    /// (its share, with one token).
    fn next_turn(&self, reserve: f64) -> Option<(Class, f64)> {
        let polling_waits = !self.queues[Class::Polling.index()].is_empty();
        if polling_waits && self.since_polling + 1 >= POLLING_EVERY {
            return Some((Class::Polling, 1.0));
        }
        let class = Class::ALL.into_iter().find(|class| !self.queues[class.index()].is_empty())?;
        Some((class, if class == Class::Polling { 1.0 + reserve } else { 1.0 }))
    }
}

impl Permit {
    /// The request was answered 429: every class waits `delay`, then one probe goes.
    pub fn rate_limited(self, delay: Duration) {
        self.budget.pause(delay);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.probe {
            return;
        }
        let mut state = self.budget.state();
        // A probe answered with anything but a 429 (which set `Needed` again) lets the rest go.
        if state.probe == Probe::Out {
            state.probe = Probe::Idle;
            drop(state);
            self.budget.inner.changed.notify_waiters();
        }
    }
}

/// A request's place in its queue, given up if it stops waiting before its turn.
struct Queued<'a> {
    budget: &'a Budget,
    class: Class,
    ticket: u64,
    granted: bool,
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        if self.granted {
            return;
        }
        let mut state = self.budget.state();
        state.queues[self.class.index()].retain(|t| *t != self.ticket);
        drop(state);
        self.budget.inner.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests;
