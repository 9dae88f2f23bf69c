//! Deciding the waiting approval gates of one run at once (the iterations of a ForEach): Approve
//! all on a card, or `/approvals decide` for an admin, answered privately with the list of gates
//! and Confirm and Cancel. On Confirm each gate still waiting is decided through the usual claim,
//! as a click on its own card would be: one PUT per gate, its card written, its policy applied
//! (a quorum gate counts one vote), a gate another click claimed first left to it. The bulk
//! decision has an audit entry of its own, beside each gate's.

use serenity::all::{
    ButtonStyle, ComponentInteraction, CreateActionRow, CreateButton, CreateInteractionResponse,
    CreateInteractionResponseMessage,
};

use super::{
    click::{Click, check, is_own_run, reviewer, settled, tell},
    quorum,
    refusal::{Control, Refusal},
    reply::{Answerable, Handled, refuse},
};
use crate::{
    approvals::{ids::ApprovalId, state::Decision},
    cards::{
        custom_id::{CardAction, CardCustomId},
        inert,
        render::cut,
    },
    decisions::{self, Approved, Outcome},
    discord::bridge::Bridge,
    routes::{is_admin, may_decide},
    store::Approval,
};

/// Gates named in a confirmation; the rest are counted (a ForEach may have many).
const LISTED: usize = 20;

/// Approve all on a card: the clicker's right checked as for Approve, then the run's waiting
/// gates listed, to confirm.
pub(super) async fn on_approve_all(
    bridge: &Bridge,
    card: &Click<'_>,
    answer: &Answerable<'_>,
) -> Handled<()> {
    let approval = check(bridge, card).await?;
    let gates = bridge.store.waiting_gates_of_run(&approval.job_id).await?;
    answer.respond(confirmation(&approval, &gates, Decision::Approve)).await?;
    Ok(())
}

/// The private answer listing `gates` of the run of `asked` that `decision` would decide, with
/// Confirm and Cancel.
pub(super) fn confirmation(
    asked: &Approval,
    gates: &[Approval],
    decision: Decision,
) -> CreateInteractionResponse {
    let (verb, confirm) = match decision {
        Decision::Approve => ("approves", CardAction::DecideRun(true)),
        Decision::Reject => ("rejects", CardAction::DecideRun(false)),
    };
    let mut lines = vec![format!(
        "**Confirm** {verb} each of these {} gates of run `{}` (**{}**), one decision each, as a click on its card would; **Cancel** changes nothing.",
        gates.len(),
        inert::code(asked.job_id.as_str()),
        cut(&inert::text(&asked.snapshot.workflow_name), 100)
    )];
    lines.extend(gates.iter().take(LISTED).map(|g| {
        let iteration = g.snapshot.iteration.map(|i| format!(" (iteration {})", i + 1)).unwrap_or_default();
        format!("• gate `{}`{iteration} · #{}", inert::code(&cut(g.node_id.as_str(), 60)), g.id)
    }));
    if gates.len() > LISTED {
        lines.push(format!("…and {} more.", gates.len() - LISTED));
    }
    let button = |action, label: &str, style| {
        CreateButton::new(CardCustomId::new(action, asked.id).to_string()).label(label).style(style)
    };
    let row = CreateActionRow::Buttons(vec![
        button(confirm, "Confirm", ButtonStyle::Primary),
        button(CardAction::DecideRunCancel, "Cancel", ButtonStyle::Secondary),
    ]);
    let message =
        CreateInteractionResponseMessage::new().content(cut(&lines.join("\n"), 2000)).components(vec![row]);
    CreateInteractionResponse::Message(message.ephemeral(true))
}

