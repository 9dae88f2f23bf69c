//! `/approvals policy`: a routed workflow's review policy: approvals required, the groups of
//! which each must sign (`each_of`), reminders, the deadline and what happens at it, and whom
//! an undecided gate escalates to; its re-run policy (Re-run on cards, and a cost cap); and
//! whether its cards start a thread; and whether who started a run may approve it
//! (`self_approval`).
//! Options left out keep their current value; `reset` brings
//! the defaults back; no option at all shows the policy. Everything is checked before anything
//! is saved, and the change is audited and applies to open gates from the next pass.

use serenity::all::{CommandOptionType, CreateCommandOption, GuildId, RoleId};
use tracing::info;

use super::args::{Args, Caller};
use crate::{
    approvals::{
        escalation::Escalation,
        groups::{Groups, MAX_GROUPS},
        people::SelfApproval,
        policy::{MAX_APPROVALS, MAX_REMINDERS, OnDeadline, Policy, parse_duration},
    },
    cards::render::cut,
    discord::bridge::Bridge,
    discord::{
        refusal::{Missing, Refusal},
        reply::{Answerable, Handled, refuse},
    },
    routes::{is_admin, may_decide, threads_in_words},
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
            "each_of",
            "Roles of which each must approve, e.g. @art-lead @legal (off: none)",
        )
        .max_length(200),
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
        option(
            CommandOptionType::String,
            "escalate_to",
            "A role pinged once when a gate stays undecided past its reminders (off: none)",
        )
        .max_length(40),
        option(
            CommandOptionType::String,
            "escalate_after",
            "Escalate this long after the gate is seen, e.g. 1d (off: after the last reminder)",
        )
        .max_length(40),
        option(CommandOptionType::String, "reruns", "Whether cards offer Re-run")
            .add_string_choice("on", "on")
            .add_string_choice("off", "off")
            .add_string_choice("the default (RERUNS)", "default"),
        option(
            CommandOptionType::Integer,
            "rerun_max_cost",
            "The most creative units one re-run may cost (0: no cap)",
        )
        .min_int_value(0)
        .max_int_value(u64::from(u32::MAX)),
        option(CommandOptionType::String, "threads", "Whether each card starts a thread for its pings")
            .add_string_choice("on", "on")
            .add_string_choice("off", "off")
            .add_string_choice("the default (CARD_THREADS)", "default"),
        option(CommandOptionType::String, "self_approval", "Whether who started a run may approve it")
            .add_string_choice("refused (someone else approves)", "refused")
            .add_string_choice("allowed", "allowed")
            .add_string_choice("the default (SELF_APPROVAL)", "default"),
        option(CommandOptionType::Boolean, "reset", "Back to the defaults"),
    ]
}

/// The options of the review policy proper (not the re-run nor the thread ones).
const REVIEW_OPTIONS: [&str; 9] = [
    "approvals",
    "each_of",
    "remind_after",
    "reminders",
    "deadline",
    "on_deadline",
    "escalate_to",
    "escalate_after",
    "reset",
];

/// The route's re-run settings the options ask for, over its current ones; `None` when no
/// re-run option (nor `reset`) was given.
fn rerun_settings(route: &Watch, args: Args<'_>) -> Handled<Option<(Option<bool>, Option<u32>)>> {
    if args.boolean("reset") == Some(true) {
        return Ok(Some((None, None)));
    }
    let on = match args.string("reruns") {
        None => None,
        Some("on") => Some(Some(true)),
        Some("off") => Some(Some(false)),
        Some("default") => Some(None),
        Some(_) => {
            return refuse(Refusal::BadOption { option: "reruns", why: "use on, off or default".into() });
        }
    };
    let cap = match args.integer("rerun_max_cost") {
        None => None,
        Some(n) => match u32::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                return refuse(Refusal::BadOption {
                    option: "rerun_max_cost",
                    why: "use 0 (no cap) or more".into(),
                });
            }
        },
    };
    if on.is_none() && cap.is_none() {
        return Ok(None);
    }
    Ok(Some((on.unwrap_or(route.reruns), cap.or(route.rerun_max_cost))))
}

