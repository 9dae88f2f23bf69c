//! The `/approvals` command group: its definition for registration, who may use which
//! subcommand, and the dispatch of each one (and of their autocomplete).
//!
//! The group is registered without `default_member_permissions`: Discord applies it to the whole
//! top-level command, and the reading subcommands must stay open to reviewers. The bridge checks
//! every call instead: changing subcommands take Manage Server, reading ones a reviewer role.

mod args;
mod autocomplete;
mod channel_check;
mod decide;
mod export;
mod history;
mod pending;
mod people;
mod policy;
mod repost;
mod status;
mod sync;
mod text;
mod watch;
mod watches;

use serenity::all::{
    ChannelType, CommandDataOption, CommandDataOptionValue, CommandInteraction, CommandOptionType,
    CreateCommand, CreateCommandOption,
};

pub use args::{Args, Caller};
pub use autocomplete::on_autocomplete;

use super::{
    refusal::Refusal,
    reply::{Answerable, Handled, refuse},
};
use crate::{discord::bridge::Bridge, routes::is_admin};

/// The name of the command group.
pub const GROUP: &str = "approvals";

/// Who may use a subcommand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Members with Manage Server (or Administrator).
    Admin,
    /// Reviewers (a reviewer role of any route, or a default one) and admins.
    Reader,
}

/// Who may use the subcommand `name`; `None` for a name the bridge does not know.
pub fn access(name: &str) -> Option<Access> {
    match name {
        "watch" | "unwatch" | "policy" | "people" | "decide" | "repost" | "sync" | "export" => {
            Some(Access::Admin)
        }
        "watches" | "pending" | "history" | "status" => Some(Access::Reader),
        _ => None,
    }
}

/// Whether `caller` may use a subcommand with `access`.
pub fn allowed(bridge: &Bridge, caller: &Caller, access: Access) -> bool {
    match access {
        Access::Admin => is_admin(caller.permissions),
        Access::Reader => bridge.routes.may_read(&caller.roles, caller.permissions),
    }
}

/// The commands to register.
pub fn definitions() -> Vec<CreateCommand> {
    let sub = |name: &str, description: &str| {
        CreateCommandOption::new(CommandOptionType::SubCommand, name, description)
    };
    let workflow = |required: bool| {
        CreateCommandOption::new(
            CommandOptionType::String,
            "workflow",
            "The workflow: type to search by name",
        )
        .required(required)
        .set_autocomplete(true)
        .max_length(100)
    };
    let channel =
        CreateCommandOption::new(CommandOptionType::Channel, "channel", "The text channel of its cards")
            .required(true)
            .channel_types(vec![ChannelType::Text, ChannelType::News]);
    let role = CreateCommandOption::new(
        CommandOptionType::Role,
        "reviewer_role",
        "Who decides (default: the usual reviewers)",
    );
    let page = CreateCommandOption::new(CommandOptionType::Integer, "page", "Which page").min_int_value(1);
    let reviewer =
        CreateCommandOption::new(CommandOptionType::User, "reviewer", "Only this reviewer's decisions");
    let limit = CreateCommandOption::new(CommandOptionType::Integer, "limit", "How many (default 10)")
        .min_int_value(1)
        .max_int_value(u64::from(history::MAX_LIMIT));
    let job = CreateCommandOption::new(CommandOptionType::String, "job", "The run's id (job_…)")
        .required(true)
        .max_length(100);
    let group = CreateCommand::new(GROUP)
        .description("Review Scenario approval gates from Discord")
        .dm_permission(false)
        .add_option(
            sub("watch", "Send a workflow's gates to a channel (Manage Server)")
                .add_sub_option(workflow(true))
                .add_sub_option(channel)
                .add_sub_option(role),
        )
        .add_option(
            sub("unwatch", "Stop sending a workflow's gates to its channel (Manage Server)")
                .add_sub_option(workflow(true)),
        )
        .add_option(
            sub("policy", "A routed workflow's approvals, reminders and deadline (Manage Server)")
                .set_sub_options(std::iter::once(workflow(true)).chain(policy::options())),
        )
        .add_option(people::group())
        .add_option(sub(
            "watches",
            "Which workflow goes to which channel, decided by whom, under which policy",
        ))
        .add_option(
            sub("pending", "The gates waiting for a decision, oldest first")
                .add_sub_option(workflow(false))
                .add_sub_option(page),
        )
        .add_option(
            sub("history", "Recent decisions: who, what, when, why")
                .add_sub_option(workflow(false))
                .add_sub_option(reviewer)
                .add_sub_option(limit),
        )
        .add_option(
            sub("decide", "Approve or reject every waiting gate of one run (Manage Server, and a reviewer)")
                .set_sub_options(decide::options()),
        )
        .add_option(sub("repost", "Post again a card deleted by mistake (Manage Server)").add_sub_option(job))
        .add_option(sub("sync", "Look at Scenario now (Manage Server)"))
        .add_option(
            sub("export", "Every event (posted, votes, decisions, reminders…) as a file (Manage Server)")
                .set_sub_options(std::iter::once(workflow(false)).chain(export::options())),
        )
        .add_option(sub("status", "How the bridge is doing: last poll, errors, open gates"));
    vec![group]
}

