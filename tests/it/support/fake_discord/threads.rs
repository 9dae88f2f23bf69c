//! Threads started from a message, as Discord serves them: `POST
//! /channels/{c}/messages/{m}/threads` needs the message, View Channel and Create Public Threads
//! in `c`, and makes one public thread (type 11) per message, whose id is the message's; a
//! message into a thread needs Send Messages in Threads (the parent's permissions apply) and is
//! refused while the thread is archived; `PATCH /channels/{thread}` archives or reopens it (the
//! thread's creator, here always the bot, needs no Manage Threads for that).
//! <https://discord.com/developers/docs/resources/channel#start-thread-from-message>,
//! <https://discord.com/developers/docs/topics/threads>

use serde_json::{Value, json};

use super::errors::ApiError;
use super::rest::{Ctx, Reply};
use super::rest_messages::visible;
use super::state::{Channel, Overwrite, OverwriteKind, State, permission};
use super::{BOT_USER_ID, FakeDiscord, Shared, payloads};

/// A public thread the bot started from a message.
#[derive(Debug, Clone)]
pub(super) struct Thread {
    /// Its id: the message's it was started from.
    pub id: u64,
    /// The channel of that message.
    pub parent_id: u64,
    pub name: String,
    pub archived: bool,
    pub auto_archive_duration: u64,
    /// When it was last archived or reopened (its creation, until then).
    pub archive_timestamp: String,
}

impl Thread {
    fn payload(&self, guild_id: u64) -> Value {
        json!({
            "id": self.id.to_string(), "type": 11, "guild_id": guild_id.to_string(), "name": self.name,
            "parent_id": self.parent_id.to_string(), "owner_id": BOT_USER_ID.to_string(), "flags": 0,
            "last_message_id": null, "rate_limit_per_user": 0, "message_count": 0, "member_count": 1,
            "total_message_sent": 0,
            "thread_metadata": {
                "archived": self.archived, "auto_archive_duration": self.auto_archive_duration,
                "archive_timestamp": self.archive_timestamp, "locked": false,
            },
        })
    }
}

/// `POST /channels/{c}/messages/{m}/threads`.
pub(super) fn start(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    let (channel_id, message_id) = (ctx.id(0)?, ctx.id(1)?);
    let mut state = shared.state.lock().expect("state");
    let channel = visible(&state, channel_id)?;
    if !state.bot_may(channel, permission::CREATE_PUBLIC_THREADS) {
        return Err(ApiError::missing_permissions());
    }
    let guild_id = channel.guild_id;
    state.channel_message(channel_id, message_id).ok_or_else(ApiError::unknown_message)?;
    if state.threads.contains_key(&message_id) {
        return Err(ApiError::thread_already_created());
    }
    let body = ctx.body.cloned().unwrap_or_default();
    // Name and duration were checked against the OpenAPI schema (1-100 characters; 60, 1440,
    // 4320 or 10080 minutes); Discord's default duration is the channel's, a day here.
    let thread = Thread {
        id: message_id,
        parent_id: channel_id,
        name: body["name"].as_str().unwrap_or_default().to_owned(),
        archived: false,
        auto_archive_duration: body["auto_archive_duration"].as_u64().unwrap_or(1440),
        archive_timestamp: payloads::now(),
    };
    let answer = thread.payload(guild_id);
    state.threads.insert(message_id, thread);
    Ok(Reply { status: 201, body: Some(answer), headers: vec![] })
}

/// The parent channel of thread `id` for a new message in it: 50001 without View Channel in the
/// parent, 50013 without Send Messages in Threads, 400/50083 while the thread is archived.
pub(super) fn postable(state: &State, id: u64) -> Result<&Channel, ApiError> {
    let thread = &state.threads[&id];
    let parent = visible(state, thread.parent_id)?;
    if !state.bot_may(parent, permission::SEND_MESSAGES_IN_THREADS) {
        return Err(ApiError::missing_permissions());
    }
    if thread.archived {
        return Err(ApiError::archived_thread());
    }
    Ok(parent)
}

/// `PATCH /channels/{c}`, for threads: `archived` archives or reopens one. Other channels'
/// settings are not modelled: without Manage Channels Discord refuses, and the bot never asks.
pub(super) fn modify(shared: &Shared, ctx: &Ctx) -> Result<Reply, ApiError> {
    let id = ctx.id(0)?;
    let mut state = shared.state.lock().expect("state");
    let Some(parent_id) = state.threads.get(&id).map(|t| t.parent_id) else {
        visible(&state, id)?;
        return Err(ApiError::missing_permissions());
    };
    let guild_id = visible(&state, parent_id)?.guild_id;
    let body = ctx.body.cloned().unwrap_or_default();
    let thread = state.threads.get_mut(&id).expect("checked above");
    if let Some(archived) = body["archived"].as_bool() {
        thread.archived = archived;
        thread.archive_timestamp = payloads::now();
    }
    Ok(Reply::json(thread.payload(guild_id)))
}

impl FakeDiscord {
    /// Allows the bot's role `bits` in `channel_id` by a role overwrite, as an admin granting
    /// an optional permission there would.
    pub fn allow_bot_role(&self, channel_id: u64, bits: u64) {
        let role = self.bot_role();
        self.set_overwrite(
            channel_id,
            Overwrite { id: role, kind: OverwriteKind::Role, allow: bits, deny: 0 },
        );
    }

    /// The thread started from message `id`, as Discord would return it.
    pub fn thread(&self, id: u64) -> Option<Value> {
        let state = self.shared.state.lock().expect("state");
        let thread = state.threads.get(&id)?;
        let guild_id = state.channels.get(&thread.parent_id).map_or(0, |c| c.guild_id);
        Some(thread.payload(guild_id))
    }
}
