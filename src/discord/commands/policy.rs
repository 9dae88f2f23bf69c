//! `/approvals policy`: a routed workflow's review policy: approvals required, reminders, the
//! deadline and what happens at it. Options left out keep their current value; `reset` brings
//! the defaults back; no option at all shows the policy. Everything is checked before anything
//! is saved, and the change is audited and applies to open gates from the next pass.

use serenity::all::{CommandOptionType, CreateCommandOption};
use tracing::info;

use super::args::{Args, Caller};
use crate::{
    approvals::policy::{MAX_APPROVALS, MAX_REMINDERS, OnDeadline, Policy, parse_duration},
    cards::render::cut,
    discord::bridge::Bridge,
    discord::{
        refusal::{Missing, Refusal},
        reply::{Answerable, Handled, refuse},
    },
    routes::{is_admin, may_decide},
    store::Watch,
};

/// The word that turns reminders or the deadline off.
const OFF: &str = "off";

/// The options of `/approvals policy` after `workflow`.
pub fn options() -> Vec<CreateCommandOption> {
    let option = |kind, name: &str, description: &str| CreateCommandOption::new(kind, name, description);
    vec![
        option(CommandOptionType::Integer, "approvals", "Distinct reviewers who must approve (1–5)")
            .min_int_value(1)
            .max_int_value(u64::from(MAX_APPROVALS)),
        option(
            CommandOptionType::String,
            "remind_after",
            "Remind reviewers after this long, e.g. 4h (off: never)",
        )
        .max_length(40),
        option(CommandOptionType::Integer, "reminders", "The most reminders for one gate (1–10)")
            .min_int_value(1)
            .max_int_value(u64::from(MAX_REMINDERS)),
        option(CommandOptionType::String, "deadline", "Deadline after the gate is seen, e.g. 2d (off: none)")
            .max_length(40),
        option(CommandOptionType::String, "on_deadline", "What happens at the deadline")
            .add_string_choice("reject", "reject")
            .add_string_choice("approve", "approve")
            .add_string_choice("nothing (mark overdue, ping once)", "nothing"),
        option(CommandOptionType::Boolean, "reset", "Back to the defaults"),
    ]
}

/// Shows or changes the policy of a routed workflow.
pub async fn run(bridge: &Bridge, answer: &Answerable<'_>, caller: &Caller, args: Args<'_>) -> Handled<()> {
    let Some(typed) = args.string("workflow") else {
        return refuse(Refusal::Missing(Missing::Workflow));
    };
    let routes = bridge.routes.all();
    let found = routes
        .iter()
        .find(|w| w.workflow_id.as_str() == typed)
        .or_else(|| routes.iter().find(|w| w.workflow_name.eq_ignore_ascii_case(typed)));
    let Some(route) = found else {
        let default_policy = bridge.routes.default_policy().to_string();
        return refuse(Refusal::NoRoute { typed: typed.to_owned(), default_policy });
    };
    let current = route.policy.unwrap_or(bridge.routes.default_policy());
    let wanted = if args.boolean("reset") == Some(true) { None } else { Some(edited(current, args)?) };
    let next = wanted.unwrap_or(bridge.routes.default_policy());
    if approves_anew(&current, &next) {
        // An automatic approval is an approval: whoever sets it must be able to approve.
        let reviewers = bridge.routes.reviewer_roles_for(&route.workflow_id);
        if !(is_admin(caller.permissions) && may_decide(&reviewers, &caller.roles, caller.permissions)) {
            return refuse(Refusal::DeadlineApproves { workflow: name(route), needed: reviewers });
        }
    }
    // Values equal to the defaults on a route that follows them change nothing either.
    let follows_defaults = route.policy.is_none() && wanted == Some(current);
    if wanted == route.policy || follows_defaults {
        answer.say(format!("**{}**: {}. Nothing was changed.", name(route), current)).await?;
        return Ok(());
    }
    let Some(saved) = bridge.routes.set_policy(&route.workflow_id, wanted.as_ref(), &caller.who).await?
    else {
        return refuse(Refusal::RouteRemoved);
    };
    let policy = saved.policy.unwrap_or(bridge.routes.default_policy());
    info!(workflow_id = %saved.workflow_id, %policy, by = caller.who.id.get(), "route policy set");
    let whose = if saved.policy.is_some() { "its own policy" } else { "the default policy" };
    let text = format!(
        "**{}** now has {whose}: {policy}. Waiting gates follow it from the next poll.",
        name(&saved)
    );
    answer.say(text).await?;
    Ok(())
}

/// Whether going from `current` to `next` sets an automatic approval: a deadline that approves,
/// newly, or sooner than before.
fn approves_anew(current: &Policy, next: &Policy) -> bool {
    let approves = |p: &Policy| p.on_deadline == OnDeadline::Approve && p.deadline.is_some();
    approves(next) && (!approves(current) || current.deadline_restarts(next))
}

/// `current` with the options given replaced; a refusal names the option at fault.
fn edited(current: Policy, args: Args<'_>) -> Handled<Policy> {
    let mut policy = current;
    if let Some(n) = args.integer("approvals") {
        policy.approvals_required = u8::try_from(n)
            .ok()
            .filter(|n| (1..=MAX_APPROVALS).contains(n))
            .map_or_else(|| bad("approvals", format!("must be 1 to {MAX_APPROVALS}")), Ok)?;
    }
    if let Some(n) = args.integer("reminders") {
        policy.max_reminders = u32::try_from(n)
            .ok()
            .filter(|n| (1..=MAX_REMINDERS).contains(n))
            .map_or_else(|| bad("reminders", format!("must be 1 to {MAX_REMINDERS}")), Ok)?;
    }
    if let Some(text) = args.string("remind_after") {
        policy.remind_after = duration("remind_after", text)?;
    }
    if let Some(text) = args.string("deadline") {
        policy.deadline = duration("deadline", text)?;
    }
    if let Some(text) = args.string("on_deadline") {
        let Some(on) = OnDeadline::parse(text) else {
            return bad("on_deadline", "must be reject, approve or nothing".into());
        };
        policy.on_deadline = on;
    }
    Ok(policy)
}

/// A duration option: `off`, or a duration such as `4h`.
fn duration(option: &'static str, text: &str) -> Handled<Option<std::time::Duration>> {
    if text.eq_ignore_ascii_case(OFF) {
        return Ok(None);
    }
    match parse_duration(text) {
        Ok(duration) => Ok(Some(duration)),
        Err(why) => bad(option, format!("{why}, or {OFF}")),
    }
}

/// Refuses the value given for `option`, saying `why`.
fn bad<T>(option: &'static str, why: String) -> Handled<T> {
    refuse(Refusal::BadOption { option, why })
}

fn name(route: &Watch) -> String {
    cut(&route.workflow_name, 100)
}
