//! Interaction callbacks and the interaction webhook: original response and follow-ups.
//! See <https://discord.com/developers/docs/interactions/receiving-and-responding>.

use serde_json::{Value, json};

use super::errors::{ApiError, FormErrors, path};
use super::rest::{Ctx, Reply};
use super::rest_messages::{add_uploads, edit_stored};
use super::state::{Interaction, State, StoredMessage, next_id};
use super::{APPLICATION_ID, GUILD_ID, Shared, payloads, rules, uploads};

const EPHEMERAL: u64 = 1 << 6;
const LOADING: u64 = 1 << 7;

/// Whether callback type `response` may answer an interaction of type `kind`.
fn allowed(response: u64, i: &Interaction) -> bool {
    match (response, i.kind) {
        (4 | 5, 2 | 3 | 5) | (6 | 7, 3) | (8, 4) | (9, 2 | 3) => true,
        (6 | 7, 5) => i.source_message.is_some(),
        _ => false,
    }
}

/// Creates a message made by the interaction's webhook and returns it.
fn webhook_message(
    shared: &Shared,
    state: &mut State,
    i: &Interaction,
    body: &Value,
    files: &[super::RecordedFile],
) -> (u64, Value) {
    let id = next_id();
    let mut value = payloads::message(id, i.channel_id, Some(GUILD_ID), &shared.bot_user(), body);
    value["webhook_id"] = json!(APPLICATION_ID.to_string());
    value["application_id"] = json!(APPLICATION_ID.to_string());
    add_uploads(&mut value, i.channel_id, files);
    let ephemeral = value["flags"].as_u64().unwrap_or(0) & EPHEMERAL != 0;
    let stored = StoredMessage {
        value: value.clone(),
        channel_id: i.channel_id,
        by_bot: true,
        ephemeral,
        token: Some(i.token.clone()),
    };
    state.messages.insert(id, stored);
    (id, value)
}

/// `POST /interactions/{id}/{token}/callback`: once, within the initial response window.
pub(super) fn callback(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    let id = ctx.id(0).map_err(|_| ApiError::unknown_interaction())?;
    let body = ctx.body.cloned().unwrap_or_else(|| json!({}));
    respond(shared, id, ctx.params[1], &body, ctx.files)?;
    Ok(Reply::no_content())
}

/// The initial response `body` to interaction `id`: from the callback endpoint, or as the body
/// of the answer to an interaction delivered by POST. Once, within the initial response window.
pub(super) fn respond(
    shared: &Shared,
    id: u64,
    token: &str,
    body: &Value,
    files: &[super::RecordedFile],
) -> Result<(), ApiError> {
    let mut state = shared.state.lock().expect("state");
    let i = state.interactions.get(&id).filter(|i| i.token == token).cloned();
    let mut i = i.ok_or_else(ApiError::unknown_interaction)?;
    if i.acked_with.is_some() {
        return Err(ApiError::already_acknowledged());
    }
    if i.dispatched_at.elapsed() > shared.config.initial_response_window {
        return Err(ApiError::unknown_interaction());
    }
    let (response, data) = (body["type"].as_u64().unwrap_or(0), &body["data"]);
    let mut errs = FormErrors::default();
    if !allowed(response, &i) {
        let msg = "Interaction response type is invalid for this interaction";
        errs.push(path(&[], &["type"]), "INTERACTION_RESPONSE_TYPE_INVALID", msg);
    }
    errs.into_result()?;
    uploads::check(data, files, &[], shared.config.upload_limit)?;
    match response {
        4 => {
            rules::check_not_empty(data, files.len())?;
            i.original = Some(webhook_message(shared, &mut state, &i, data, files).0);
        }
        5 => {
            let mut errs = FormErrors::default();
            super::layout::check_deferred(data, &mut errs);
            errs.into_result()?;
            let flags = LOADING | (data["flags"].as_u64().unwrap_or(0) & EPHEMERAL);
            i.original = Some(webhook_message(shared, &mut state, &i, &json!({ "flags": flags }), &[]).0);
        }
        6 | 7 => {
            let source = i.source_message.expect("allowed() checked it");
            let message = state.messages.get_mut(&source).ok_or_else(ApiError::unknown_message)?;
            if response == 7 {
                edit_stored(message, data, files)?;
            }
            i.original = Some(source);
        }
        9 => i.modal = Some(data.clone()),
        _ => {}
    }
    i.acked_with = Some(response);
    state.interactions.insert(id, i);
    Ok(())
}

