//! What a command brings: its options, read by name, and who typed it.

use serenity::all::{
    ChannelId, CommandDataOption, CommandDataOptionValue, CommandInteraction, Permissions, RoleId, UserId,
};

use crate::store::Reviewer;

/// The options of one subcommand.
#[derive(Clone, Copy)]
pub struct Args<'a> {
    options: &'a [CommandDataOption],
}

impl<'a> Args<'a> {
    /// Wraps the options of a subcommand.
    pub fn new(options: &'a [CommandDataOption]) -> Self {
        Self { options }
    }

    fn value(&self, name: &str) -> Option<&'a CommandDataOptionValue> {
        self.options.iter().find(|o| o.name == name).map(|o| &o.value)
    }

    /// Whether the option `name` was given.
    pub fn has(&self, name: &str) -> bool {
        self.value(name).is_some()
    }

    /// A string option, trimmed; `None` when absent or blank.
    pub fn string(&self, name: &str) -> Option<&'a str> {
        match self.value(name)? {
            CommandDataOptionValue::String(s) => Some(s.trim()).filter(|s| !s.is_empty()),
            _ => None,
        }
    }

    /// An integer option.
    pub fn integer(&self, name: &str) -> Option<i64> {
        match self.value(name)? {
            CommandDataOptionValue::Integer(n) => Some(*n),
            _ => None,
        }
    }

    /// A boolean option.
    pub fn boolean(&self, name: &str) -> Option<bool> {
        match self.value(name)? {
            CommandDataOptionValue::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// A channel option.
    pub fn channel(&self, name: &str) -> Option<ChannelId> {
        match self.value(name)? {
            CommandDataOptionValue::Channel(id) => Some(*id),
            _ => None,
        }
    }

    /// A role option.
    pub fn role(&self, name: &str) -> Option<RoleId> {
        match self.value(name)? {
            CommandDataOptionValue::Role(id) => Some(*id),
            _ => None,
        }
    }

    /// A user option.
    pub fn user(&self, name: &str) -> Option<UserId> {
        match self.value(name)? {
            CommandDataOptionValue::User(id) => Some(*id),
            _ => None,
        }
    }
}

/// The member who typed a command.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who, for the audit trail.
    pub who: Reviewer,
    /// Their role ids.
    pub roles: Vec<RoleId>,
    /// Their permissions in the channel, as the interaction carries them.
    pub permissions: Option<Permissions>,
}

impl Caller {
    /// The member behind `command` (without roles or permissions outside a server).
    pub fn of(command: &CommandInteraction) -> Self {
        let member = command.member.as_deref();
        let user = &command.user;
        let name = member
            .and_then(|m| m.nick.clone())
            .or_else(|| user.global_name.clone())
            .unwrap_or_else(|| user.name.clone());
        Self {
            who: Reviewer { id: user.id, name },
            roles: member.map(|m| m.roles.clone()).unwrap_or_default(),
            permissions: member.and_then(|m| m.permissions),
        }
    }
}
