//! Why the bridge turned a request down, as a kind. This is the one place a refusal becomes the
//! sentence the person reads ([`fmt::Display`]), the code the refusal count and the audit store
//! ([`Refusal::code`]) and the label the `refusals` metric counts it under. Every sentence says
//! what happened to the request (nothing was changed, saved or sent) and, where it can, what to
//! do instead.

use std::fmt;

use serenity::all::{ChannelId, RoleId};

use crate::cards::render::cut;
use crate::{
    approvals::{
        rerun::{RerunBlock, units},
        selection::numbers,
        state::ApprovalState,
    },
    store::Approval,
};

/// What was not known: the component or form a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// A card no row of the bridge's has.
    Card,
    /// A button with a `custom_id` the bridge did not make.
    Button,
    /// A modal the bridge did not open.
    Form,
    /// A menu that is not a selection card's.
    Menu,
}

/// A required option of a command that was left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// `/approvals watch` without its workflow and channel.
    WorkflowAndChannel,
    /// `/approvals unwatch` or `/approvals policy` without the workflow.
    Workflow,
    /// `/approvals repost` without the run.
    Run,
    /// `/approvals people link` or `unlink` without the Scenario user (or the member).
    Person,
}

/// A request the bridge turned down, and why.
#[derive(Debug, Clone)]
pub enum Refusal {
    /// The component, form or card is not one the bridge made.
    Unknown(Control),
    /// The process is shutting down and takes no new work.
    Restarting,
    /// The request came from outside the one server the bridge serves.
    OutsideHome,
    /// The person holds none of the roles that decide the gate (empty: Manage Server decides).
    NotReviewer { needed: Vec<RoleId> },
    /// `/approvals name` needs the Manage Server permission.
    NotAdmin { command: String },
    /// `/approvals name` is for reviewers and admins.
    NotReader { command: String },
    /// A command the bridge does not know (`None`: not even the group).
    UnknownCommand(Option<String>),
    /// The command is not used in a server.
    NotInServer,
    /// The gate is closed, or being decided: the approval as it stands.
    Closed(Box<Approval>),
    /// The reviewer's approval is counted already: how many count, how many are needed, the
    /// groups (role ids) still to sign.
    ApprovedAgain { counted: usize, required: u8, groups: Vec<u64> },
    /// The reviewer confirmed these picks already: how many confirmed them, how many are needed,
    /// the groups still to sign.
    ConfirmedAgain { picks: Vec<u32>, counted: usize, required: u8, groups: Vec<u64> },
    /// A menu choice that is not one of the menu's candidates.
    NotACandidate,
    /// Confirm on a card with nothing to pick.
    NothingToPick,
    /// Confirm before any pick: the gate's bounds in words.
    NoPicks { bounds: String },
    /// Confirm with picks the gate does not take.
    PicksRefused { picks: Vec<u32>, why: String },
    /// A reason (or note: `what`) longer than the form allows.
    ReasonTooLong { what: &'static str, max: u16 },
    /// Full-size links asked for too often.
    FullSizeTooOften { per_minute: u32 },
    /// Scenario did not give fresh asset links.
    NoFreshLinks,
    /// Scenario did not answer, so a workflow could not be checked.
    WorkflowUnchecked,
    /// A required option left out.
    Missing(Missing),
    /// The channel is not one of the home server's.
    ChannelElsewhere(ChannelId),
    /// The channel cannot hold cards.
    NotText(ChannelId),
    /// The bot lacks what it needs to post in a channel: the line saying what and where.
    CannotPost { line: String },
    /// @everyone as a route's reviewer role.
    EveryoneReviews,
    /// A role the server does not have.
    UnknownRole(RoleId),
    /// A workflow Scenario does not have (as typed).
    UnknownWorkflow { typed: String },
    /// A policy for a workflow without a route: its name as typed and the default policy.
    NoRoute { typed: String, default_policy: String },
    /// A deadline that approves, set by someone who may not approve: the route and its reviewers.
    DeadlineApproves { workflow: String, needed: Vec<RoleId> },
    /// The route went away while its policy was being changed.
    RouteRemoved,
    /// An option's value out of its range or unreadable: the option and what is wrong.
    BadOption { option: &'static str, why: String },
    /// The route's re-run policy refuses the re-run (off, or over its cost cap).
    Rerun(RerunBlock),
    /// Only a `ready` workflow runs: its name and the status Scenario shows.
    NotReady { workflow: String, status: String },
    /// Scenario could not be read to prepare a re-run.
    RunUnread,
    /// The dry run was refused (Scenario's message) or not answered (`None`).
    NotPriced { refused: Option<String> },
    /// Start without the reviewer's priced form (used, cancelled, or replaced).
    RerunFormGone,
    /// A re-run of the gate was requested already: by whom, and where it stands.
    RerunAsked { by: String, what: String },
    /// A note longer than the form allows.
    NoteTooLong { max: u16 },
    /// The member linked to the run's author approving their own run, which the route refuses:
    /// who else may decide.
    OwnRun { needed: Vec<RoleId> },
}

impl Refusal {
    /// The refusal's kind as the audit, the refusal count and the metric record it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unknown(_) => "unknown_control",
            Self::Restarting => "restarting",
            Self::OutsideHome => "outside_home",
            Self::NotReviewer { .. } => "not_reviewer",
            Self::NotAdmin { .. } => "not_admin",
            Self::NotReader { .. } => "not_reader",
            Self::UnknownCommand(_) => "unknown_command",
            Self::NotInServer => "not_in_server",
            Self::Closed(_) => "closed",
            Self::ApprovedAgain { .. } => "approved_again",
            Self::ConfirmedAgain { .. } => "confirmed_again",
            Self::NotACandidate => "not_a_candidate",
            Self::NothingToPick => "nothing_to_pick",
            Self::NoPicks { .. } => "no_picks",
            Self::PicksRefused { .. } => "picks_refused",
            Self::ReasonTooLong { .. } => "reason_too_long",
            Self::FullSizeTooOften { .. } => "full_size_too_often",
            Self::NoFreshLinks => "no_fresh_links",
            Self::WorkflowUnchecked => "workflow_unchecked",
            Self::Missing(_) => "missing_option",
            Self::ChannelElsewhere(_) => "channel_elsewhere",
            Self::NotText(_) => "not_a_text_channel",
            Self::CannotPost { .. } => "cannot_post",
            Self::EveryoneReviews => "everyone_reviews",
            Self::UnknownRole(_) => "unknown_role",
            Self::UnknownWorkflow { .. } => "unknown_workflow",
            Self::NoRoute { .. } => "no_route",
            Self::DeadlineApproves { .. } => "deadline_approves",
            Self::RouteRemoved => "route_removed",
            Self::BadOption { .. } => "bad_option",
            Self::Rerun(RerunBlock::Off) => "reruns_off",
            Self::Rerun(RerunBlock::OverCap { .. }) => "rerun_over_cap",
            Self::NotReady { .. } => "workflow_not_ready",
            Self::RunUnread => "run_unread",
            Self::NotPriced { .. } => "not_priced",
            Self::RerunFormGone => "rerun_form_gone",
            Self::RerunAsked { .. } => "rerun_asked",
            Self::NoteTooLong { .. } => "note_too_long",
            Self::OwnRun { .. } => "own_run",
        }
    }
}

