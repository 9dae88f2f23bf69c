//! An in-process fake of Discord (REST and gateway) on 127.0.0.1, strict like the real one, for
//! driving the real serenity client in tests.
//!
//! Layout: [`rest`] answers and records requests along [`routes`] ([`rest_messages`], [`rest_interactions`],
//! [`commands`] answer them), [`gateway`] speaks the websocket protocol, [`interactions`]
//! dispatches clicks and commands (over the gateway, or by signed POST: [`http_delivery`]), [`rules`] and [`openapi`] refuse what Discord refuses,
//! [`payloads`] builds Discord's JSON objects and [`state`] keeps what was posted.

// A helper library for many tests: each test binary uses only part of it.

mod attachments;
pub mod commands;
pub mod errors;
pub mod faults;
pub mod gateway;
pub mod http_delivery;
pub mod interactions;
pub mod layout;
mod multipart;
pub mod openapi;
pub mod payloads;
pub mod ratelimit;
pub mod record;
mod replies;
pub mod rest;
mod rest_interactions;
mod rest_messages;
mod routes;
pub mod rules;
pub mod state;
mod threads;
mod tls;
mod uploads;
mod waits;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::any;
use axum::serve::ListenerExt;
use serde_json::Value;
use tokio::task::JoinHandle;

pub use faults::DiscordFault;
pub use gateway::GatewayCounts;
pub use interactions::{ADMINISTRATOR, CommandCall, GuildMember, InteractionHandle, OptionValue};
pub use ratelimit::RateLimits;
pub use record::{RecordedFile, RecordedRequest};
pub use state::{
    Channel, ChannelAccess, ChannelKind, FakeDiscordConfig, Overwrite, OverwriteKind, Role, permission,
};

use crate::support::wait::within;
use gateway::GatewayHub;
use ratelimit::Limiter;
use record::RequestLog;
use state::{State, next_id};

/// The only bot token the fake accepts (REST `Authorization: Bot …` and gateway IDENTIFY).
pub const BOT_TOKEN: &str = "fake-discord-bot-token.approval-bridge.0123456789";
/// The application's id.
pub const APPLICATION_ID: u64 = 900_000_000_000_000_001;
/// The bot user's id (distinct from the application's, so mixing them up shows).
pub const BOT_USER_ID: u64 = 900_000_000_000_000_002;
/// The home guild's id (the one the bridge serves); its @everyone role has the same id.
pub const GUILD_ID: u64 = 900_000_000_000_000_003;
/// A second guild the bot was invited to by someone else; its @everyone role has the same id.
pub const FOREIGN_GUILD_ID: u64 = 900_000_000_000_000_005;
/// The guilds' names, as `GET /users/@me/guilds` lists them.
pub const GUILD_NAMES: [(u64, &str); 2] =
    [(GUILD_ID, "Home studio"), (FOREIGN_GUILD_ID, "Someone else's server")];
/// The guild owner's user id (owner of the application too).
pub const OWNER_USER_ID: u64 = 900_000_000_000_000_004;
/// The bot user's name.
pub const BOT_USERNAME: &str = "approval-bridge";

/// What request handlers and the gateway share.
pub(crate) struct Shared {
    config: FakeDiscordConfig,
    addr: SocketAddr,
    state: Mutex<State>,
    log: RequestLog,
    gateway: GatewayHub,
    faults: faults::Faults,
    limiter: Limiter,
    delivery: http_delivery::Delivery,
}

impl Shared {
    fn gateway_url(&self) -> String {
        format!("ws://{}/gateway", self.addr)
    }

    fn bot_user(&self) -> Value {
        payloads::current_user(BOT_USER_ID, BOT_USERNAME)
    }

    /// The channel as an interaction carries it, with the invoking member's `permissions`
    /// there, and the bot's permissions there.
    fn channel_json(&self, id: u64, permissions: &str) -> (Value, u64) {
        let state = self.state.lock().expect("state");
        let channel = state.channels.get(&id).unwrap_or_else(|| panic!("no channel {id} in the fake"));
        (payloads::partial_channel(channel, permissions), state.bot_permissions(channel))
    }
}

/// Lets small writes go at once, as real servers do: with Nagle's algorithm on, a frame or an
/// answer written in two parts can wait for the client's delayed ACK (40 ms on Linux), a delay
/// that would be charged to the bridge.
fn no_delay(stream: &mut tokio::net::TcpStream) {
    let _ = stream.set_nodelay(true);
}

