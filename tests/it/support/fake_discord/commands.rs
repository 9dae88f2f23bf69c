//! Application commands: registration over REST, and the `data` of a typed slash command.

use serde_json::{Map, Value, json};

use super::errors::ApiError;
use super::interactions::{CommandCall, OptionValue};
use super::rest::{Ctx, Reply};
use super::state::next_id;
use super::{APPLICATION_ID, FakeDiscord, GUILD_ID, Shared, interactions, payloads};

fn check_scope(ctx: &Ctx, guild: bool) -> Result<(), ApiError> {
    if ctx.id(0)? != APPLICATION_ID {
        return Err(ApiError::unknown_application());
    }
    if guild && ctx.id(1)? != GUILD_ID {
        return Err(ApiError::missing_access());
    }
    Ok(())
}

fn list(shared: &Shared, guild: bool) -> Vec<Value> {
    let state = shared.state.lock().expect("state");
    if guild { state.guild_commands.clone() } else { state.global_commands.clone() }
}

/// Stores `requests` as the whole set (bulk overwrite) or adds/replaces one (`replace_all` off).
/// A command keeps its id when its name and type stay, as on Discord.
fn store(shared: &Shared, guild: bool, requests: &[Value], replace_all: bool) -> Vec<Value> {
    let mut state = shared.state.lock().expect("state");
    let set = if guild { &mut state.guild_commands } else { &mut state.global_commands };
    let same = |a: &Value, b: &Value| {
        a["name"] == b["name"] && a["type"].as_u64().unwrap_or(1) == b["type"].as_u64().unwrap_or(1)
    };
    let mut stored = vec![];
    for request in requests {
        let id = set
            .iter()
            .find(|c| same(c, request))
            .and_then(|c| c["id"].as_str()?.parse().ok())
            .unwrap_or_else(next_id);
        stored.push(payloads::command(request, id, APPLICATION_ID, guild.then_some(GUILD_ID)));
    }
    if replace_all {
        *set = stored.clone();
    } else {
        set.retain(|c| !stored.iter().any(|s| same(c, s)));
        set.extend(stored.iter().cloned());
    }
    stored
}

fn put(shared: &Shared, ctx: &Ctx, guild: bool) -> Result<Reply, ApiError> {
    check_scope(ctx, guild)?;
    let requests = ctx.body.and_then(Value::as_array).cloned().unwrap_or_default();
    Ok(Reply::json(Value::Array(store(shared, guild, &requests, true))))
}

fn create(shared: &Shared, ctx: &Ctx, guild: bool) -> Result<Reply, ApiError> {
    check_scope(ctx, guild)?;
    let request = ctx.body.cloned().unwrap_or_else(|| json!({}));
    let mut stored = store(shared, guild, &[request], false);
    Ok(Reply { status: 201, ..Reply::json(stored.remove(0)) })
}

pub(super) fn list_global(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    check_scope(ctx, false)?;
    Ok(Reply::json(Value::Array(list(shared, false))))
}
pub(super) fn list_guild(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    check_scope(ctx, true)?;
    Ok(Reply::json(Value::Array(list(shared, true))))
}
pub(super) fn put_global(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    put(shared, ctx, false)
}
pub(super) fn put_guild(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    put(shared, ctx, true)
}
pub(super) fn create_global(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    create(shared, ctx, false)
}
pub(super) fn create_guild(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    create(shared, ctx, true)
}

/// The declared option `name` among `options`, panicking if a person could not type it.
fn declared<'a>(options: &'a Value, name: &str, what: &str) -> &'a Value {
    let found = options.as_array().into_iter().flatten().find(|o| o["name"] == name);
    found.unwrap_or_else(|| panic!("the command has no {what} {name:?}; declared: {options}"))
}

impl FakeDiscord {
    /// The `data` of an interaction for `call`, checked against the registered command.
    ///
    /// # Panics
    /// If the bot registered no such command, subcommand or option: no person could type it.
    pub fn command_data(&self, call: &CommandCall) -> Value {
        let registered = self
            .guild_commands()
            .into_iter()
            .chain(self.global_commands())
            .find(|c| c["name"] == call.name)
            .unwrap_or_else(|| panic!("the bot registered no command /{}", call.name));
        let mut scope = &registered["options"];
        if let Some(group) = &call.group {
            scope = &declared(scope, group, "subcommand group")["options"];
        }
        if let Some(sub) = &call.subcommand {
            scope = &declared(scope, sub, "subcommand")["options"];
        }
        let mut resolved = Map::new();
        let mut leaf = vec![];
        for (name, value) in &call.options {
            let option = declared(scope, name, "option");
            if let OptionValue::Channel(id) = value {
                self.check_channel_type(option, *id);
            }
            let kind = option["type"].clone();
            leaf.push(
                json!({ "name": name, "type": kind, "value": self.option_value(value, &mut resolved) }),
            );
        }
        if let Some((name, partial)) = &call.focused {
            let kind = declared(scope, name, "option")["type"].clone();
            leaf.push(json!({ "name": name, "type": kind, "value": partial, "focused": true }));
        }
        let mut options = Value::Array(leaf);
        if let Some(sub) = &call.subcommand {
            options = json!([{ "name": sub, "type": 1, "options": options }]);
        }
        if let Some(group) = &call.group {
            options = json!([{ "name": group, "type": 2, "options": options }]);
        }
        let mut data = json!({ "id": registered["id"], "name": call.name, "type": 1, "options": options });
        if registered.get("guild_id").is_some() {
            data["guild_id"] = json!(GUILD_ID.to_string());
        }
        if !resolved.is_empty() {
            data["resolved"] = Value::Object(resolved);
        }
        data
    }

    /// Discord's picker offers only the channel types an option declares.
    fn check_channel_type(&self, option: &Value, channel_id: u64) {
        let Some(types) = option["channel_types"].as_array().filter(|t| !t.is_empty()) else { return };
        let state = self.shared.state.lock().expect("state");
        let channel =
            state.channels.get(&channel_id).unwrap_or_else(|| panic!("no channel {channel_id} in the fake"));
        assert!(
            types.iter().any(|t| t.as_u64() == Some(channel.kind.code())),
            "no person could pick {:?} channel {channel_id} for {}: it offers only types {option}",
            channel.kind,
            option["name"]
        );
    }

    fn option_value(&self, value: &OptionValue, resolved: &mut Map<String, Value>) -> Value {
        let mut add = |kind: &str, id: u64, object: Value| {
            let entry = resolved.entry(kind).or_insert_with(|| json!({}));
            entry[id.to_string()] = object;
            json!(id.to_string())
        };
        match value {
            OptionValue::String(s) => json!(s),
            OptionValue::Integer(n) => json!(n),
            OptionValue::Boolean(b) => json!(b),
            // Resolved channels carry the invoking member's permissions there; the bridge reads
            // the bot's own instead, so an ordinary member's stand in.
            OptionValue::Channel(id) => {
                add("channels", *id, self.shared.channel_json(*id, interactions::MEMBER_PERMISSIONS).0)
            }
            OptionValue::Role(id) => {
                let state = self.shared.state.lock().expect("state");
                let role = state.roles.get(id).unwrap_or_else(|| panic!("no role {id} in the fake"));
                let role = payloads::role(role);
                drop(state);
                add("roles", *id, role)
            }
            OptionValue::User(member) => {
                add("members", member.user_id, payloads::member_without_user(member));
                add("users", member.user_id, payloads::user(member.user_id, &member.username, false))
            }
        }
    }
}
