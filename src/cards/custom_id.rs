//! The `custom_id`s of a card's buttons, of a selection card's menus, of the reject, note and
//! re-run modals, of the Start and Cancel buttons under a re-run form's answer, and of Approve
//! all with the Confirm and Cancel under its list of a run's gates.
//!
//! They are short (well under Discord's 100 characters), carry only the approval's row id and
//! what to do, and no secret or URL: everything else is looked up in the store, and the click is
//! checked against the card it came from.

use std::fmt;

use crate::approvals::ids::ApprovalId;

const PREFIX: &str = "ab1";

/// What a component of the bridge asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardAction {
    /// The Approve button.
    Approve,
    /// The Approve with note button, which opens the note modal.
    ApproveWithNote,
    /// The note modal, submitted: an approval with its note.
    ApprovalNote,
    /// The Reject button, which opens the reason modal.
    Reject,
    /// The reason modal, submitted.
    RejectReason,
    /// The Full size button: fresh links to the originals, for the clicker only.
    FullSize,
    /// A selection card's menu number `n` (zero-based), listing candidates `25 n + 1` onwards:
    /// choosing in it decides nothing.
    Pick(u8),
    /// A selection card's Confirm button: sends the clicker's current picks.
    Confirm,
    /// The Re-run button, which opens the re-run form.
    Rerun,
    /// The re-run form, submitted: priced by a dry run, answered with Start and Cancel.
    RerunForm,
    /// Start, under a priced re-run form: one new run, then the gate rejected.
    RerunStart,
    /// Cancel, under a priced re-run form: nothing is started.
    RerunCancel,
    /// The Approve all button of a card whose run has several gates waiting: asks to confirm.
    ApproveRun,
    /// Confirm, under the list of a run's gates: each gate approved (or, `false`, rejected)
    /// through the usual claim.
    DecideRun(bool),
    /// Cancel, under the list of a run's gates: nothing is decided.
    DecideRunCancel,
}

/// A parsed `custom_id`: an action on one approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardCustomId {
    /// What to do.
    pub action: CardAction,
    /// The approval's row id.
    pub approval_id: ApprovalId,
}

impl CardCustomId {
    /// The id for `action` on approval `approval_id`.
    pub fn new(action: CardAction, approval_id: ApprovalId) -> Self {
        Self { action, approval_id }
    }

    /// Parses an id the bridge made; `None` for anything else.
    pub fn parse(raw: &str) -> Option<Self> {
        let mut parts = raw.split(':');
        let (Some(PREFIX), Some(action), Some(id), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let action = match action {
            "a" => CardAction::Approve,
            "w" => CardAction::ApproveWithNote,
            "o" => CardAction::ApprovalNote,
            "r" => CardAction::Reject,
            "m" => CardAction::RejectReason,
            "f" => CardAction::FullSize,
            "c" => CardAction::Confirm,
            "e" => CardAction::Rerun,
            "n" => CardAction::RerunForm,
            "s" => CardAction::RerunStart,
            "q" => CardAction::RerunCancel,
            "b" => CardAction::ApproveRun,
            "k" => CardAction::DecideRun(true),
            "j" => CardAction::DecideRun(false),
            "z" => CardAction::DecideRunCancel,
            menu => CardAction::Pick(menu.strip_prefix('p').filter(|n| n.len() == 1)?.parse().ok()?),
        };
        let approval_id = id.parse().ok().filter(|id: &i64| *id > 0).map(ApprovalId::new)?;
        Some(Self { action, approval_id })
    }
}

impl fmt::Display for CardCustomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let action = match self.action {
            CardAction::Approve => "a",
            CardAction::ApproveWithNote => "w",
            CardAction::ApprovalNote => "o",
            CardAction::Reject => "r",
            CardAction::RejectReason => "m",
            CardAction::FullSize => "f",
            CardAction::Confirm => "c",
            CardAction::Rerun => "e",
            CardAction::RerunForm => "n",
            CardAction::RerunStart => "s",
            CardAction::RerunCancel => "q",
            CardAction::ApproveRun => "b",
            CardAction::DecideRun(true) => "k",
            CardAction::DecideRun(false) => "j",
            CardAction::DecideRunCancel => "z",
            CardAction::Pick(menu) => return write!(f, "{PREFIX}:p{menu}:{}", self.approval_id),
        };
        write!(f, "{PREFIX}:{action}:{}", self.approval_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_and_stays_short() {
        for action in [
            CardAction::Approve,
            CardAction::ApproveWithNote,
            CardAction::ApprovalNote,
            CardAction::Reject,
            CardAction::RejectReason,
            CardAction::FullSize,
            CardAction::Confirm,
            CardAction::Rerun,
            CardAction::RerunForm,
            CardAction::RerunStart,
            CardAction::RerunCancel,
            CardAction::ApproveRun,
            CardAction::DecideRun(true),
            CardAction::DecideRun(false),
            CardAction::DecideRunCancel,
            CardAction::Pick(0),
            CardAction::Pick(9),
        ] {
            let id = CardCustomId::new(action, ApprovalId::new(i64::MAX));
            let text = id.to_string();
            assert!(text.len() <= 100, "{text}");
            assert_eq!(CardCustomId::parse(&text), Some(id));
        }
    }

    #[test]
    fn ids_the_bridge_did_not_make_are_refused() {
        for raw in [
            "",
            "ab1",
            "ab1:a",
            "ab1:x:1",
            "ab1:a:0",
            "ab1:a:-3",
            "ab1:a:1:2",
            "ab2:a:1",
            "https://x/y",
            "ab1:a:1e3",
            "ab1:p:1",
            "ab1:p10:1",
            "ab1:px:1",
            "ab1:p-1:1",
        ] {
            assert_eq!(CardCustomId::parse(raw), None, "{raw:?}");
        }
    }
}
