//! JSON objects as Discord sends them, with every field serenity's model insists on.
//!
//! A frame serenity cannot deserialize becomes `Event::Unknown` and the handler never runs, so
//! `tests/it/fake_conformance/discord.rs` deserializes each factory here with serenity's own types.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::interactions::GuildMember;
use super::state::{Channel, OverwriteKind, Role};
use super::{APPLICATION_ID, GUILD_NAMES};

/// Now, as Discord writes timestamps (RFC 3339).
pub fn now() -> String {
    OffsetDateTime::now_utc().format(&Rfc3339).expect("RFC 3339 formats any UTC time")
}

/// A user object.
pub fn user(id: u64, username: &str, bot: bool) -> Value {
    json!({
        "id": id.to_string(), "username": username, "discriminator": "0", "global_name": null,
        "avatar": null, "bot": bot, "system": false, "banner": null, "accent_color": null,
        "public_flags": 0, "flags": 0,
    })
}

/// The current user (`GET /users/@me`), a bot.
pub fn current_user(id: u64, username: &str) -> Value {
    let mut value = user(id, username, true);
    let extra = json!({
        "mfa_enabled": false, "verified": true, "email": null, "locale": "en-US", "premium_type": 0,
    });
    merge(&mut value, extra);
    value
}

/// The application (`GET /oauth2/applications/@me`).
pub fn application(id: u64, bot: &Value, owner: &Value) -> Value {
    json!({
        "id": id.to_string(), "name": "approval-bridge", "icon": null, "description": "",
        "rpc_origins": [], "bot_public": false, "bot_require_code_grant": false,
        "verify_key": "0f".repeat(32), "owner": owner, "team": null, "flags": 0,
        "summary": "", "bot": bot, "redirect_uris": [], "interactions_endpoint_url": null,
        "approximate_guild_count": 1, "tags": [],
    })
}

/// A guild member as Discord puts it in an interaction (`user` inside, `permissions` set).
pub fn member(m: &GuildMember) -> Value {
    let mut value = member_without_user(m);
    value["user"] = user(m.user_id, &m.username, false);
    value
}

/// A guild member as `GET /guilds/{g}/members/{u}` returns it (no `permissions`: those come
/// only with interactions).
pub fn rest_member(m: &GuildMember) -> Value {
    let mut value = member(m);
    if let Some(obj) = value.as_object_mut() {
        obj.remove("permissions");
    }
    value
}

/// A partial member, as in `resolved.members` (no `user`).
pub fn member_without_user(m: &GuildMember) -> Value {
    let roles: Vec<String> = m.roles.iter().map(u64::to_string).collect();
    json!({
        "roles": roles, "nick": null, "avatar": null, "joined_at": "2024-01-01T00:00:00+00:00",
        "premium_since": null, "deaf": false, "mute": false, "flags": 0, "pending": false,
        "permissions": m.permissions, "communication_disabled_until": null,
    })
}

/// A guild channel (`GET /channels/{id}`) with its permission overwrites.
pub fn channel(c: &Channel) -> Value {
    let overwrites: Vec<Value> = c
        .overwrites
        .iter()
        .map(|o| {
            let kind = match o.kind {
                OverwriteKind::Role => 0,
                OverwriteKind::Member => 1,
            };
            json!({ "id": o.id.to_string(), "type": kind, "allow": o.allow.to_string(), "deny": o.deny.to_string() })
        })
        .collect();
    json!({
        "id": c.id.to_string(), "type": c.kind.code(), "guild_id": c.guild_id.to_string(), "name": c.name,
        "position": c.position, "permission_overwrites": overwrites, "topic": null, "nsfw": false,
        "last_message_id": null, "rate_limit_per_user": 0, "parent_id": null, "flags": 0,
    })
}

/// A channel as interactions carry it (`channel`, `resolved.channels`), with the invoking
/// member's `permissions` there (a bitfield string).
pub fn partial_channel(c: &Channel, permissions: &str) -> Value {
    let mut value = channel(c);
    value["permissions"] = json!(permissions);
    value
}

