//! `/approvals policy`: a routed workflow's review policy: approvals required, reminders, the
//! deadline and what happens at it. Options left out keep their current value; `reset` brings
//! the defaults back; no option at all shows the policy. Everything is checked before anything
//! is saved, and the change is audited and applies to open gates from the next pass.

use serenity::all::{CommandOptionType, CreateCommandOption, Http};
use tracing::info;

use super::args::{Args, Caller};
use crate::{
    approvals::policy::{MAX_APPROVALS, MAX_REMINDERS, OnDeadline, Policy, parse_duration},
    cards::render::cut,
    discord::bridge::Bridge,
    discord::{
        click::needed_roles,
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
pub async fn run(
    bridge: &Bridge,
    http: &Http,
    answer: &Answerable<'_>,
    caller: &Caller,
    args: Args<'_>,
) -> anyhow::Result<()> {
    answer.render(http, change(bridge, http, answer, caller, args).await).await
}

async fn change(
    bridge: &Bridge,
    http: &Http,
    answer: &Answerable<'_>,
    caller: &Caller,
    args: Args<'_>,
) -> Handled<()> {
    let Some(typed) = args.string("workflow") else {
        return refuse("Give the workflow whose policy to set; nothing was changed.");
    };
    let routes = bridge.routes.all();
    let found = routes
        .iter()
        .find(|w| w.workflow_id.as_str() == typed)
        .or_else(|| routes.iter().find(|w| w.workflow_name.eq_ignore_ascii_case(typed)));
    let Some(route) = found else {
        return refuse(format!(
            "`{}` has no route of its own, so it follows the default policy ({}). Route it with `/approvals watch` first; nothing was changed.",
            cut(typed, 100),
            bridge.routes.default_policy()
        ));
    };
    let current = route.policy.unwrap_or(bridge.routes.default_policy());
    let wanted = if args.boolean("reset") == Some(true) { None } else { Some(edited(current, args)?) };
    let next = wanted.unwrap_or(bridge.routes.default_policy());
    if approves_anew(&current, &next) {
        // An automatic approval is an approval: whoever sets it must be able to approve.
        let reviewers = bridge.routes.reviewer_roles_for(&route.workflow_id);
        if !(is_admin(caller.permissions) && may_decide(&reviewers, &caller.roles, caller.permissions)) {
            return refuse(format!(
                "A deadline that approves is an approval: only a member who may both manage the server and approve the gates of **{}** ({}) may set it; nothing was changed.",
                name(route),
                needed_roles(&reviewers)
            ));
        }
    }
    // Values equal to the defaults on a route that follows them change nothing either.
    let follows_defaults = route.policy.is_none() && wanted == Some(current);
    if wanted == route.policy || follows_defaults {
        answer.say(http, format!("**{}**: {}. Nothing was changed.", name(route), current)).await?;
        return Ok(());
    }
    let Some(saved) = bridge.routes.set_policy(&route.workflow_id, wanted.as_ref(), &caller.who).await?
    else {
        return refuse("The route was removed meanwhile; nothing was changed.");
    };
    let policy = saved.policy.unwrap_or(bridge.routes.default_policy());
    info!(workflow_id = %saved.workflow_id, %policy, by = caller.who.id.get(), "route policy set");
    let whose = if saved.policy.is_some() { "its own policy" } else { "the default policy" };
    let text = format!(
        "**{}** now has {whose}: {policy}. Waiting gates follow it from the next poll.",
        name(&saved)
    );
    answer.say(http, text).await?;
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
        policy.approvals_required =
            u8::try_from(n).ok().filter(|n| (1..=MAX_APPROVALS).contains(n)).map_or_else(
                || refuse(format!("approvals must be 1 to {MAX_APPROVALS}; nothing was changed.")),
                Ok,
            )?;
    }
    if let Some(n) = args.integer("reminders") {
        policy.max_reminders =
            u32::try_from(n).ok().filter(|n| (1..=MAX_REMINDERS).contains(n)).map_or_else(
                || refuse(format!("reminders must be 1 to {MAX_REMINDERS}; nothing was changed.")),
                Ok,
            )?;
    }
    if let Some(text) = args.string("remind_after") {
        policy.remind_after = duration("remind_after", text)?;
    }
    if let Some(text) = args.string("deadline") {
        policy.deadline = duration("deadline", text)?;
    }
    if let Some(text) = args.string("on_deadline") {
        let Some(on) = OnDeadline::parse(text) else {
            return refuse("on_deadline must be reject, approve or nothing; nothing was changed.");
        };
        policy.on_deadline = on;
    }
    Ok(policy)
}

/// A duration option: `off`, or a duration such as `4h`.
fn duration(option: &str, text: &str) -> Handled<Option<std::time::Duration>> {
    if text.eq_ignore_ascii_case(OFF) {
        return Ok(None);
    }
    match parse_duration(text) {
        Ok(duration) => Ok(Some(duration)),
        Err(why) => refuse(format!("{option}: {why}, or {OFF}; nothing was changed.")),
    }
}

fn name(route: &Watch) -> String {
    cut(&route.workflow_name, 100)
}