/// The fake's HTTP face: the gateway upgrade and every REST route.
fn router(shared: &Arc<Shared>) -> Router {
    Router::new().route("/gateway", any(gateway::upgrade)).fallback(rest::handle).with_state(shared.clone())
}

/// A running fake Discord. Dropping it stops the HTTP server.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    server: JoinHandle<()>,
    /// More listeners on the same fake (see [`FakeDiscord::serve_tls`]).
    extra_servers: Mutex<Vec<JoinHandle<()>>>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.shared.gateway.drop_all();
        self.server.abort();
        for server in self.extra_servers.lock().expect("servers").drain(..) {
            server.abort();
        }
    }
}

impl FakeDiscord {
    /// Starts a fake with Discord's timings on 127.0.0.1 and a free port.
    pub async fn start() -> Self {
        Self::start_with(FakeDiscordConfig::default()).await
    }

    /// Starts a fake with the given timings.
    pub async fn start_with(config: FakeDiscordConfig) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let mut state = State::default();
        // Servers set up for a private review channel: @everyone may do nothing, and inviting
        // the bot gave it a managed role holding exactly the README's invite (a test keeps it
        // equal to the bridge's list).
        let invite = approval_bridge::guild::permissions::required().bits().to_string();
        for guild_id in [GUILD_ID, FOREIGN_GUILD_ID] {
            let everyone = Role {
                id: guild_id,
                guild_id,
                name: "@everyone".into(),
                permissions: "0".into(),
                position: 0,
            };
            state.roles.insert(guild_id, everyone);
            let id = next_id();
            let bot =
                Role { id, guild_id, name: BOT_USERNAME.into(), permissions: invite.clone(), position: 1 };
            state.roles.insert(id, bot);
            state.bot_roles.insert(guild_id, id);
        }
        state.home_owner = OWNER_USER_ID;
        let gateway = GatewayHub::default();
        let (log, limiter, faults) = (RequestLog::default(), Limiter::default(), faults::Faults::default());
        let shared = Arc::new(Shared {
            config,
            addr,
            state: Mutex::new(state),
            log,
            gateway,
            limiter,
            faults,
            delivery: http_delivery::Delivery::default(),
        });
        let app = router(&shared);
        let server = tokio::spawn(async move {
            axum::serve(listener.tap_io(no_delay), app).await.expect("fake Discord server");
        });
        Self { shared, server, extra_servers: Mutex::default() }
    }

    /// The base URL for serenity's `HttpBuilder::proxy`, e.g. `http://127.0.0.1:PORT`.
    pub fn api_base(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// The websocket URL `GET /api/v10/gateway` hands out.
    pub fn gateway_url(&self) -> String {
        self.shared.gateway_url()
    }

    /// The bot token the fake accepts ([`BOT_TOKEN`]).
    pub fn bot_token(&self) -> &'static str {
        BOT_TOKEN
    }

    /// The application id ([`APPLICATION_ID`]).
    pub fn application_id(&self) -> u64 {
        APPLICATION_ID
    }

    /// The bot user's id ([`BOT_USER_ID`]).
    pub fn bot_user_id(&self) -> u64 {
        BOT_USER_ID
    }

    /// The home guild's id ([`GUILD_ID`]).
    pub fn guild_id(&self) -> u64 {
        GUILD_ID
    }

    /// The other guild's id ([`FOREIGN_GUILD_ID`]).
    pub fn foreign_guild_id(&self) -> u64 {
        FOREIGN_GUILD_ID
    }

    /// Adds a text channel the bot can post in; returns its id.
    pub fn add_text_channel(&self, name: &str) -> u64 {
        self.add_channel(name, ChannelAccess::Post)
    }

    /// Adds a text channel with the given access for the bot; returns its id.
    pub fn add_channel(&self, name: &str, access: ChannelAccess) -> u64 {
        self.add_channel_of_kind(name, ChannelKind::Text, access)
    }

    /// Adds a channel of any type with the given access for the bot; returns its id.
    pub fn add_channel_of_kind(&self, name: &str, kind: ChannelKind, access: ChannelAccess) -> u64 {
        self.add_channel_in(GUILD_ID, name, kind, access)
    }

    /// Adds a text channel the bot can post in to the other guild ([`FOREIGN_GUILD_ID`]).
    pub fn add_foreign_text_channel(&self, name: &str) -> u64 {
        self.add_channel_in(FOREIGN_GUILD_ID, name, ChannelKind::Text, ChannelAccess::Post)
    }

    fn add_channel_in(&self, guild_id: u64, name: &str, kind: ChannelKind, access: ChannelAccess) -> u64 {
        let mut state = self.shared.state.lock().expect("state");
        let id = next_id();
        let position = state.channels.values().filter(|c| c.guild_id == guild_id).count();
        let overwrites = access.overwrite().into_iter().collect();
        let channel = Channel { id, guild_id, name: name.to_owned(), kind, overwrites, position };
        state.channels.insert(id, channel);
        id
    }

    /// Sets the overwrite for `overwrite.id` in `channel_id` (replacing one for the same role or
    /// member), as a server admin editing the channel's permissions would.
    pub fn set_overwrite(&self, channel_id: u64, overwrite: Overwrite) {
        let mut state = self.shared.state.lock().expect("state");
        let channel =
            state.channels.get_mut(&channel_id).unwrap_or_else(|| panic!("no channel {channel_id}"));
        channel.overwrites.retain(|o| (o.id, o.kind) != (overwrite.id, overwrite.kind));
        channel.overwrites.push(overwrite);
    }

    /// Denies the bot's role `bits` in `channel_id` by a role overwrite.
    pub fn deny_bot_role(&self, channel_id: u64, bits: u64) {
        let role = self.bot_role();
        self.set_overwrite(
            channel_id,
            Overwrite { id: role, kind: OverwriteKind::Role, allow: 0, deny: bits },
        );
    }

    /// The bot's permissions in `channel_id`, as Discord computes them.
    pub fn bot_permissions_in(&self, channel_id: u64) -> u64 {
        let state = self.shared.state.lock().expect("state");
        let channel = state.channels.get(&channel_id).unwrap_or_else(|| panic!("no channel {channel_id}"));
        state.bot_permissions(channel)
    }

    /// Makes the bot the owner of the home guild (a server created by the bot's account).
    pub fn make_bot_the_owner(&self) {
        self.shared.state.lock().expect("state").home_owner = BOT_USER_ID;
    }

    /// The bot's own role's id.
    pub fn bot_role(&self) -> u64 {
        self.shared.state.lock().expect("state").bot_roles[&GUILD_ID]
    }

    /// Adds a role with a permissions bitfield (e.g. `"0"`); returns its id.
    pub fn add_role(&self, name: &str, permissions: &str) -> u64 {
        self.add_role_in(GUILD_ID, name, permissions)
    }

    /// Adds a role to the other guild ([`FOREIGN_GUILD_ID`]); returns its id.
    pub fn add_foreign_role(&self, name: &str, permissions: &str) -> u64 {
        self.add_role_in(FOREIGN_GUILD_ID, name, permissions)
    }

    fn add_role_in(&self, guild_id: u64, name: &str, permissions: &str) -> u64 {
        let mut state = self.shared.state.lock().expect("state");
        let id = next_id();
        let position = state.roles.values().filter(|r| r.guild_id == guild_id).count();
        let role =
            Role { id, guild_id, name: name.to_owned(), permissions: permissions.to_owned(), position };
        state.roles.insert(id, role);
        id
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.log.snapshot()
    }

    /// The requests from position `seq` of the log on (see [`RecordedRequest::seq`]), in order.
    pub fn requests_since(&self, seq: usize) -> Vec<RecordedRequest> {
        self.shared.log.since(seq)
    }

    /// Requests the fake refused (status 400 or more) by Discord's rules, in order; faults the
    /// test armed with [`Self::inject`] are not refusals of the bot's requests and are left out.
    pub fn rejections(&self) -> Vec<RecordedRequest> {
        self.requests().into_iter().filter(|r| r.is_rejected() && !r.injected).collect()
    }

    /// How many requests a [`DiscordFault::Hold`] has held so far.
    pub fn held(&self) -> usize {
        self.shared.faults.held.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Answers the next `times` requests `method` `route` (an OpenAPI path template such as
    /// `/channels/{channel_id}/messages`) with `fault` instead of handling them.
    pub fn inject(&self, method: &str, route: &str, fault: DiscordFault, times: usize) {
        self.shared.faults.arm(method, route, fault, times);
    }

    /// How many bots are connected to the gateway and identified right now.
    pub fn connected_bots(&self) -> usize {
        self.shared.gateway.ready_connections()
    }

    /// Waits until no bot is connected (e.g. after killing its process); `false` on timeout.
    pub async fn wait_for_disconnect(&self, timeout: Duration) -> bool {
        within(timeout, async || (self.connected_bots() == 0).then_some(())).await.is_some()
    }

    /// Panics, listing them, if any request was refused.
    pub fn assert_no_rejections(&self) {
        let refused: Vec<String> = self
            .rejections()
            .iter()
            .map(|r| format!("{} {}", r.summary(), r.response.clone().unwrap_or_default()))
            .collect();
        assert!(refused.is_empty(), "fake Discord refused requests:\n{}", refused.join("\n"));
    }

    /// Messages visible in a channel, oldest first.
    pub fn messages_in(&self, channel_id: u64) -> Vec<Value> {
        let state = self.shared.state.lock().expect("state");
        let mut found: Vec<(u64, Value)> = state
            .messages
            .iter()
            .filter(|(_, m)| m.channel_id == channel_id && !m.ephemeral)
            .map(|(id, m)| (*id, m.value.clone()))
            .collect();
        found.sort_by_key(|(id, _)| *id);
        found.into_iter().map(|(_, m)| m).collect()
    }

    /// One message of a channel, as `GET` would return it.
    pub fn message(&self, channel_id: u64, message_id: u64) -> Option<Value> {
        let state = self.shared.state.lock().expect("state");
        state.channel_message(channel_id, message_id).map(|m| m.value.clone())
    }

    /// Deletes a message as a person with Manage Messages would; the bot's next edit of it gets
    /// 404/10008. A MESSAGE_DELETE is dispatched when the bot asked for GUILD_MESSAGES.
    pub fn delete_message_by_person(&self, channel_id: u64, message_id: u64) {
        let removed = self.shared.state.lock().expect("state").messages.remove(&message_id);
        assert!(
            removed.is_some_and(|m| m.channel_id == channel_id),
            "no message {message_id} in {channel_id}"
        );
        const GUILD_MESSAGES: u64 = 1 << 9;
        if self.shared.gateway.counts().intents & GUILD_MESSAGES != 0 {
            let data = serde_json::json!({
                "id": message_id.to_string(), "channel_id": channel_id.to_string(), "guild_id": GUILD_ID.to_string(),
            });
            self.shared.gateway.dispatch("MESSAGE_DELETE", &data);
        }
    }

    /// Guild commands registered by the bot, as Discord stores them.
    pub fn guild_commands(&self) -> Vec<Value> {
        self.shared.state.lock().expect("state").guild_commands.clone()
    }

    /// Global commands registered by the bot, as Discord stores them.
    pub fn global_commands(&self) -> Vec<Value> {
        self.shared.state.lock().expect("state").global_commands.clone()
    }

    /// Stores a global command as an earlier version of the bot would have registered it
    /// (`request` as its `POST` body): it reaches every guild the bot is in, and DMs.
    pub fn add_stale_global_command(&self, request: &Value) {
        let stored = payloads::command(request, next_id(), APPLICATION_ID, None);
        self.shared.state.lock().expect("state").global_commands.push(stored);
    }

    /// Gateway counters: connections, identifies, resumes, latest intents.
    pub fn gateway_counts(&self) -> GatewayCounts {
        self.shared.gateway.counts()
    }

    /// Drops every gateway connection without a close frame, as a network failure would.
    pub fn drop_gateway_connections(&self) {
        self.shared.gateway.drop_all();
    }

    /// Waits until a client has identified and got READY; `false` on timeout.
    pub async fn wait_for_ready(&self, timeout: Duration) -> bool {
        self.wait_for_identifies(1, timeout).await
    }

    /// Waits until `n` IDENTIFYs in total were answered with READY and a connection is live.
    pub async fn wait_for_identifies(&self, n: usize, timeout: Duration) -> bool {
        self.shared.gateway.wait_until(|c| c.identifies >= n, timeout).await
    }
}
