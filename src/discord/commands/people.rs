//! `/approvals people link|unlink|list`: which Discord member each Scenario user who starts runs
//! is. A card names the member who started its run, and a route that refuses self-approval keeps
//! them from approving it. Changes are audited (`people_audit`) and redraw the open cards of that
//! user's runs at the next pass.

use serenity::all::{CommandDataOption, CommandDataOptionValue, CommandOptionType, CreateCommandOption};
use tracing::info;

use super::{
    args::{Args, Caller},
    text::fit,
};
use crate::{
    cards::render::cut,
    discord::bridge::Bridge,
    discord::{
        refusal::{Missing, Refusal},
        reply::{Answerable, Handled, refuse},
    },
};

/// The most characters of a Scenario user id the bridge takes (Scenario's are 32).
const MAX_USER_ID: u16 = 100;

/// The `people` subcommand group: link, unlink, list.
pub fn group() -> CreateCommandOption {
    let sub = |name: &str, description: &str| {
        CreateCommandOption::new(CommandOptionType::SubCommand, name, description)
    };
    let user = || {
        CreateCommandOption::new(
            CommandOptionType::String,
            "scenario_user",
            "The Scenario user's id, as /approvals pending shows it",
        )
        .required(true)
        .max_length(MAX_USER_ID)
    };
    let member = CreateCommandOption::new(CommandOptionType::User, "member", "The Discord member they are")
        .required(true);
    CreateCommandOption::new(
        CommandOptionType::SubCommandGroup,
        "people",
        "Who starts runs: Scenario users linked to members (Manage Server)",
    )
    .add_sub_option(
        sub("link", "Link a Scenario user to a member (Manage Server)")
            .add_sub_option(user())
            .add_sub_option(member),
    )
    .add_sub_option(sub("unlink", "Remove a Scenario user's link (Manage Server)").add_sub_option(user()))
    .add_sub_option(sub("list", "The Scenario users linked to members (Manage Server)"))
}

/// Runs `/approvals people <sub>`; `options` are the group's (its one subcommand).
pub async fn run(
    bridge: &Bridge,
    answer: &Answerable<'_>,
    caller: &Caller,
    options: &[CommandDataOption],
) -> Handled<()> {
    let Some((name, args)) = options.first().and_then(|first| match &first.value {
        CommandDataOptionValue::SubCommand(args) => Some((first.name.as_str(), Args::new(args))),
        _ => None,
    }) else {
        return refuse(Refusal::UnknownCommand(Some("approvals people".into())));
    };
    match name {
        "link" => link(bridge, answer, caller, args).await,
        "unlink" => unlink(bridge, answer, caller, args).await,
        "list" => list(bridge, answer).await,
        other => refuse(Refusal::UnknownCommand(Some(format!("approvals people {other}")))),
    }
}

async fn link(bridge: &Bridge, answer: &Answerable<'_>, caller: &Caller, args: Args<'_>) -> Handled<()> {
    let (Some(user), Some(member)) = (args.string("scenario_user"), args.user("member")) else {
        return refuse(Refusal::Missing(Missing::Person));
    };
    let person = bridge.store.link_person(user, member, &caller.who).await?;
    info!(scenario_user = user, member = member.get(), by = caller.who.id.get(), "person linked");
    answer
        .say(format!(
            "Scenario user `{}` is now <@{}>: cards of their runs say so from the next poll, and where self-approval is refused they cannot approve their own runs (they can still reject them).",
            cut(&person.scenario_user_id, 100),
            person.member_id
        ))
        .await?;
    Ok(())
}

async fn unlink(bridge: &Bridge, answer: &Answerable<'_>, caller: &Caller, args: Args<'_>) -> Handled<()> {
    let Some(user) = args.string("scenario_user") else {
        return refuse(Refusal::Missing(Missing::Person));
    };
    let text = match bridge.store.unlink_person(user, &caller.who).await? {
        Some(removed) => {
            info!(scenario_user = user, by = caller.who.id.get(), "person unlinked");
            format!(
                "Scenario user `{}` is no longer linked to <@{}>; cards of their runs name the Scenario user from the next poll.",
                cut(user, 100),
                removed.member_id
            )
        }
        None => format!(
            "Scenario user `{}` was not linked; nothing was changed. `/approvals people list` shows the links.",
            cut(user, 100)
        ),
    };
    answer.say(text).await?;
    Ok(())
}

async fn list(bridge: &Bridge, answer: &Answerable<'_>) -> Handled<()> {
    let people = bridge.store.people().await?;
    if people.is_empty() {
        answer
            .say("No Scenario user is linked to a member. `/approvals pending` shows who started each waiting run; `/approvals people link` links them.")
            .await?;
        return Ok(());
    }
    let lines: Vec<String> = people
        .iter()
        .map(|p| {
            format!(
                "• `{}` → <@{}> (linked by {} <t:{}:R>)",
                cut(&p.scenario_user_id, 100),
                p.member_id,
                cut(&p.linked_by.name, 40),
                p.linked_at / 1000
            )
        })
        .collect();
    answer.say(fit(&format!("**{} linked**:", people.len()), &lines, "")).await?;
    Ok(())
}