/// The route's thread setting the options ask for; `None` when neither `threads` nor `reset`
/// was given.
fn thread_setting(args: Args<'_>) -> Handled<Option<Option<bool>>> {
    if args.boolean("reset") == Some(true) {
        return Ok(Some(None));
    }
    match args.string("threads") {
        None => Ok(None),
        Some("on") => Ok(Some(Some(true))),
        Some("off") => Ok(Some(Some(false))),
        Some("default") => Ok(Some(None)),
        Some(_) => refuse(Refusal::BadOption { option: "threads", why: "use on, off or default".into() }),
    }
}

/// The route's re-run policy, its threads when on, and its rule on self-approval, as the
/// policy's answers end.
fn extras(bridge: &Bridge, route: &Watch) -> String {
    let reruns = bridge.routes.rerun_policy_for(&route.workflow_id);
    let rule = bridge.routes.self_approval_for(&route.workflow_id);
    if bridge.routes.threads_for(&route.workflow_id) {
        format!("{reruns}; {}; {rule}", threads_in_words(true))
    } else {
        format!("{reruns}; {rule}")
    }
}

/// The route's rule on self-approval the options ask for (`None` inside: the default); `None`
/// when neither `self_approval` nor `reset` was given.
fn self_approval_rule(args: Args<'_>) -> Handled<Option<Option<SelfApproval>>> {
    if args.boolean("reset") == Some(true) {
        return Ok(Some(None));
    }
    match args.string("self_approval") {
        None => Ok(None),
        Some("default") => Ok(Some(None)),
        Some(text) => match SelfApproval::parse(text) {
            Some(rule) => Ok(Some(Some(rule))),
            None => bad("self_approval", "use refused, allowed or default".into()),
        },
    }
}

