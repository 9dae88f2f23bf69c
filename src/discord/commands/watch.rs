//! `/approvals watch` and `/approvals unwatch`: set and remove the route of a workflow.
//!
//! Everything is checked before anything is saved: the workflow exists in Scenario, the role
//! exists, the channel is a text channel the bot can post cards in. Then the route is saved
//! with its audit entry in one transaction, and applies from the next pass of the watcher.

use serenity::all::{CommandInteraction, GuildId, RoleId};
use tracing::info;

use super::{
    args::{Args, Caller},
    channel_check::{check_postable, takes_cards},
    text::deciders,
};
use crate::{
    approvals::ids::WorkflowId,
    cards::render::cut,
    discord::bridge::Bridge,
    discord::{
        refusal::{Missing, Refusal},
        reply::{Answerable, Handled, refuse},
    },
    routes::{is_admin, may_decide},
    scenario::ScenarioError,
    store::NewWatch,
};

/// Sets the route of a workflow.
pub async fn watch(
    bridge: &Bridge,
    command: &CommandInteraction,
    answer: &Answerable<'_>,
    caller: &Caller,
    args: Args<'_>,
) -> Handled<()> {
    let (Some(typed), Some(channel_id)) = (args.string("workflow"), args.channel("channel")) else {
        return refuse(Refusal::Missing(Missing::WorkflowAndChannel));
    };
    if let Some(resolved) = command.data.resolved.channels.get(&channel_id) {
        if !takes_cards(resolved.kind) {
            return refuse(Refusal::NotText(channel_id));
        }
    }
    // Scenario and Discord are asked below: acknowledge first (Discord allows 3 s).
    answer.defer().await?;
    let guild_id = bridge.home.id();
    let (workflow_id, workflow_name) = check(bridge, guild_id, typed, args.role("reviewer_role")).await?;
    check_postable(&bridge.discord, guild_id, channel_id).await?;
    let before = bridge.routes.all().into_iter().find(|w| w.workflow_id == workflow_id);
    let role = args.role("reviewer_role");
    let new = NewWatch { workflow_id, workflow_name, channel_id, reviewer_role_id: role };
    let saved = bridge.routes.set(&new, &caller.who).await?;
    info!(workflow_id = %saved.workflow_id, channel_id = saved.channel_id.get(), reviewer_role_id = ?saved.reviewer_role_id.map(RoleId::get), by = caller.who.id.get(), "route set");
    let mut text = format!(
        "Gates of **{}** (`{}`) now go to <#{}>, decided by {}.",
        cut(&saved.workflow_name, 100),
        saved.workflow_id,
        saved.channel_id,
        deciders(saved.reviewer_role_id, bridge.routes.default_reviewer_roles()),
    );
    if let Some(before) = before.filter(|b| b.channel_id != saved.channel_id) {
        text.push_str(&format!(" Cards already posted stay in <#{}>.", before.channel_id));
    }
    text.push_str(" Runs waiting now get their card at the next poll (`/approvals sync` to poll now).");
    answer.finish(text).await?;
    Ok(())
}

/// Checks the workflow (in Scenario) and the role (in the server); the workflow's id and name.
async fn check(
    bridge: &Bridge,
    guild_id: GuildId,
    typed: &str,
    role: Option<RoleId>,
) -> Handled<(WorkflowId, String)> {
    if let Some(role) = role {
        if role.get() == guild_id.get() {
            return refuse(Refusal::EveryoneReviews);
        }
        let roles = bridge.discord.get_guild_roles(guild_id).await?;
        if !roles.iter().any(|r| r.id == role) {
            return refuse(Refusal::UnknownRole(role));
        }
    }
    resolve_workflow(bridge, typed).await
}

/// The workflow `typed` names: an id (checked with Scenario), or failing that, a name that
/// exactly one workflow has.
pub async fn resolve_workflow(bridge: &Bridge, typed: &str) -> Handled<(WorkflowId, String)> {
    let id = WorkflowId::new(typed);
    let not_found = match bridge.scenario.workflow(&id).await {
        Ok(workflow) => {
            let name = if workflow.name.is_empty() { workflow.id.to_string() } else { workflow.name };
            return Ok((workflow.id, name));
        }
        Err(err @ ScenarioError::NotFound { .. }) => err,
        Err(err) => {
            tracing::warn!(error = %err, "workflow could not be checked");
            return refuse(Refusal::WorkflowUnchecked);
        }
    };
    if let Ok(list) = bridge.workflows.list(&bridge.scenario).await {
        let mut named = list.iter().filter(|w| w.name.eq_ignore_ascii_case(typed));
        if let (Some(only), None) = (named.next(), named.next()) {
            return Ok((only.id.clone(), only.name.clone()));
        }
    }
    tracing::info!(typed, error = %not_found, "unknown workflow refused");
    refuse(Refusal::UnknownWorkflow { typed: typed.to_owned() })
}

/// Removes the route of a workflow; its open cards stay where they are, decidable.
pub async fn unwatch(
    bridge: &Bridge,
    answer: &Answerable<'_>,
    caller: &Caller,
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
        let text = format!(
            "`{}` has no route of its own, so there is nothing to stop. `/approvals watches` lists the routes.",
            cut(typed, 100)
        );
        answer.say(text).await?;
        return Ok(());
    };
    // Its waiting gates follow the defaults from now on: if they approve at a deadline this
    // route did not, removing it is setting an automatic approval, which takes the right to
    // approve them.
    let (current, defaults) = (bridge.routes.policy_for(&route.workflow_id), bridge.routes.default_policy());
    let reviewers = bridge.routes.default_reviewer_roles().to_vec();
    if current.approves_anew(&defaults)
        && !(is_admin(caller.permissions) && may_decide(&reviewers, &caller.roles, caller.permissions))
    {
        return refuse(Refusal::DeadlineApproves {
            workflow: cut(&route.workflow_name, 100),
            needed: reviewers,
        });
    }
    bridge.routes.remove(&route.workflow_id, &caller.who).await?;
    info!(workflow_id = %route.workflow_id, by = caller.who.id.get(), "route removed");
    let next = match bridge.routes.default_channel() {
        Some(channel) => format!("New gates go to the default channel <#{channel}>."),
        None => "New gates are not posted (there is no default channel).".to_owned(),
    };
    let text = format!(
        "**{}** has no route of its own any more. {next} Cards already posted stay in <#{}> and can still be decided.",
        cut(&route.workflow_name, 100),
        route.channel_id
    );
    answer.say(text).await?;
    Ok(())
}
