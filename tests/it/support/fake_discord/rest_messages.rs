//! REST handlers for the gateway URL, the bot itself, guild channels and roles, and channel
//! messages.

use serde_json::{Value, json};

use super::errors::ApiError;
use super::interactions::GuildMember;
use super::payloads::{self, id_text};
use super::record::RecordedFile;
use super::rest::{Ctx, Reply};
use super::state::{Channel, ChannelKind, State, StoredMessage, next_id, permission};
use super::{
    APPLICATION_ID, BOT_USER_ID, BOT_USERNAME, GUILD_ID, GUILD_NAMES, OWNER_USER_ID, Shared, replies, rules,
    threads, uploads,
};

pub(super) fn gateway(shared: &Shared, _: &Ctx) -> Result<Reply, ApiError> {
    Ok(Reply::json(json!({ "url": shared.gateway_url() })))
}

pub(super) fn gateway_bot(shared: &Shared, _: &Ctx) -> Result<Reply, ApiError> {
    let limit = json!({ "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1 });
    Ok(Reply::json(json!({ "url": shared.gateway_url(), "shards": 1, "session_start_limit": limit })))
}

pub(super) fn current_user(shared: &Shared, _: &Ctx) -> Result<Reply, ApiError> {
    Ok(Reply::json(shared.bot_user()))
}

/// `GET /users/@me/guilds`: the guilds the bot is in, both of them.
pub(super) fn current_user_guilds(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    let limit = ctx.query.split('&').find_map(|kv| kv.strip_prefix("limit=")?.parse::<u64>().ok());
    if limit.is_some_and(|l| !(1..=200).contains(&l)) {
        let mut errs = super::errors::FormErrors::default();
        errs.push(vec!["limit".into()], "NUMBER_TYPE_MAX", "int value should be between 1 and 200.");
        errs.into_result()?;
    }
    let state = shared.state.lock().expect("state");
    let guilds = GUILD_NAMES
        .iter()
        .map(|(id, name)| payloads::partial_guild(*id, name, state.bot_base_permissions(*id)));
    Ok(Reply::json(guilds.collect()))
}

pub(super) fn application(shared: &Shared, _: &Ctx) -> Result<Reply, ApiError> {
    let owner = payloads::user(OWNER_USER_ID, "guild-owner", false);
    Ok(Reply::json(payloads::application(APPLICATION_ID, &shared.bot_user(), &owner)))
}

/// The channel if the bot can see it: 10003 when unknown, 50001 when the bot lacks View
/// Channel there.
pub(super) fn visible(state: &State, id: u64) -> Result<&Channel, ApiError> {
    let channel = state.channels.get(&id).ok_or_else(ApiError::unknown_channel)?;
    if !state.bot_may(channel, permission::VIEW_CHANNEL) {
        return Err(ApiError::missing_access());
    }
    Ok(channel)
}

/// 50013 Missing Permissions unless the bot holds `bits` in `channel`.
fn require(state: &State, channel: &Channel, bits: u64) -> Result<(), ApiError> {
    if state.bot_may(channel, bits) { Ok(()) } else { Err(ApiError::missing_permissions()) }
}

/// The guild of the path, if the bot is in it; else 10004 Unknown Guild.
fn guild(ctx: &Ctx) -> Result<u64, ApiError> {
    let id = ctx.id(0)?;
    if GUILD_NAMES.iter().any(|(g, _)| *g == id) { Ok(id) } else { Err(ApiError::unknown_guild()) }
}

pub(super) fn get_channel(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    let state = shared.state.lock().expect("state");
    Ok(Reply::json(payloads::channel(visible(&state, ctx.id(0)?)?)))
}

pub(super) fn guild_channels(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    let guild_id = guild(ctx)?;
    let state = shared.state.lock().expect("state");
    let channels = state
        .channels
        .values()
        .filter(|c| c.guild_id == guild_id && state.bot_may(c, permission::VIEW_CHANNEL));
    Ok(Reply::json(channels.map(payloads::channel).collect()))
}

/// `GET /guilds/{g}`: the guild with its roles and owner, every field Discord's schema requires.
pub(super) fn get_guild(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    let guild_id = guild(ctx)?;
    let state = shared.state.lock().expect("state");
    let roles: Vec<Value> =
        state.roles.values().filter(|r| r.guild_id == guild_id).map(payloads::role).collect();
    let owner = if guild_id == GUILD_ID { state.home_owner } else { OWNER_USER_ID };
    let name = GUILD_NAMES.iter().find(|(g, _)| *g == guild_id).map_or("", |(_, n)| n);
    Ok(Reply::json(payloads::guild(guild_id, name, owner, roles)))
}

pub(super) fn guild_roles(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    let guild_id = guild(ctx)?;
    let state = shared.state.lock().expect("state");
    Ok(Reply::json(state.roles.values().filter(|r| r.guild_id == guild_id).map(payloads::role).collect()))
}

/// `GET /guilds/{g}/members/{u}`: the bot, and the people of the home guild who interacted (as
/// they last did, or as a test changed them); anyone else is 10007 Unknown Member.
pub(super) fn guild_member(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    let guild_id = guild(ctx)?;
    let user_id = ctx.id(1)?;
    if user_id != BOT_USER_ID {
        let state = shared.state.lock().expect("state");
        let member = state.members.get(&user_id).filter(|_| guild_id == GUILD_ID);
        return member.map(|m| Reply::json(payloads::rest_member(m))).ok_or_else(ApiError::unknown_member);
    }
    let roles = shared.state.lock().expect("state").bot_roles_in(guild_id);
    let mut bot = GuildMember::new(BOT_USERNAME).with_roles(&roles);
    bot.user_id = BOT_USER_ID;
    let mut value = payloads::rest_member(&bot);
    value["user"] = shared.bot_user();
    Ok(Reply::json(value))
}

pub(super) fn list_messages(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    let channel_id = ctx.id(0)?;
    let state = shared.state.lock().expect("state");
    let channel = visible(&state, channel_id)?;
    // Discord: without Read Message History "no messages will be returned".
    if !state.bot_may(channel, permission::READ_MESSAGE_HISTORY) {
        return Ok(Reply::json(json!([])));
    }
    let limit = ctx.query.split('&').find_map(|kv| kv.strip_prefix("limit=")?.parse().ok()).unwrap_or(50);
    if !(1..=100).contains(&limit) {
        // Discord: "Max number of messages to return (1-100)".
        let mut errs = super::errors::FormErrors::default();
        errs.push(vec!["limit".into()], "NUMBER_TYPE_MAX", "int value should be between 1 and 100.");
        errs.into_result()?;
    }
    let mut found: Vec<(&u64, &StoredMessage)> =
        state.messages.iter().filter(|(_, m)| m.channel_id == channel_id && !m.ephemeral).collect();
    found.sort_by_key(|(id, _)| std::cmp::Reverse(**id));
    Ok(Reply::json(found.into_iter().take(limit).map(|(_, m)| m.value.clone()).collect()))
}

pub(super) fn get_message(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    let state = shared.state.lock().expect("state");
    let channel = visible(&state, ctx.id(0)?)?;
    require(&state, channel, permission::READ_MESSAGE_HISTORY)?;
    let message = state.channel_message(ctx.id(0)?, ctx.id(1)?).ok_or_else(ApiError::unknown_message)?;
    Ok(Reply::json(message.value.clone()))
}

/// Adds uploaded files as attachments, and points `attachment://name` embed images and
/// component media (gallery pictures, thumbnails, files) at them.
pub(super) fn add_uploads(message: &mut Value, channel_id: u64, files: &[RecordedFile]) {
    for file in files {
        let attachment =
            payloads::attachment(next_id(), channel_id, &file.filename, file.size, &file.content_type);
        if let Some(list) = message["attachments"].as_array_mut() {
            list.push(attachment);
        }
    }
    let attachments = message["attachments"].clone();
    let find =
        |name: &str| attachments.as_array().into_iter().flatten().find(|a| a["filename"] == name).cloned();
    resolve_media(&mut message["components"], &find);
    for embed in message["embeds"].as_array_mut().into_iter().flatten() {
        for key in ["image", "thumbnail"] {
            let Some(name) = embed[key]["url"].as_str().and_then(|u| u.strip_prefix("attachment://")) else {
                continue;
            };
            let found = attachments.as_array().into_iter().flatten().find(|a| a["filename"] == name);
            if let Some(found) = found {
                embed[key]["url"] = found["url"].clone();
                embed[key]["proxy_url"] = found["proxy_url"].clone();
            }
        }
    }
}

/// Points every `attachment://name` media of `components` (nested ones included) at the
/// attachment of that name, as Discord shows it.
fn resolve_media(components: &mut Value, find: &dyn Fn(&str) -> Option<Value>) {
    let point = |m: &mut Value| {
        let name = m["url"].as_str().and_then(|u| u.strip_prefix("attachment://")).map(str::to_owned);
        if let Some(found) = name.and_then(|name| find(&name)) {
            m["url"] = found["url"].clone();
            m["proxy_url"] = found["proxy_url"].clone();
            m["attachment_id"] = found["id"].clone();
        }
    };
    for c in components.as_array_mut().into_iter().flatten() {
        for item in c["items"].as_array_mut().into_iter().flatten() {
            point(&mut item["media"]);
        }
        for key in ["media", "file"] {
            if let Some(m) = c.get_mut(key) {
                point(m);
            }
        }
        if c.get("components").is_some() {
            resolve_media(&mut c["components"], find);
        }
    }
}

pub(super) fn create_message(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    let channel_id = ctx.id(0)?;
    let body = ctx.body.cloned().unwrap_or_else(|| json!({}));
    let mut state = shared.state.lock().expect("state");
    // A thread takes messages under its parent's permissions (see `threads`).
    let channel = if state.threads.contains_key(&channel_id) {
        threads::postable(&state, channel_id)?
    } else {
        let channel = visible(&state, channel_id)?;
        if channel.kind == ChannelKind::Category {
            return Err(ApiError::not_text_channel());
        }
        require(&state, channel, permission::SEND_MESSAGES)?;
        channel
    };
    let guild_id = Some(channel.guild_id);
    // Files need Attach Files, and a reply Read Message History (Discord's Create Message).
    if !ctx.files.is_empty() {
        require(&state, channel, permission::ATTACH_FILES)?;
    }
    if !body["message_reference"].is_null() {
        require(&state, channel, permission::READ_MESSAGE_HISTORY)?;
    }
    rules::check_not_empty(&body, ctx.files.len())?;
    replies::check(&state, channel_id, &body)?;
    uploads::check(&body, ctx.files, &[], shared.config.upload_limit)?;
    let nonce = Some(&body["nonce"]).filter(|n| !n.is_null()).map(id_text);
    let enforce = body["enforce_nonce"] == true;
    if let (Some(nonce), true) = (&nonce, enforce) {
        if let Some((id, at)) = state.nonces.get(&(channel_id, nonce.clone())) {
            let existing =
                state.channel_message(channel_id, *id).filter(|_| at.elapsed() < shared.config.nonce_window);
            if let Some(existing) = existing {
                return Ok(Reply::json(existing.value.clone()));
            }
        }
    }
    let id = next_id();
    let mut value = payloads::message(id, channel_id, guild_id, &shared.bot_user(), &body);
    replies::derive(&mut value, &body, guild_id);
    add_uploads(&mut value, channel_id, ctx.files);
    if let (Some(nonce), true) = (nonce, enforce) {
        state.nonces.insert((channel_id, nonce), (id, std::time::Instant::now()));
    }
    let stored =
        StoredMessage { value: value.clone(), channel_id, by_bot: true, ephemeral: false, token: None };
    state.messages.insert(id, stored);
    Ok(Reply::json(value))
}

/// Applies an edit body (already checked against the rules) to a stored message; refuses an
/// edit that would leave it empty. Returns the new message.
pub(super) fn edit_stored(
    message: &mut StoredMessage,
    body: &Value,
    files: &[RecordedFile],
) -> Result<Value, ApiError> {
    super::layout::check_flags_kept(&message.value["flags"], body)?;
    let mut value = message.value.clone();
    payloads::apply_edit(&mut value, body);
    // The message as the edit leaves it keeps the layout's rules: an older message moved over
    // must have its text and embeds cleared by the same edit.
    if super::layout::is_v2(&value["flags"]) {
        let mut errs = super::errors::FormErrors::default();
        super::layout::check(&value, &[], &mut errs);
        errs.into_result()?;
    }
    add_uploads(&mut value, message.channel_id, files);
    let attachments = value["attachments"].as_array().map_or(0, Vec::len);
    rules::check_not_empty(&value, attachments)?;
    value["edited_timestamp"] = json!(payloads::now());
    message.value = value.clone();
    Ok(value)
}

pub(super) fn edit_message(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    let (channel_id, message_id) = (ctx.id(0)?, ctx.id(1)?);
    let mut state = shared.state.lock().expect("state");
    let channel = visible(&state, channel_id)?;
    if !ctx.files.is_empty() {
        require(&state, channel, permission::ATTACH_FILES)?;
    }
    state.channel_message(channel_id, message_id).ok_or_else(ApiError::unknown_message)?;
    let message = state.messages.get_mut(&message_id).expect("checked above");
    if !message.by_bot {
        return Err(ApiError::not_message_author());
    }
    let body = ctx.body.cloned().unwrap_or_else(|| json!({}));
    let existing = message.value["attachments"].as_array().cloned().unwrap_or_default();
    uploads::check(&body, ctx.files, &existing, shared.config.upload_limit)?;
    Ok(Reply::json(edit_stored(message, &body, ctx.files)?))
}

pub(super) fn delete_message(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    let (channel_id, message_id) = (ctx.id(0)?, ctx.id(1)?);
    let mut state = shared.state.lock().expect("state");
    visible(&state, channel_id)?;
    state.channel_message(channel_id, message_id).ok_or_else(ApiError::unknown_message)?;
    state.messages.remove(&message_id);
    Ok(Reply::no_content())
}
