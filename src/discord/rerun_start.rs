//! Start and Cancel under a priced re-run form. Start checks the clicker as Approve does, the
//! route's policy again (on, and the cost under its cap), and hands the reviewer's form to
//! [`decisions::rerun::start`]: one new run, then the gate rejected. The reviewer reads which run
//! started (or why none did, or that it is not known yet), and the card shows it.

use serenity::all::ComponentInteraction;
use tracing::warn;

use super::{
    click::{Click, check, reviewer, settled, tell},
    refusal::{Refusal, already},
    reply::{Answerable, Handled, refuse},
};
use crate::{
    approvals::rerun::RerunState,
    cards::{custom_id::CardCustomId, inert, publish::sync_card},
    decisions::{
        Outcome,
        rerun::{self, Started, UNSETTLED},
    },
    discord::bridge::Bridge,
    store::{Approval, Rerun},
};

/// Start: one new run of the reviewer's form, then the gate rejected.
pub(super) async fn on_start(
    bridge: &Bridge,
    click: &ComponentInteraction,
    id: CardCustomId,
    answer: &Answerable<'_>,
) -> Handled<()> {
    answer.defer().await?;
    let started = std::time::Instant::now();
    let card = on_card(bridge, click, id).await?;
    let approval = check(bridge, &card).await?;
    let reviewer = reviewer(card.member, card.user);
    if let Some(asked) =
        bridge.store.rerun_of(approval.id).await?.filter(|r| r.state != RerunState::NotStarted)
    {
        return refuse(taken(&asked));
    }
    let Some(draft) = bridge.store.rerun_draft(approval.id, reviewer.id).await? else {
        return refuse(Refusal::RerunFormGone);
    };
    if let Some(block) = bridge.routes.rerun_policy_for(&approval.workflow_id).refusal(draft.cost) {
        return refuse(Refusal::Rerun(block));
    }
    let round = bridge.store.rerun_started_as(&approval.job_id).await?.map_or(1, |r| r.round) + 1;
    let (store, scenario, claims) = (&bridge.store, &bridge.scenario, &bridge.claims);
    let outcome = rerun::start(store, scenario, claims, (&approval, &reviewer), &draft, round).await?;
    match &outcome {
        Started::Started { rejected: Some(rejected), .. } => settled(bridge, started, rejected).await,
        _ => redraw(bridge, &approval).await,
    }
    tell(answer, &words(&outcome)).await;
    Ok(())
}

/// Cancel: the reviewer's form is dropped; nothing is started.
pub(super) async fn on_cancel(
    bridge: &Bridge,
    click: &ComponentInteraction,
    id: CardCustomId,
    answer: &Answerable<'_>,
) -> Handled<()> {
    let card = on_card(bridge, click, id).await?;
    let approval = check(bridge, &card).await?;
    bridge.store.drop_rerun_draft(approval.id, reviewer(card.member, card.user).id).await?;
    answer.say("Cancelled; nothing was started.").await?;
    Ok(())
}

/// The click as one on the gate's card: Start and Cancel sit under the reviewer's private answer,
/// not on the card, so the card's own message stands in for it (the custom_id names the gate,
/// and only the reviewer whose form it is can see the buttons).
async fn on_card<'a>(
    bridge: &Bridge,
    click: &'a ComponentInteraction,
    id: CardCustomId,
) -> Handled<Click<'a>> {
    let approval = bridge.store.approval(id.approval_id).await?;
    let message_id = approval.and_then(|a| a.message_id).unwrap_or(click.message.id);
    Ok(Click {
        id,
        channel_id: click.channel_id,
        message_id,
        member: click.member.as_ref(),
        user: &click.user,
    })
}

/// Writes the card of `approval` as its row stands (its re-run line changed).
async fn redraw(bridge: &Bridge, approval: &Approval) {
    let current = match bridge.store.approval(approval.id).await {
        Ok(Some(current)) => current,
        Ok(None) => return,
        Err(err) => {
            return warn!(approval_id = approval.id.get(), error = %err, "card not updated after the re-run");
        }
    };
    if let Err(err) = sync_card(&bridge.cards, &current).await {
        // The watcher edits the card on its next pass: the row says it is not current.
        warn!(approval_id = approval.id.get(), error = %err, "card not updated after the re-run");
    }
}

/// What the reviewer reads after Start.
fn words(outcome: &Started) -> String {
    match outcome {
        Started::Started { rerun, found, rejected } => {
            let job = rerun.job_id.as_ref().map(|j| inert::code(j.as_str())).unwrap_or_default();
            let mut text = if *found {
                format!(
                    "Scenario's answer was lost, but the run was found: run `{job}` started (round {}).",
                    rerun.round
                )
            } else {
                format!("Started run `{job}` (round {}).", rerun.round)
            };
            text.push(' ');
            text.push_str(&match rejected.as_deref() {
                Some(Outcome::Decided(_)) => {
                    "This run's gate is rejected; its card links to the new run's card once that is posted."
                        .to_owned()
                }
                Some(Outcome::Recorded(_)) => "This run's rejection is being sent to Scenario.".to_owned(),
                Some(Outcome::Failed { why, .. }) => {
                    format!("This run's gate could not be rejected yet ({why}); approval-bridge tries again.")
                }
                Some(Outcome::Taken(gate) | Outcome::Closed(gate)) => already(gate),
                None => "This run's gate was closed meanwhile.".to_owned(),
            });
            text
        }
        Started::Taken(asked) => taken(asked).to_string(),
        Started::NotStarted { why, .. } => why.clone(),
        Started::Unsettled(_) => UNSETTLED.to_owned(),
    }
}

/// Why a Start is turned down when a re-run of the gate was requested already.
fn taken(asked: &Rerun) -> Refusal {
    let by = asked.requested_by.mention();
    let what = match (asked.state, &asked.job_id) {
        (RerunState::Started, Some(job)) => format!("it started run `{}`", inert::code(job.as_str())),
        (RerunState::Unsettled, _) => "whether its run started is not known yet".to_owned(),
        _ => "it is being started".to_owned(),
    };
    Refusal::RerunAsked { by, what }
}
