//! Turns on cards: one writer per card at a time within a process (see
//! [`super::publish::sync_card_with`]).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use tokio::sync::OwnedMutexGuard;

use crate::approvals::ids::ApprovalId;

/// One writer per card at a time (see [`super::publish::sync_card`]); an entry lives only while someone holds or
/// waits for its turn.
#[derive(Default)]
pub struct CardTurns {
    turns: Mutex<HashMap<ApprovalId, Arc<tokio::sync::Mutex<()>>>>,
}

/// The turn to write one card, held until dropped.
pub struct CardTurn<'a> {
    turns: &'a CardTurns,
    id: ApprovalId,
    held: Option<OwnedMutexGuard<()>>,
}

impl CardTurns {
    /// Waits for the turn to write the card of approval `id`.
    pub async fn take(&self, id: ApprovalId) -> CardTurn<'_> {
        let turn = self.turns.lock().unwrap_or_else(PoisonError::into_inner).entry(id).or_default().clone();
        CardTurn { turns: self, id, held: Some(turn.lock_owned().await) }
    }
}

impl Drop for CardTurn<'_> {
    fn drop(&mut self) {
        drop(self.held.take());
        let mut turns = self.turns.turns.lock().unwrap_or_else(PoisonError::into_inner);
        // Only the map holds it now: nobody else holds or waits for this card's turn.
        if turns.get(&self.id).is_some_and(|turn| Arc::strong_count(turn) == 1) {
            turns.remove(&self.id);
        }
    }
}