/// Shows or changes the policy of a routed workflow.
pub async fn run(
    bridge: &Bridge,
    answer: &Answerable<'_>,
    caller: &Caller,
    guild_id: GuildId,
    args: Args<'_>,
) -> Handled<()> {
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
    let mut said = String::new();
    let rerun_change = rerun_settings(route, args)?.filter(|s| *s != (route.reruns, route.rerun_max_cost));
    if let Some(settings) = rerun_change {
        if bridge.routes.set_rerun_policy(&route.workflow_id, settings, &caller.who).await?.is_none() {
            return refuse(Refusal::RouteRemoved);
        }
        let reruns = bridge.routes.rerun_policy_for(&route.workflow_id);
        info!(workflow_id = %route.workflow_id, %reruns, by = caller.who.id.get(), "route re-run policy set");
        said = format!("**{}** now has {reruns}. ", name(route));
    }
    if let Some(threads) = thread_setting(args)?.filter(|t| *t != route.threads) {
        if bridge.routes.set_threads(&route.workflow_id, threads, &caller.who).await?.is_none() {
            return refuse(Refusal::RouteRemoved);
        }
        let shown = threads_in_words(bridge.routes.threads_for(&route.workflow_id));
        info!(workflow_id = %route.workflow_id, threads = shown, by = caller.who.id.get(), "route thread setting set");
        said.push_str(&format!("**{}** now has {shown}. ", name(route)));
    }
    if let Some(rule) = self_approval_rule(args)?.filter(|rule| *rule != route.self_approval) {
        if bridge.routes.set_self_approval(&route.workflow_id, rule, &caller.who).await?.is_none() {
            return refuse(Refusal::RouteRemoved);
        }
        let rule = bridge.routes.self_approval_for(&route.workflow_id);
        info!(workflow_id = %route.workflow_id, %rule, by = caller.who.id.get(), "route self-approval set");
        said.push_str(&format!("**{}** now has {rule}. ", name(route)));
    }
    if !said.is_empty() && !REVIEW_OPTIONS.iter().any(|o| args.has(o)) {
        answer.say(said.trim_end()).await?;
        return Ok(());
    }
    let current = route.policy.unwrap_or(bridge.routes.default_policy());
    let wanted = if args.boolean("reset") == Some(true) { None } else { Some(edited(current, args)?) };
    let next = wanted.unwrap_or(bridge.routes.default_policy());
    if next.each_of != current.each_of {
        roles_exist(bridge, guild_id, "each_of", next.each_of.roles()).await?;
    }
    if let Some(escalation) = next.escalation.filter(|e| Some(*e) != current.escalation) {
        roles_exist(bridge, guild_id, "escalate_to", &[escalation.role]).await?;
    }
    if current.approves_anew(&next) {
        // An automatic approval is an approval: whoever sets it must be able to approve.
        let reviewers = bridge.routes.reviewer_roles_for(&route.workflow_id);
        if !(is_admin(caller.permissions) && may_decide(&reviewers, &caller.roles, caller.permissions)) {
            return refuse(Refusal::DeadlineApproves { workflow: name(route), needed: reviewers });
        }
    }
    // Values equal to the defaults on a route that follows them change nothing either.
    let follows_defaults = route.policy.is_none() && wanted == Some(current);
    if wanted == route.policy || follows_defaults {
        let text = format!(
            "{said}**{}**: {current}; {}. Nothing else was changed.",
            name(route),
            extras(bridge, route)
        );
        let text = if said.is_empty() { text.replace("Nothing else was", "Nothing was") } else { text };
        answer.say(text).await?;
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
        "{said}**{}** now has {whose}: {policy}. Waiting gates follow it from the next poll.",
        name(&saved)
    );
    answer.say(text).await?;
    Ok(())
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
    if let Some(text) = args.string("each_of") {
        policy.each_of = groups(text)?;
    }
    if let Some(text) = args.string("escalate_to") {
        policy.escalation = match roles_in(text) {
            _ if text.trim().eq_ignore_ascii_case(OFF) => None,
            Some(role) if role.len() == 1 => Some(Escalation { role: role[0], after: None }),
            _ => return bad("escalate_to", format!("give one role, as a mention or an id, or {OFF}")),
        };
    }
    if let Some(text) = args.string("escalate_after") {
        let Some(escalation) = policy.escalation.as_mut() else {
            return bad("escalate_after", "it needs a role to escalate to: give escalate_to too".into());
        };
        escalation.after = duration("escalate_after", text)?;
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

/// The `each_of` option: `off`, or role mentions (or ids) separated by spaces or commas.
fn groups(text: &str) -> Handled<Groups> {
    if text.trim().eq_ignore_ascii_case(OFF) {
        return Ok(Groups::default());
    }
    let Some(groups) = roles_in(text).and_then(|ids| Groups::new(&ids)) else {
        return bad(
            "each_of",
            format!("give 1 to {MAX_GROUPS} roles, as mentions (@art-lead @legal) or ids, or {OFF}"),
        );
    };
    Ok(groups)
}

/// The role ids of role mentions (or bare ids) separated by spaces or commas; `None` when a word
/// is neither, or there is none.
fn roles_in(text: &str) -> Option<Vec<u64>> {
    let words = text.split(|c: char| c == ',' || c.is_whitespace()).filter(|w| !w.is_empty());
    let ids: Option<Vec<u64>> = words
        .map(|w| w.strip_prefix("<@&").and_then(|w| w.strip_suffix('>')).unwrap_or(w).parse().ok())
        .collect();
    ids.filter(|ids| !ids.is_empty())
}

/// Refuses roles (of the option `option`) that are not roles of this server, or @everyone.
async fn roles_exist(
    bridge: &Bridge,
    guild_id: GuildId,
    option: &'static str,
    wanted: &[u64],
) -> Handled<()> {
    if wanted.contains(&guild_id.get()) {
        return bad(option, "@everyone cannot be one: name roles".into());
    }
    let roles = bridge.discord.get_guild_roles(guild_id).await?;
    if let Some(&stranger) = wanted.iter().find(|&&g| !roles.iter().any(|r| r.id.get() == g)) {
        return refuse(Refusal::UnknownRole(RoleId::new(stranger)));
    }
    Ok(())
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
