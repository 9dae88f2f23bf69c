//! What a reviewer reads after an approval (or, on a selection card, a confirmation of picks)
//! that counts towards a quorum without reaching it.

use tracing::warn;

use super::refusal::{Refusal, groups_missing, more};
use crate::{
    approvals::{policy::Policy, selection::numbers},
    cards::publish::sync_card_now,
    decisions::Tally,
    discord::bridge::Bridge,
    store::Approval,
};

/// Redraws the card with the new tally (downloading nothing: the answer waits for the card)
/// and tells the reviewer their approval counts.
pub(super) async fn counted(bridge: &Bridge, approval: &Approval, policy: &Policy, tally: &Tally) -> String {
    redraw(bridge, approval).await;
    format!(
        "Your approval is counted: {} of {}. The gate is approved once {} approve{}{}.",
        tally.approvers.len(),
        policy.required(),
        more(tally.approvers.len(), needed(policy, tally)),
        if missing(policy, tally) == 1 { "s" } else { "" },
        groups_missing(&missing_groups(tally)),
    )
}

/// Redraws the selection card with the proposal and who confirmed it, and tells the reviewer
/// their confirmation of `picks` counts: the first one (only theirs counts) starts a proposal.
pub(super) async fn confirmed(
    bridge: &Bridge,
    approval: &Approval,
    policy: &Policy,
    confirmers: &Tally,
    picks: &[u32],
) -> String {
    redraw(bridge, approval).await;
    let what = if confirmers.approvers.len() == 1 { "proposed" } else { "confirmed" };
    format!(
        "You {what} picks {}: {} of {}. They are sent once {} confirm{} the same picks{}; other \
         picks start a new proposal.",
        numbers(picks),
        confirmers.approvers.len(),
        policy.required(),
        more(confirmers.approvers.len(), needed(policy, confirmers)),
        if missing(policy, confirmers) == 1 { "s" } else { "" },
        groups_missing(&missing_groups(confirmers)),
    )
}

/// The answer to a reviewer who confirmed the proposed picks already.
pub(super) fn confirmed_again(policy: &Policy, confirmers: &Tally, picks: &[u32]) -> Refusal {
    Refusal::ConfirmedAgain {
        picks: picks.to_vec(),
        counted: confirmers.approvers.len(),
        required: policy.required(),
        groups: missing_groups(confirmers),
    }
}

/// Redraws the card of `approval` after a counted vote.
pub(super) async fn redraw(bridge: &Bridge, approval: &Approval) {
    if let Err(err) = sync_card_now(&bridge.cards, approval).await {
        // The vote made the card stale: the watcher's next pass draws the tally.
        warn!(approval_id = approval.id.get(), error = %err, "card not updated after an approval was counted");
    }
}

/// The answer to a reviewer who approved already.
pub(super) fn again(policy: &Policy, tally: &Tally) -> Refusal {
    Refusal::ApprovedAgain {
        counted: tally.approvers.len(),
        required: policy.required(),
        groups: missing_groups(tally),
    }
}

/// How many approvals the gate needs in all: the count, or more when groups are still missing
/// (a member signs for one group).
fn needed(policy: &Policy, tally: &Tally) -> u8 {
    let count = tally.approvers.len() + missing(policy, tally);
    u8::try_from(count).unwrap_or(u8::MAX)
}

/// How many more approvals are needed: for the count, or for the groups still missing,
/// whichever is more.
fn missing(policy: &Policy, tally: &Tally) -> usize {
    let count = usize::from(policy.required()).saturating_sub(tally.approvers.len());
    count.max(tally.missing().count())
}

fn missing_groups(tally: &Tally) -> Vec<u64> {
    tally.missing().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_click_is_refused_with_the_tally_and_the_groups_missing() {
        let policy = Policy { approvals_required: 3, ..Policy::default() };
        let ana = crate::store::Reviewer { id: serenity::all::UserId::new(7), name: "ana".into() };
        let tally = Tally { approvers: vec![ana], groups: Vec::new() };
        assert!(matches!(again(&policy, &tally), Refusal::ApprovedAgain { counted: 1, required: 3, .. }));
        let groups = Tally { groups: vec![(11, Some(7)), (12, None), (13, None)], ..tally };
        assert_eq!(
            again(&policy, &groups).to_string(),
            "You have approved this gate already (1 of 3 so far); it waits for 2 more reviewers (still to sign: <@&12>, <@&13>). Nothing was changed."
        );
    }
}
