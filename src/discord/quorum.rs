//! What a reviewer reads after an approval (or, on a selection card, a confirmation of picks)
//! that counts towards a quorum without reaching it.

use tracing::warn;

use super::refusal::{Refusal, more};
use crate::{
    approvals::{policy::Policy, selection::numbers},
    cards::publish::sync_card_now,
    discord::bridge::Bridge,
    store::{Approval, Reviewer},
};

/// Redraws the card with the new tally (downloading nothing: the answer waits for the card)
/// and tells the reviewer their approval counts.
pub(super) async fn counted(
    bridge: &Bridge,
    approval: &Approval,
    policy: &Policy,
    approvers: &[Reviewer],
) -> String {
    redraw(bridge, approval).await;
    format!(
        "Your approval is counted: {} of {}. The gate is approved once {} approve{}.",
        approvers.len(),
        policy.approvals_required,
        more(approvers.len(), policy.approvals_required),
        if missing(policy, approvers) == 1 { "s" } else { "" },
    )
}

/// Redraws the selection card with the proposal and who confirmed it, and tells the reviewer
/// their confirmation of `picks` counts: the first one (only theirs counts) starts a proposal.
pub(super) async fn confirmed(
    bridge: &Bridge,
    approval: &Approval,
    policy: &Policy,
    confirmers: &[Reviewer],
    picks: &[u32],
) -> String {
    redraw(bridge, approval).await;
    let what = if confirmers.len() == 1 { "proposed" } else { "confirmed" };
    format!(
        "You {what} picks {}: {} of {}. They are sent once {} confirm{} the same picks; other picks \
         start a new proposal.",
        numbers(picks),
        confirmers.len(),
        policy.approvals_required,
        more(confirmers.len(), policy.approvals_required),
        if missing(policy, confirmers) == 1 { "s" } else { "" },
    )
}

/// The answer to a reviewer who confirmed the proposed picks already.
pub(super) fn confirmed_again(policy: &Policy, confirmers: &[Reviewer], picks: &[u32]) -> Refusal {
    Refusal::ConfirmedAgain {
        picks: picks.to_vec(),
        counted: confirmers.len(),
        required: policy.approvals_required,
    }
}

async fn redraw(bridge: &Bridge, approval: &Approval) {
    if let Err(err) = sync_card_now(&bridge.cards, approval).await {
        // The vote made the card stale: the watcher's next pass draws the tally.
        warn!(approval_id = approval.id.get(), error = %err, "card not updated after an approval was counted");
    }
}

/// The answer to a reviewer who approved already.
pub(super) fn again(policy: &Policy, approvers: &[Reviewer]) -> Refusal {
    Refusal::ApprovedAgain { counted: approvers.len(), required: policy.approvals_required }
}

fn missing(policy: &Policy, approvers: &[Reviewer]) -> usize {
    usize::from(policy.approvals_required).saturating_sub(approvers.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_click_is_refused_with_the_tally() {
        let policy = Policy { approvals_required: 3, ..Policy::default() };
        let ana = Reviewer { id: serenity::all::UserId::new(7), name: "ana".into() };
        assert!(matches!(again(&policy, &[ana]), Refusal::ApprovedAgain { counted: 1, required: 3 }));
    }
}