/// Runs a slash command.
pub async fn run(bridge: &Bridge, command: &CommandInteraction, answer: &Answerable<'_>) -> Handled<()> {
    // A route another replica changed applies to this command already.
    bridge.routes.refresh().await?;
    let Some((name, options)) = subcommand(command) else {
        return refuse(Refusal::UnknownCommand(None));
    };
    let Some(access) = access(name) else {
        return refuse(Refusal::UnknownCommand(Some(format!("{GROUP} {name}"))));
    };
    let caller = Caller::of(command);
    if !allowed(bridge, &caller, access) {
        let command = format!("{GROUP} {name}");
        return refuse(match access {
            Access::Admin => Refusal::NotAdmin { command },
            Access::Reader => Refusal::NotReader { command },
        });
    }
    let Some(guild_id) = command.guild_id else {
        return refuse(Refusal::NotInServer);
    };
    if name == "people" {
        return people::run(bridge, answer, &caller, options).await;
    }
    let args = Args::new(options);
    match name {
        "watch" => watch::watch(bridge, command, answer, &caller, args).await,
        "unwatch" => watch::unwatch(bridge, answer, &caller, args).await,
        "policy" => policy::run(bridge, answer, &caller, guild_id, args).await,
        "watches" => watches::run(bridge, answer).await,
        "pending" => pending::run(bridge, answer, guild_id, args).await,
        "history" => history::run(bridge, answer, args).await,
        "decide" => decide::run(bridge, answer, &caller, args).await,
        "repost" => repost::run(bridge, answer, &caller, guild_id, args).await,
        "sync" => sync::run(bridge, answer).await,
        "export" => export::run(bridge, answer, args).await,
        _ => status::run(bridge, answer).await,
    }
}

/// The subcommand (or subcommand group) of an `/approvals` interaction and its options.
fn subcommand(command: &CommandInteraction) -> Option<(&str, &[CommandDataOption])> {
    if command.data.name != GROUP {
        return None;
    }
    let first = command.data.options.first()?;
    match &first.value {
        CommandDataOptionValue::SubCommand(options) | CommandDataOptionValue::SubCommandGroup(options) => {
            Some((first.name.as_str(), options.as_slice()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_subcommand_has_an_access_rule() {
        let json = serde_json::to_value(&definitions()[0]).expect("serializes");
        let subs = json["options"].as_array().expect("subcommands");
        assert_eq!(subs.len(), 12);
        for sub in subs {
            let name = sub["name"].as_str().unwrap_or_default();
            assert!(access(name).is_some(), "{name} has no access rule");
        }
        assert!(json.get("default_member_permissions").is_none_or(serde_json::Value::is_null));
    }

    #[test]
    fn changing_subcommands_take_manage_server() {
        for name in ["watch", "unwatch", "policy", "people", "decide", "repost", "sync", "export"] {
            assert_eq!(access(name), Some(Access::Admin), "{name}");
        }
        for name in ["watches", "pending", "history", "status"] {
            assert_eq!(access(name), Some(Access::Reader), "{name}");
        }
    }
}
