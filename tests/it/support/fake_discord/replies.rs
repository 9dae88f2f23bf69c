//! Replies and mentions in a new message, as Discord checks and stores them: a
//! `message_reference` must name a message of the same channel (unless `fail_if_not_exists` is
//! false), `allowed_mentions` may not both `parse` a kind and list ids of it, and the message
//! stored pings only the roles its `allowed_mentions` let through.
//! <https://discord.com/developers/docs/resources/message#create-message>,
//! <https://discord.com/developers/docs/resources/message#allowed-mentions-object>

use serde_json::{Value, json};

use super::errors::{ApiError, FormErrors};
use super::payloads::id_text;
use super::state::State;

/// Most ids in `allowed_mentions.roles` (and `users`).
const MAX_ALLOWED_IDS: usize = 100;

/// Checks the reply and the mentions of a create body in `channel_id`.
pub(super) fn check(state: &State, channel_id: u64, body: &Value) -> Result<(), ApiError> {
    let mut errs = FormErrors::default();
    let reference = &body["message_reference"];
    if !reference.is_null() {
        let same_channel =
            reference["channel_id"].is_null() || id_text(&reference["channel_id"]) == channel_id.to_string();
        let message = id_text(&reference["message_id"]).parse::<u64>().ok();
        let exists = message.is_some_and(|id| state.channel_message(channel_id, id).is_some());
        if !same_channel {
            errs.push(
                vec!["message_reference".into()],
                "MESSAGE_REFERENCE_INVALID_CHANNEL",
                "Cannot reply to a message in another channel",
            );
        } else if !exists && reference["fail_if_not_exists"] != false {
            errs.push(
                vec!["message_reference".into()],
                "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                "Unknown message",
            );
        }
    }
    let allowed = &body["allowed_mentions"];
    let parse: Vec<&str> =
        allowed["parse"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    for (kind, list) in [("roles", &allowed["roles"]), ("users", &allowed["users"])] {
        let ids = list.as_array().map_or(0, Vec::len);
        if ids > 0 && parse.contains(&kind) {
            let message = format!("parse:[\"{kind}\"] and {kind}: [ids...] are mutually exclusive.");
            errs.push(vec!["allowed_mentions".into()], "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE", message);
        }
        if ids > MAX_ALLOWED_IDS {
            errs.push(
                vec!["allowed_mentions".into(), kind.into()],
                "BASE_TYPE_MAX_LENGTH",
                format!("Must be {MAX_ALLOWED_IDS} or fewer in length."),
            );
        }
    }
    errs.into_result()
}

/// Fills in what Discord derives for a stored message: the reply's type and reference, and the
/// roles its content pings (those `allowed_mentions` lets through; all of them without it).
pub(super) fn derive(message: &mut Value, body: &Value, guild_id: Option<u64>) {
    let reference = &body["message_reference"];
    if !reference.is_null() {
        message["type"] = json!(19);
        message["message_reference"] = json!({
            "message_id": id_text(&reference["message_id"]),
            "channel_id": id_text(&message["channel_id"]),
            "guild_id": guild_id.map(|g| g.to_string()),
        });
    }
    let content = message["content"].as_str().unwrap_or_default().to_owned();
    let allowed = &body["allowed_mentions"];
    let parses_roles = allowed["parse"].as_array().is_some_and(|p| p.iter().any(|k| k == "roles"));
    let listed: Vec<String> = allowed["roles"].as_array().into_iter().flatten().map(id_text).collect();
    let pinged: Vec<String> = content
        .split("<@&")
        .skip(1)
        .filter_map(|rest| rest.split_once('>').map(|(id, _)| id.to_owned()))
        .filter(|id| allowed.is_null() || parses_roles || listed.contains(id))
        .collect();
    message["mention_roles"] = json!(pinged);
}
