//! Picking on selection cards, in two steps so that a slip of the finger decides nothing: a
//! choice in a menu is only remembered (per reviewer and gate, in the database, so a restart
//! loses none) and echoed to the reviewer alone; Confirm sends that reviewer's current picks,
//! once they are checked against the gate's candidates and bounds. Under a route's quorum
//! (two-key picking), Confirm counts towards the picks' proposal, and the picks are sent once
//! enough reviewers confirmed the same picks.

use serenity::all::{ComponentInteraction, ComponentInteractionDataKind};

use super::{
    click::{Click, check, reviewer, settled, tell, words},
    quorum,
    refusal::{Control, Refusal},
    reply::{Answerable, Handled, refuse},
};
use crate::{
    approvals::{
        selection::{Choice, combine, numbers},
        state::Decision,
    },
    cards::render::selection::MENU_OPTIONS,
    decisions::{self, Approved, Outcome},
    discord::bridge::Bridge,
    store::Approval,
};

/// A choice in menu `menu` of a selection card: remembered for the reviewer, echoed to them.
pub(super) async fn on_choice(
    bridge: &Bridge,
    click: &ComponentInteraction,
    card: &Click<'_>,
    menu: u8,
    answer: &Answerable<'_>,
) -> Handled<()> {
    let approval = check(bridge, card).await?;
    let choice = choice_of(&approval)?;
    let ComponentInteractionDataKind::StringSelect { values } = &click.data.kind else {
        return refuse(Refusal::Unknown(Control::Menu));
    };
    let first = u32::from(menu) * MENU_OPTIONS as u32;
    let listed = first..(first + MENU_OPTIONS as u32).min(choice.candidates.len() as u32);
    let mut chosen = Vec::with_capacity(values.len());
    for value in values {
        match value.parse::<u32>() {
            Ok(index) if listed.contains(&index) && !chosen.contains(&index) => chosen.push(index),
            _ => return refuse(Refusal::NotACandidate),
        }
    }
    let reviewer = reviewer(card.member, card.user);
    let current = bridge.store.chosen(approval.id, reviewer.id).await?;
    let picks = combine(&current, listed, &chosen);
    bridge.store.choose(approval.id, &reviewer, &picks).await?;
    answer.say(echo(choice, &picks)).await?;
    Ok(())
}

/// What a reviewer reads after choosing: their picks so far, and what Confirm will do with them.
fn echo(choice: &Choice, picks: &[u32]) -> String {
    let bounds = choice.bounds_text();
    match choice.check(picks) {
        _ if picks.is_empty() => format!("You have picked nothing yet; this gate takes {bounds}."),
        Ok(()) => format!(
            "You picked {}. Press **Confirm** to send them; nothing is sent until then.",
            numbers(picks)
        ),
        Err(why) => {
            format!("You picked {} so far: {why}. Confirm sends nothing until that changes.", numbers(picks))
        }
    }
}

/// Confirm on a selection card: sends the clicker's current picks, once checked.
pub(super) async fn on_confirm(bridge: &Bridge, card: &Click<'_>, answer: &Answerable<'_>) -> Handled<()> {
    // Acknowledge before any I/O: Discord allows 3 s, Scenario may take longer.
    answer.defer().await?;
    let started = std::time::Instant::now();
    let approval = check(bridge, card).await?;
    let choice = choice_of(&approval)?;
    let reviewer = reviewer(card.member, card.user);
    let picks = bridge.store.chosen(approval.id, reviewer.id).await?;
    if picks.is_empty() && choice.fewest() > 0 {
        return refuse(Refusal::NoPicks { bounds: choice.bounds_text() });
    }
    if let Err(why) = choice.check(&picks) {
        return refuse(Refusal::PicksRefused { picks, why: why.to_string() });
    }
    // The route's policy may want several reviewers to confirm the same picks.
    let policy = bridge.routes.policy_for(&approval.workflow_id);
    let (parts, electorate) =
        ((&bridge.store, &bridge.scenario, &*bridge.claims), &bridge.cards.electorate());
    let outcome = match decisions::confirm(parts, electorate, &approval, &reviewer, &policy, &picks).await? {
        Approved::Decided(outcome) => outcome,
        Approved::Counted(confirmers) => {
            let words = quorum::confirmed(bridge, &approval, &policy, &confirmers, &picks).await;
            tell(answer, &words).await;
            return Ok(());
        }
        Approved::Again(confirmers) => return refuse(quorum::confirmed_again(&policy, &confirmers, &picks)),
        Approved::Closed(now) => return refuse(Refusal::Closed(Box::new(now))),
    };
    settled(bridge, started, &outcome).await;
    let words = match &outcome {
        Outcome::Decided(_) => format!("Picked {}. The run goes on with them.", numbers(&picks)),
        other => words(other, Decision::Approve),
    };
    tell(answer, &words).await;
    Ok(())
}

fn choice_of(approval: &Approval) -> Handled<&Choice> {
    match &approval.snapshot.selection {
        Some(choice) => Ok(choice),
        None => refuse(Refusal::NothingToPick),
    }
}