/// A guild as `GET /guilds/{id}` returns it (`GuildWithCountsResponse`).
pub fn guild(id: u64, name: &str, owner_id: u64, roles: Vec<Value>) -> Value {
    json!({
        "id": id.to_string(), "name": name, "icon": null, "description": null, "home_header": null,
        "splash": null, "discovery_splash": null, "features": [], "banner": null,
        "owner_id": owner_id.to_string(), "application_id": null, "region": "deprecated",
        "afk_channel_id": null, "afk_timeout": 300, "system_channel_id": null, "system_channel_flags": 0,
        "widget_enabled": false, "widget_channel_id": null, "verification_level": 0, "roles": roles,
        "default_message_notifications": 0, "mfa_level": 0, "explicit_content_filter": 0,
        "max_presences": null, "max_members": 500000, "max_stage_video_channel_users": 50,
        "max_video_channel_users": 25, "vanity_url_code": null, "premium_tier": 0,
        "premium_subscription_count": 0, "preferred_locale": "en-US", "rules_channel_id": null,
        "safety_alerts_channel_id": null, "public_updates_channel_id": null,
        "premium_progress_bar_enabled": false, "nsfw": false, "nsfw_level": 0, "emojis": [],
        "stickers": [], "incidents_data": null,
    })
}

/// A role (`GET /guilds/{g}/roles`).
pub fn role(r: &Role) -> Value {
    json!({
        "id": r.id.to_string(), "name": r.name, "color": 0, "hoist": false, "icon": null,
        "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
        "unicode_emoji": null, "position": r.position, "permissions": r.permissions,
        "managed": false, "mentionable": true, "flags": 0,
    })
}

/// A DM channel with `who`, as a DM interaction carries it.
pub fn dm_channel(id: u64, who: &GuildMember) -> Value {
    json!({
        "id": id.to_string(), "type": 1, "last_message_id": null, "flags": 0,
        "recipients": [user(who.user_id, &who.username, false)],
    })
}

/// A guild as `GET /users/@me/guilds` lists it, with the bot's `permissions` there (its roles'
/// bits, a bitfield).
pub fn partial_guild(id: u64, name: &str, permissions: u64) -> Value {
    json!({
        "id": id.to_string(), "name": name, "icon": null, "banner": null, "owner": false,
        "permissions": permissions.to_string(), "features": [],
    })
}

/// The READY dispatch body: every guild the bot is in, unavailable until GUILD_CREATE (which
/// the fake never sends; the bridge asks for no guild intent).
pub fn ready(bot: &Value, application_id: u64, session: &str, resume: &str) -> Value {
    let guilds: Vec<Value> =
        GUILD_NAMES.iter().map(|(id, _)| json!({ "id": id.to_string(), "unavailable": true })).collect();
    json!({
        "v": 10, "user": bot, "guilds": guilds,
        "session_id": session, "resume_gateway_url": resume,
        "application": { "id": application_id.to_string(), "flags": 0 },
        "private_channels": [], "relationships": [], "_trace": ["fake-discord"],
    })
}

/// An INTERACTION_CREATE body of type `kind` (2 command, 3 component, 4 autocomplete, 5 modal
/// submit) by `who` in `channel` (as [`partial_channel`] or [`dm_channel`] makes it), where the
/// bot holds `app_permissions`. In a guild it carries `guild_id` and `member`; in a DM
/// (`who.guild_id` is `None`) only `user`, with the bot DM context (1).
pub fn interaction(
    kind: u8,
    id: u64,
    token: &str,
    who: &GuildMember,
    channel: &Value,
    app_permissions: u64,
    data: Value,
) -> Value {
    let mut value = json!({
        "id": id.to_string(), "application_id": APPLICATION_ID.to_string(), "type": kind, "data": data,
        "channel_id": channel["id"], "channel": channel, "token": token, "version": 1,
        "locale": "en-US", "app_permissions": app_permissions.to_string(), "entitlements": [],
        "attachment_size_limit": 10_485_760,
    });
    let place = match who.guild_id {
        Some(guild_id) => json!({
            "guild_id": guild_id.to_string(), "member": member(who), "guild_locale": "en-US",
            "authorizing_integration_owners": { "0": guild_id.to_string() }, "context": 0,
        }),
        None => json!({
            "user": user(who.user_id, &who.username, false),
            "authorizing_integration_owners": { "0": "0" }, "context": 1,
        }),
    };
    merge(&mut value, place);
    value
}

/// The `data` of a button click.
pub fn button_data(custom_id: &str) -> Value {
    json!({ "custom_id": custom_id, "component_type": 2 })
}