/// Confirm: every gate of the run still waiting decided once, as `approve` says.
pub(super) async fn on_confirm(
    bridge: &Bridge,
    click: &ComponentInteraction,
    id: CardCustomId,
    approve: bool,
    answer: &Answerable<'_>,
) -> Handled<()> {
    answer.defer().await?;
    bridge.routes.refresh().await?;
    let Some(asked) = bridge.store.approval(id.approval_id).await? else {
        return refuse(Refusal::Unknown(Control::Card));
    };
    let (member, user) = (click.member.as_ref(), &click.user);
    let permissions = member.and_then(|m| m.permissions);
    let required = bridge.routes.reviewer_roles_for(&asked.workflow_id);
    if !may_decide(&required, member.map_or(&[][..], |m| &m.roles[..]), permissions) {
        return refuse(Refusal::NotReviewer { needed: required });
    }
    // Only `/approvals decide` rejects a run's gates: an admin's.
    if !approve && !is_admin(permissions) {
        return refuse(Refusal::NotAdmin { command: "approvals decide".into() });
    }
    if approve && is_own_run(bridge, &asked, user.id).await? {
        return refuse(Refusal::OwnRun { needed: required });
    }
    let gates = bridge.store.waiting_gates_of_run(&asked.job_id).await?;
    let reviewer = reviewer(member, user);
    let decision = if approve { Decision::Approve } else { Decision::Reject };
    let policy = bridge.routes.policy_for(&asked.workflow_id);
    let (store, scenario, claims) = (&bridge.store, &bridge.scenario, &*bridge.claims);
    let electorate = bridge.cards.electorate();
    let mut done = Done::default();
    for gate in &gates {
        let started = std::time::Instant::now();
        let outcome = match decision {
            Decision::Approve => {
                match decisions::approve(
                    (store, scenario, claims),
                    &electorate,
                    gate,
                    &reviewer,
                    &policy,
                    None,
                )
                .await?
                {
                    Approved::Decided(outcome) => outcome,
                    Approved::Counted(_) => {
                        quorum::redraw(bridge, gate).await;
                        done.counted.push(gate.id);
                        continue;
                    }
                    Approved::Again(_) | Approved::Closed(_) => {
                        done.left.push(gate.id);
                        continue;
                    }
                }
            }
            Decision::Reject => {
                decisions::decide(store, scenario, claims, gate, &reviewer, decision, None).await?
            }
        };
        settled(bridge, started, &outcome).await;
        match outcome {
            Outcome::Decided(_) | Outcome::Recorded(_) => done.decided.push(gate.id),
            Outcome::Taken(_) | Outcome::Closed(_) | Outcome::Failed { .. } => done.left.push(gate.id),
        }
    }
    let detail = format!("{} run {}: {}", decision.as_str(), asked.job_id, done.detail());
    bridge.store.run_decided(asked.id, &reviewer, detail).await?;
    tell(answer, &done.words(decision)).await;
    Ok(())
}

/// Cancel: nothing is decided.
pub(super) async fn on_cancel(answer: &Answerable<'_>) -> Handled<()> {
    answer.say("Cancelled; nothing was decided.").await?;
    Ok(())
}

/// What became of each gate of a bulk decision.
#[derive(Default)]
struct Done {
    /// Decided (or recorded, to be sent as soon as Scenario answers).
    decided: Vec<ApprovalId>,
    /// Under a quorum: one vote counted, the gate still open.
    counted: Vec<ApprovalId>,
    /// Left as they were: decided by someone else meanwhile, approved by this reviewer already,
    /// or refused by Scenario.
    left: Vec<ApprovalId>,
}

impl Done {
    /// For the audit: the gates in each group.
    fn detail(&self) -> String {
        let ids = |ids: &[ApprovalId]| ids.iter().map(|id| format!("#{id}")).collect::<Vec<_>>().join(" ");
        format!(
            "decided [{}], counted [{}], left [{}]",
            ids(&self.decided),
            ids(&self.counted),
            ids(&self.left)
        )
    }

    /// What the reviewer reads.
    fn words(&self, decision: Decision) -> String {
        let verb = if decision == Decision::Approve { "Approved" } else { "Rejected" };
        let mut text = format!("{verb} {} gates of the run.", self.decided.len());
        if !self.counted.is_empty() {
            text.push_str(&format!(
                " Your approval is counted on {} gates that need more approvals.",
                self.counted.len()
            ));
        }
        if !self.left.is_empty() {
            text.push_str(&format!(
                " {} gates were left as they were (decided by someone else meanwhile, approved by you already, or refused by Scenario); their cards say how they stand.",
                self.left.len()
            ));
        }
        text
    }
}