/// The interaction behind `/webhooks/{app}/{token}`, if the token still works.
fn by_webhook(shared: &Shared, state: &State, ctx: &Ctx) -> Result<Interaction, ApiError> {
    if ctx.id(0)? != APPLICATION_ID {
        return Err(ApiError::unknown_webhook());
    }
    let i = state.interaction_by_token(ctx.params[1]).ok_or_else(ApiError::invalid_webhook_token)?;
    if i.dispatched_at.elapsed() > shared.config.token_lifetime {
        return Err(ApiError::invalid_webhook_token());
    }
    Ok(i.clone())
}

/// `POST /webhooks/{app}/{token}`: a follow-up, once the interaction is acknowledged.
pub(super) fn create_followup(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    let mut state = shared.state.lock().expect("state");
    let i = by_webhook(shared, &state, ctx)?;
    if i.acked_with.is_none() {
        return Err(ApiError::unknown_webhook());
    }
    let body = ctx.body.cloned().unwrap_or_else(|| json!({}));
    rules::check_not_empty(&body, ctx.files.len())?;
    uploads::check(&body, ctx.files, &[], shared.config.upload_limit)?;
    Ok(Reply::json(webhook_message(shared, &mut state, &i, &body, ctx.files).1))
}

/// The message id `which` names: the original response, or a follow-up of this token.
fn target(state: &State, i: &Interaction, which: &str) -> Result<u64, ApiError> {
    let id = if which == "@original" { i.original } else { which.parse().ok() };
    let id = id.ok_or_else(ApiError::unknown_message)?;
    let message = state.messages.get(&id).ok_or_else(ApiError::unknown_message)?;
    let mine = which == "@original" || message.token.as_deref() == Some(i.token.as_str());
    if mine { Ok(id) } else { Err(ApiError::unknown_message()) }
}

fn get(shared: &Shared, ctx: &Ctx, which: &str) -> Result<Reply, ApiError> {
    let state = shared.state.lock().expect("state");
    let i = by_webhook(shared, &state, ctx)?;
    let id = target(&state, &i, which)?;
    Ok(Reply::json(state.messages[&id].value.clone()))
}

fn edit(shared: &Shared, ctx: &Ctx, which: &str) -> Result<Reply, ApiError> {
    let mut state = shared.state.lock().expect("state");
    let i = by_webhook(shared, &state, ctx)?;
    let id = target(&state, &i, which)?;
    let message = state.messages.get_mut(&id).expect("target() found it");
    let body = ctx.body.cloned().unwrap_or_else(|| json!({}));
    let existing = message.value["attachments"].as_array().cloned().unwrap_or_default();
    uploads::check(&body, ctx.files, &existing, shared.config.upload_limit)?;
    let mut value = edit_stored(message, &body, ctx.files)?;
    // Editing a deferred ("thinking…") response turns it into a real one.
    let flags = value["flags"].as_u64().unwrap_or(0) & !LOADING;
    value["flags"] = json!(flags);
    message.value = value.clone();
    Ok(Reply::json(value))
}

fn delete(shared: &Shared, ctx: &Ctx, which: &str) -> Result<Reply, ApiError> {
    let mut state = shared.state.lock().expect("state");
    let i = by_webhook(shared, &state, ctx)?;
    let id = target(&state, &i, which)?;
    state.messages.remove(&id);
    Ok(Reply::no_content())
}

pub(super) fn get_original(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    get(shared, ctx, "@original")
}
pub(super) fn edit_original(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    edit(shared, ctx, "@original")
}
pub(super) fn delete_original(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    delete(shared, ctx, "@original")
}
pub(super) fn get_followup(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    get(shared, ctx, ctx.params[2])
}
pub(super) fn edit_followup(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    edit(shared, ctx, ctx.params[2])
}
pub(super) fn delete_followup(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    delete(shared, ctx, ctx.params[2])
}
