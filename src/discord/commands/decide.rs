//! `/approvals decide run:<job id> decision:approve|reject`: an admin who may decide a route's
//! gates approves or rejects every waiting approval gate of one run, after a private
//! confirmation listing them (the same Confirm and Cancel as a card's Approve all).

use serenity::all::{CommandOptionType, CreateCommandOption};

use super::args::{Args, Caller};
use crate::{
    approvals::{ids::JobId, state::Decision},
    cards::{inert, render::cut},
    discord::{
        bridge::Bridge,
        click::is_own_run,
        refusal::{Missing, Refusal},
        reply::{Answerable, Handled, refuse},
        run_decision::confirmation,
    },
    routes::may_decide,
};

/// The options of `/approvals decide`.
pub fn options() -> Vec<CreateCommandOption> {
    vec![
        CreateCommandOption::new(CommandOptionType::String, "run", "The run's id (job_…)")
            .required(true)
            .max_length(100),
        CreateCommandOption::new(CommandOptionType::String, "decision", "What every waiting gate gets")
            .required(true)
            .add_string_choice("approve", "approve")
            .add_string_choice("reject", "reject"),
    ]
}

/// Lists the run's waiting gates, to confirm.
pub async fn run(bridge: &Bridge, answer: &Answerable<'_>, caller: &Caller, args: Args<'_>) -> Handled<()> {
    let Some(job) = args.string("run") else {
        return refuse(Refusal::Missing(Missing::Run));
    };
    let decision = match args.string("decision") {
        Some("approve") => Decision::Approve,
        Some("reject") => Decision::Reject,
        _ => return refuse(Refusal::BadOption { option: "decision", why: "use approve or reject".into() }),
    };
    let gates = bridge.store.waiting_gates_of_run(&JobId::from(job)).await?;
    let Some(first) = gates.first() else {
        let text = format!(
            "No approval gate of run `{}` is waiting; nothing was decided. `/approvals pending` lists the waiting gates.",
            inert::code(&cut(job, 100))
        );
        answer.say(text).await?;
        return Ok(());
    };
    let required = bridge.routes.reviewer_roles_for(&first.workflow_id);
    if !may_decide(&required, &caller.roles, caller.permissions) {
        return refuse(Refusal::NotReviewer { needed: required });
    }
    if decision == Decision::Approve && is_own_run(bridge, first, caller.who.id).await? {
        return refuse(Refusal::OwnRun { needed: required });
    }
    answer.respond(confirmation(first, &gates, decision)).await?;
    Ok(())
}