/// The `data` of a choice in a string select menu.
pub fn select_data(custom_id: &str, values: &[&str]) -> Value {
    json!({ "custom_id": custom_id, "component_type": 3, "values": values })
}

/// The `data` of a modal submit: one action row per (text input custom_id, value).
pub fn modal_submit_data(custom_id: &str, values: &[(&str, &str)]) -> Value {
    let rows: Vec<Value> = values
        .iter()
        .map(|(id, value)| json!({ "type": 1, "components": [{ "type": 4, "custom_id": id, "value": value }] }))
        .collect();
    json!({ "custom_id": custom_id, "components": rows })
}

/// A stored application command built from the request that created it.
pub fn command(request: &Value, id: u64, application_id: u64, guild_id: Option<u64>) -> Value {
    let mut value = json!({
        "id": id.to_string(), "type": 1, "application_id": application_id.to_string(),
        "name_localizations": null, "description": "", "description_localizations": null,
        "default_member_permissions": null, "nsfw": false, "version": super::state::next_id().to_string(),
    });
    match guild_id {
        Some(g) => value["guild_id"] = json!(g.to_string()),
        None => merge(&mut value, json!({ "dm_permission": true, "integration_types": [0] })),
    }
    let mut request = request.clone();
    if let Some(obj) = request.as_object_mut() {
        obj.retain(|_, v| !v.is_null());
    }
    merge(&mut value, request);
    value
}

/// A message as Discord returns it, from a create body; `flags` and `nonce` kept.
pub fn message(id: u64, channel_id: u64, guild_id: Option<u64>, author: &Value, body: &Value) -> Value {
    let mut value = json!({
        "id": id.to_string(), "channel_id": channel_id.to_string(), "author": author,
        "content": "", "timestamp": now(), "edited_timestamp": null, "tts": false,
        "mention_everyone": false, "mentions": [], "mention_roles": [], "mention_channels": [],
        "attachments": [], "embeds": [], "components": [], "pinned": false, "type": 0, "flags": 0,
    });
    if let Some(g) = guild_id {
        value["guild_id"] = json!(g.to_string());
    }
    if !body["nonce"].is_null() {
        value["nonce"] = body["nonce"].clone();
    }
    apply_edit(&mut value, body);
    value
}

/// Applies the fields of a create or edit body to a stored message, as Discord does.
pub fn apply_edit(message: &mut Value, body: &Value) {
    for key in ["content", "components", "flags"] {
        if body.get(key).is_some() {
            message[key] = if body[key].is_null() { empty_of(key) } else { body[key].clone() };
        }
    }
    if let Some(embeds) = body.get("embeds") {
        let embeds = embeds.as_array().cloned().unwrap_or_default();
        message["embeds"] = Value::Array(embeds.into_iter().map(rich_embed).collect());
    }
    if let Some(kept) = body.get("attachments").and_then(Value::as_array) {
        let ids: Vec<String> = kept.iter().map(|a| id_text(&a["id"])).collect();
        if let Some(current) = message["attachments"].as_array_mut() {
            current.retain(|a| ids.contains(&id_text(&a["id"])));
        }
    }
}

/// A snowflake as text, whether it came as a JSON string or number.
pub fn id_text(value: &Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_owned)
}

fn empty_of(key: &str) -> Value {
    match key {
        "content" => json!(""),
        "flags" => json!(0),
        _ => json!([]),
    }
}

fn rich_embed(mut embed: Value) -> Value {
    if let Some(obj) = embed.as_object_mut() {
        obj.retain(|_, v| !v.is_null());
        obj.entry("type").or_insert(json!("rich"));
    }
    embed
}

/// An attachment object for an uploaded file.
pub fn attachment(id: u64, channel_id: u64, filename: &str, size: usize, content_type: &str) -> Value {
    let url = format!("https://cdn.discordapp.com/attachments/{channel_id}/{id}/{filename}");
    json!({
        "id": id.to_string(), "filename": filename, "size": size, "url": url,
        "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
        "content_type": content_type,
    })
}

/// Merges the keys of `extra` into `target` (both objects).
pub fn merge(target: &mut Value, extra: Value) {
    if let (Some(target), Value::Object(extra)) = (target.as_object_mut(), extra) {
        target.extend(extra);
    }
}