/// The person's sentence.
impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown(control) => {
                let what = match control {
                    Control::Card => "card",
                    Control::Button => "button",
                    Control::Form => "form",
                    Control::Menu => "menu",
                };
                write!(f, "This {what} is not one approval-bridge knows; nothing was changed.")
            }
            Self::Restarting => {
                f.write_str("approval-bridge is restarting; nothing was changed. Try again in a moment.")
            }
            Self::OutsideHome => f.write_str(
                "approval-bridge works only in the one server it serves, and not here; nothing was done.",
            ),
            Self::NotReviewer { needed } => write!(
                f,
                "Only members with {} can decide on this gate; nothing was changed.",
                needed_roles(needed)
            ),
            Self::NotAdmin { command } => write!(
                f,
                "Only members with the Manage Server permission can use `/{command}`; nothing was changed."
            ),
            Self::NotReader { command } => write!(
                f,
                "`/{command}` is for reviewers and admins of approval-bridge. Ask an admin if you should be one."
            ),
            Self::UnknownCommand(None) => {
                f.write_str("approval-bridge does not know this command; nothing was done.")
            }
            Self::UnknownCommand(Some(command)) => {
                write!(f, "approval-bridge does not know `/{command}`; nothing was done.")
            }
            Self::NotInServer => f.write_str("Use `/approvals` in the server the bridge serves."),
            Self::Closed(approval) => f.write_str(&already(approval)),
            Self::ApprovedAgain { counted, required, groups } => write!(
                f,
                "You have approved this gate already ({counted} of {required} so far); it waits for {}{}. Nothing was changed.",
                more(*counted, needed(*counted, *required, groups)),
                groups_missing(groups)
            ),
            Self::ConfirmedAgain { picks, counted, required, groups } => write!(
                f,
                "You have confirmed picks {} already ({counted} of {required} so far); they wait for {}{}. Nothing was changed.",
                numbers(picks),
                more(*counted, needed(*counted, *required, groups)),
                groups_missing(groups)
            ),
            Self::NotACandidate => {
                f.write_str("That choice is not a candidate of this menu; nothing was changed.")
            }
            Self::NothingToPick => f.write_str("This card has nothing to pick; nothing was changed."),
            Self::NoPicks { bounds } => {
                write!(f, "Pick {bounds} in the menu first, then press Confirm; nothing was sent.")
            }
            Self::PicksRefused { picks, why } => write!(
                f,
                "Your picks ({}) cannot be sent: {why}. Change them in the menu and press Confirm again; nothing was sent.",
                numbers(picks)
            ),
            Self::ReasonTooLong { what, max } => {
                write!(f, "The {what} is longer than {max} characters; nothing was changed.")
            }
            Self::FullSizeTooOften { per_minute } => write!(
                f,
                "You asked for full-size links {per_minute} times in the last minute; try again in a minute."
            ),
            Self::NoFreshLinks => f.write_str("Scenario did not give fresh links; try again in a moment."),
            Self::WorkflowUnchecked => f.write_str(
                "Scenario did not answer, so the workflow could not be checked; nothing was saved. Try again in a minute.",
            ),
            Self::Missing(Missing::WorkflowAndChannel) => {
                f.write_str("Give a workflow and a channel; nothing was saved.")
            }
            Self::Missing(Missing::Workflow) => f.write_str("Give the workflow; nothing was changed."),
            Self::Missing(Missing::Run) => f.write_str("Give the run's id (job_…); nothing was changed."),
            Self::Missing(Missing::Person) => {
                f.write_str("Give the Scenario user's id (and, to link, the member); nothing was changed.")
            }
            Self::ChannelElsewhere(channel) => {
                write!(f, "<#{channel}> is not a channel of this server; nothing was saved.")
            }
            Self::NotText(channel) => write!(
                f,
                "<#{channel}> is not a text channel. Pick a text channel for the cards; nothing was saved."
            ),
            Self::CannotPost { line } => {
                write!(f, "approval-bridge cannot post cards in {line}. Nothing was saved.")
            }
            Self::EveryoneReviews => f.write_str(
                "@everyone cannot be the reviewer role: everyone could decide. Pick a role, or leave reviewer_role out for the default reviewers; nothing was saved.",
            ),
            Self::UnknownRole(role) => write!(
                f,
                "The role {role} does not exist in this server. Pick an existing role; nothing was saved."
            ),
            Self::UnknownWorkflow { typed } => write!(
                f,
                "Scenario has no workflow `{}`. Pick one from the list that appears as you type, or copy its id (wflow_…) from Scenario; nothing was saved.",
                cut(typed, 100)
            ),
            Self::NoRoute { typed, default_policy } => write!(
                f,
                "`{}` has no route of its own, so it follows the default policy ({default_policy}). Route it with `/approvals watch` first; nothing was changed.",
                cut(typed, 100)
            ),
            Self::DeadlineApproves { workflow, needed } => write!(
                f,
                "A deadline that approves is an approval: only a member who may both manage the server and approve the gates of **{workflow}** ({}) may set it; nothing was changed.",
                needed_roles(needed)
            ),
            Self::RouteRemoved => f.write_str("The route was removed meanwhile; nothing was changed."),
            Self::BadOption { option, why } => write!(f, "{option}: {why}; nothing was changed."),
            Self::Rerun(RerunBlock::Off) => f.write_str("Re-runs are off for this workflow; nothing was started."),
            Self::Rerun(RerunBlock::OverCap { cost, cap }) => write!(
                f,
                "This re-run would cost {} creative units, above this workflow's cap of {cap}; nothing was started.",
                units(*cost)
            ),
            Self::NotReady { workflow, status } => write!(
                f,
                "Only a ready workflow can re-run, and **{workflow}** is {status} in Scenario; nothing was started."
            ),
            Self::RunUnread => {
                f.write_str("Scenario could not be read just now; nothing was started. Try again in a minute.")
            }
            Self::NotPriced { refused: Some(message) } => {
                write!(f, "Scenario refused these inputs: {message}. Nothing was started.")
            }
            Self::NotPriced { refused: None } => f.write_str(
                "Scenario did not answer the price check; nothing was started. Try again in a minute.",
            ),
            Self::RerunFormGone => f.write_str(
                "This re-run form is no longer there (started, cancelled, or replaced by a newer one); nothing was started. Press Re-run on the card to begin again.",
            ),
            Self::RerunAsked { by, what } => write!(
                f,
                "A re-run of this gate was already requested by {by}, and {what}; nothing more was started."
            ),
            Self::NoteTooLong { max } => {
                write!(f, "The note is longer than {max} characters; nothing was started.")
            }
            Self::OwnRun { needed } => write!(
                f,
                "You started this run, and this workflow's gates are approved by someone other than the person who asked: another member with {} approves it. You may still reject it; nothing was changed.",
                needed_roles(needed)
            ),
        }
    }
}

