//! The claims this process's decisions hold right now.
//!
//! A row left `deciding` belongs to the decision that holds its claim token. A token no running
//! decision holds (the process that claimed it stopped, or its decision ended waiting for
//! Scenario) is an orphan, and the watcher takes it over under a new token. Every token names
//! the replica whose decision made it (`<owner>.<random>`): a token of another replica is an
//! orphan only once that replica stopped beating (see [`crate::lease`]), so a replica never
//! takes over a decision another replica is still sending. No clock decides
//! this, so a wall-clock step (NTP at boot, a resumed VM) can never make a claim in flight look
//! abandoned, and the store's token guards make sure a decision whose claim was taken over can
//! finish nothing.

use std::{
    collections::HashSet,
    sync::{Mutex, PoisonError},
};

use crate::approvals::ids::ClaimToken;

/// The claim tokens held by decisions running in this process.
#[derive(Debug)]
pub struct LiveClaims {
    owner: String,
    held: Mutex<HashSet<ClaimToken>>,
}

impl Default for LiveClaims {
    fn default() -> Self {
        let owner = std::iter::repeat_with(fastrand::alphanumeric).take(16).collect();
        Self { owner, held: Mutex::default() }
    }
}

/// The replica that made `token`; `None` for a token of a version without replicas.
pub fn owner_of(token: &ClaimToken) -> Option<&str> {
    token.as_str().split_once('.').map(|(owner, _)| owner)
}

impl LiveClaims {
    /// This process's name in its tokens, and in its heartbeat.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// A fresh token, held until the returned guard is dropped. It is registered before it is
    /// written to any row, so no row ever carries a live token that looks orphaned.
    pub fn hold(&self) -> HeldClaim<'_> {
        let random: String = std::iter::repeat_with(fastrand::alphanumeric).take(24).collect();
        let token = ClaimToken::new(format!("{}.{random}", self.owner));
        self.lock().insert(token.clone());
        HeldClaim { claims: self, token }
    }

    /// Whether a running decision holds `token`.
    pub fn is_held(&self, token: &ClaimToken) -> bool {
        self.lock().contains(token)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<ClaimToken>> {
        // A poisoned set is still a valid set: the panicking holder inserted or removed one token.
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A claim token held by a running decision; released when dropped.
#[derive(Debug)]
pub struct HeldClaim<'a> {
    claims: &'a LiveClaims,
    token: ClaimToken,
}

impl HeldClaim<'_> {
    /// The token to claim with.
    pub fn token(&self) -> &ClaimToken {
        &self.token
    }
}

impl Drop for HeldClaim<'_> {
    fn drop(&mut self) {
        self.claims.lock().remove(&self.token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_held_until_its_guard_is_dropped() {
        let claims = LiveClaims::default();
        let first = claims.hold();
        let second = claims.hold();
        assert_ne!(first.token(), second.token(), "every claim has its own token");
        let token = first.token().clone();
        assert!(claims.is_held(&token));
        drop(first);
        assert!(!claims.is_held(&token));
        assert!(claims.is_held(second.token()));
        assert_eq!(owner_of(&token), Some(claims.owner()));
        assert_ne!(claims.owner(), LiveClaims::default().owner(), "every process has its own name");
    }
}
