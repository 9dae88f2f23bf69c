//! The `/approvals` command group: its definition for registration, and the dispatch of each
//! subcommand.

mod pending;
mod status;

use serenity::all::{
    CommandDataOption, CommandDataOptionValue, CommandInteraction, CommandOptionType, Context, CreateCommand,
    CreateCommandOption,
};

use super::reply::Answerable;
use crate::bridge::Bridge;

/// The name of the command group.
pub const GROUP: &str = "approvals";

/// The commands to register.
pub fn definitions() -> Vec<CreateCommand> {
    let subcommand = |name: &str, description: &str| {
        CreateCommandOption::new(CommandOptionType::SubCommand, name, description)
    };
    let group = CreateCommand::new(GROUP)
        .description("Review Scenario approval gates from Discord")
        .dm_permission(false)
        .add_option(subcommand("status", "How the bridge is doing: last poll, errors, open gates"))
        .add_option(subcommand("pending", "The gates waiting for a decision, oldest first"));
    vec![group]
}

/// Runs a slash command.
pub async fn run(bridge: &Bridge, ctx: &Context, command: &CommandInteraction) -> anyhow::Result<()> {
    let answer = Answerable::Command(command);
    let Some((name, _options)) = subcommand(command) else {
        answer.say(ctx, "approval-bridge does not know this command; nothing was done.").await?;
        return Ok(());
    };
    match name {
        "status" => status::run(bridge, ctx, &answer).await,
        "pending" => pending::run(bridge, ctx, &answer, command.guild_id.map_or(0, |g| g.get())).await,
        _ => {
            answer
                .say(ctx, format!("approval-bridge does not know `/{GROUP} {name}`; nothing was done."))
                .await?;
            Ok(())
        }
    }
}

/// The subcommand of an `/approvals` interaction and its options.
fn subcommand(command: &CommandInteraction) -> Option<(&str, &[CommandDataOption])> {
    if command.data.name != GROUP {
        return None;
    }
    let first = command.data.options.first()?;
    match &first.value {
        CommandDataOptionValue::SubCommand(options) => Some((first.name.as_str(), options.as_slice())),
        _ => None,
    }
}