/// Who may decide, in words: "the <@&1> role", or "the Manage Server permission".
pub fn needed_roles(required: &[RoleId]) -> String {
    let roles: Vec<String> = required.iter().map(|r| format!("<@&{r}>")).collect();
    match roles.as_slice() {
        [] => "the Manage Server permission".into(),
        [one] => format!("the {one} role"),
        [rest @ .., last] => format!("the {} or {last} role", rest.join(", ")),
    }
}

/// What a reviewer reads about a gate they can no longer decide.
pub fn already(approval: &Approval) -> String {
    let by = approval.decided_by.as_ref().map(|r| format!(" by {}", r.mention())).unwrap_or_default();
    let when = approval.decided_at.map(|ms| format!(" <t:{}:R>", ms / 1000)).unwrap_or_default();
    match approval.state {
        ApprovalState::Deciding => format!("This gate is being decided{by} right now; nothing was changed."),
        ApprovalState::Approved if approval.snapshot.selection.is_some() => {
            format!("Already picked{by}{when}; nothing was changed.")
        }
        ApprovalState::Approved => format!("Already approved{by}{when}; nothing was changed."),
        ApprovalState::Rejected => format!("Already rejected{by}{when}; nothing was changed."),
        ApprovalState::DecidedElsewhere | ApprovalState::RunEnded | ApprovalState::Pending => {
            let what = approval.reason.as_deref().unwrap_or("This gate is closed");
            format!("{what}{when}; nothing was changed.")
        }
    }
}

/// The groups (role ids) still to sign, as a clause: " (still to sign: <@&1>, <@&2>)".
pub fn groups_missing(groups: &[u64]) -> String {
    let missing: Vec<String> = groups.iter().map(|role| format!("<@&{role}>")).collect();
    if missing.is_empty() { String::new() } else { format!(" (still to sign: {})", missing.join(", ")) }
}

/// How many approvals a tally of `counted` needs in all, when `groups` are still to sign and a
/// member signs for one group.
fn needed(counted: usize, required: u8, groups: &[u64]) -> u8 {
    let more = usize::from(required).saturating_sub(counted).max(groups.len());
    u8::try_from(counted + more).unwrap_or(u8::MAX)
}

/// "1 more reviewer", "2 more reviewers": what a tally of `counted` of `required` waits for.
pub fn more(counted: usize, required: u8) -> String {
    match usize::from(required).saturating_sub(counted) {
        1 => "1 more reviewer".to_owned(),
        n => format!("{n} more reviewers"),
    }
}

#[cfg(test)]
mod tests;
