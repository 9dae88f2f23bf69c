//! What a reviewer reads after an approval (or, on a selection card, a confirmation of picks)
//! that counts towards a quorum without reaching it.

use tracing::warn;

use super::publish::sync_card_now;
use crate::{
    approvals::{policy::Policy, selection::numbers},
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
        more(policy, tally),
        if missing(policy, tally) == 1 { "s" } else { "" },
        groups_missing(tally),
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
        more(policy, confirmers),
        if missing(policy, confirmers) == 1 { "s" } else { "" },
        groups_missing(confirmers),
    )
}

/// The answer to a reviewer who confirmed the proposed picks already.
pub(super) fn confirmed_again(policy: &Policy, confirmers: &Tally, picks: &[u32]) -> String {
    format!(
        "You have confirmed picks {} already ({} of {} so far); they wait for {}{}. Nothing was changed.",
        numbers(picks),
        confirmers.approvers.len(),
        policy.required(),
        more(policy, confirmers),
        groups_missing(confirmers),
    )
}

async fn redraw(bridge: &Bridge, approval: &Approval) {
    if let Err(err) = sync_card_now(&bridge.cards, approval).await {
        // The vote made the card stale: the watcher's next pass draws the tally.
        warn!(approval_id = approval.id.get(), error = %err, "card not updated after an approval was counted");
    }
}

/// The answer to a reviewer who approved already.
pub(super) fn again(policy: &Policy, tally: &Tally) -> String {
    format!(
        "You have approved this gate already ({} of {} so far); it waits for {}{}. Nothing was changed.",
        tally.approvers.len(),
        policy.required(),
        more(policy, tally),
        groups_missing(tally),
    )
}

/// How many more approvals are needed: for the count, or for the groups still missing (a
/// member signs for one group), whichever is more.
fn missing(policy: &Policy, tally: &Tally) -> usize {
    let count = usize::from(policy.required()).saturating_sub(tally.approvers.len());
    count.max(tally.missing().count())
}

/// The groups still missing, as a clause: " (still to sign: <@&1>, <@&2>)".
fn groups_missing(tally: &Tally) -> String {
    let missing: Vec<String> = tally.missing().map(|role| format!("<@&{role}>")).collect();
    if missing.is_empty() { String::new() } else { format!(" (still to sign: {})", missing.join(", ")) }
}

fn more(policy: &Policy, tally: &Tally) -> String {
    match missing(policy, tally) {
        1 => "1 more reviewer".to_owned(),
        n => format!("{n} more reviewers"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_click_says_how_many_approvals_are_still_missing() {
        let policy = Policy { approvals_required: 3, ..Policy::default() };
        let ana = crate::store::Reviewer { id: serenity::all::UserId::new(7), name: "ana".into() };
        let tally = Tally { approvers: vec![ana], groups: Vec::new() };
        assert_eq!(
            again(&policy, &tally),
            "You have approved this gate already (1 of 3 so far); it waits for 2 more reviewers. Nothing was changed."
        );
        let groups = Tally { groups: vec![(11, Some(7)), (12, None), (13, None)], ..tally };
        assert_eq!(
            again(&policy, &groups),
            "You have approved this gate already (1 of 3 so far); it waits for 2 more reviewers (still to sign: <@&12>, <@&13>). Nothing was changed."
        );
    }
}
