//! Dispatching INTERACTION_CREATE as a guild member: button clicks, modal submits, slash
//! commands and autocomplete. Each returns an [`InteractionHandle`] to wait on the bot's answer.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::state::{Interaction, next_id, permission};
use super::{FakeDiscord, payloads};

/// Everyone's permissions in the fake guild: view channels, send messages, read history, …
pub const MEMBER_PERMISSIONS: &str = "1024";
/// The Administrator permission bit, as a bitfield string.
pub const ADMINISTRATOR: &str = "8";

/// A person in the fake guild, who clicks and types.
#[derive(Debug, Clone)]
pub struct GuildMember {
    /// The user's snowflake.
    pub user_id: u64,
    /// The user name.
    pub username: String,
    /// Role ids the member holds.
    pub roles: Vec<u64>,
    /// The member's computed permissions in the channel, a bitfield as a decimal string.
    pub permissions: String,
    /// The guild the interaction comes from: [`super::GUILD_ID`] by default; another guild for
    /// a forged or foreign interaction; `None` for a DM.
    pub guild_id: Option<u64>,
}

impl GuildMember {
    /// A member with a fresh id, no roles and ordinary permissions.
    pub fn new(username: &str) -> Self {
        let permissions = MEMBER_PERMISSIONS.to_owned();
        Self {
            user_id: next_id(),
            username: username.to_owned(),
            roles: vec![],
            permissions,
            guild_id: Some(super::GUILD_ID),
        }
    }

    /// The same person acting from guild `guild_id` (an admin of another server, or a forged
    /// interaction naming it).
    pub fn in_guild(mut self, guild_id: u64) -> Self {
        self.guild_id = Some(guild_id);
        self
    }

    /// The same person writing to the bot in a DM: no guild, no member.
    pub fn in_dm(mut self) -> Self {
        self.guild_id = None;
        self
    }

    /// The same member holding `roles`.
    pub fn with_roles(mut self, roles: &[u64]) -> Self {
        self.roles = roles.to_vec();
        self
    }

    /// The same member with `permissions` (a bitfield string such as [`ADMINISTRATOR`]).
    pub fn with_permissions(mut self, permissions: &str) -> Self {
        self.permissions = permissions.to_owned();
        self
    }
}

impl FakeDiscord {
    /// Changes a member of the home guild (say, a role taken away), as Discord answers about them
    /// from now on; their next interaction carries what it is given.
    pub fn update_member(&self, member: &GuildMember) {
        self.shared.state.lock().expect("state").members.insert(member.user_id, member.clone());
    }
}

/// The id and token of a dispatched interaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionHandle {
    /// The interaction's snowflake.
    pub id: u64,
    /// Its token, for the callback, follow-ups and edits.
    pub token: String,
    /// The channel it happened in.
    pub channel_id: u64,
}

impl InteractionHandle {
    /// The path of its callback, `/interactions/{id}/{token}/callback`.
    pub fn callback_path(&self) -> String {
        format!("/interactions/{}/{}/callback", self.id, self.token)
    }

    /// The path prefix of its webhook, `/webhooks/{app}/{token}`.
    pub fn webhook_path(&self) -> String {
        format!("/webhooks/{}/{}", super::APPLICATION_ID, self.token)
    }
}

/// An option value of a slash command.
#[derive(Debug, Clone)]
pub enum OptionValue {
    /// Type 3.
    String(String),
    /// Type 4.
    Integer(i64),
    /// Type 5.
    #[allow(dead_code)] // Discord's boolean option, for commands that take a flag.
    Boolean(bool),
    /// Type 6: a member of the guild (resolved with `users` and `members`).
    User(GuildMember),
    /// Type 7: a channel added with `add_channel` (resolved with `channels`).
    Channel(u64),
    /// Type 8: a role added with `add_role` (resolved with `roles`).
    Role(u64),
}

/// A slash command as a person types it: `/name group? subcommand? options…`.
#[derive(Debug, Clone, Default)]
pub struct CommandCall {
    pub(super) name: String,
    pub(super) group: Option<String>,
    pub(super) subcommand: Option<String>,
    pub(super) options: Vec<(String, OptionValue)>,
    pub(super) focused: Option<(String, String)>,
}

impl CommandCall {
    /// `/name`.
    pub fn new(name: &str) -> Self {
        Self { name: name.to_owned(), ..Self::default() }
    }
    /// Adds a subcommand group (its subcommand follows with [`Self::sub`]).
    pub fn group(mut self, group: &str) -> Self {
        self.group = Some(group.to_owned());
        self
    }
    /// Adds a subcommand.
    pub fn sub(mut self, subcommand: &str) -> Self {
        self.subcommand = Some(subcommand.to_owned());
        self
    }
    /// Adds an option with a value.
    pub fn opt(mut self, name: &str, value: OptionValue) -> Self {
        self.options.push((name.to_owned(), value));
        self
    }
    /// Adds the option being typed, for autocomplete: `partial` is what is typed so far.
    pub fn focus(mut self, name: &str, partial: &str) -> Self {
        self.focused = Some((name.to_owned(), partial.to_owned()));
        self
    }
}

impl FakeDiscord {
    /// Dispatches a click on the button `custom_id` of a message the bot posted in `channel_id`.
    ///
    /// # Panics
    /// If the message or an enabled button with that `custom_id` is not there: no person could
    /// click it.
    pub async fn click_button(
        &self,
        member: &GuildMember,
        channel_id: u64,
        message_id: u64,
        custom_id: &str,
    ) -> InteractionHandle {
        let message = self.message(channel_id, message_id).unwrap_or_else(|| {
            panic!("message {message_id} is not in channel {channel_id}: nothing to click")
        });
        let clicked = self.try_click_button(member, channel_id, message_id, custom_id).await;
        clicked
            .unwrap_or_else(|| panic!("no enabled button {custom_id:?} on message {message_id}: {message}"))
    }

    /// Like [`Self::click_button`], but `None` (and nothing dispatched) when the message or the
    /// enabled button is no longer there, as when a person's screen catches up with an edit
    /// before they click. For scripts that click while the bot edits cards.
    pub async fn try_click_button(
        &self,
        member: &GuildMember,
        channel_id: u64,
        message_id: u64,
        custom_id: &str,
    ) -> Option<InteractionHandle> {
        let message = self.message(channel_id, message_id)?;
        let clickable = super::layout::flatten(&message["components"])
            .iter()
            .any(|c| c["type"] == 2 && c["custom_id"] == custom_id && c["disabled"] != true);
        if !clickable {
            return None;
        }
        let data = payloads::button_data(custom_id);
        let extra = json!({ "message": message });
        Some(self.dispatch_interaction(3, member, channel_id, data, extra, Some(message_id)).await)
    }

    /// Dispatches a click on the button `custom_id` of the ephemeral original response to
    /// `answered`, by the person who caused it: the only one who sees that message.
    ///
    /// # Panics
    /// If `answered` has no original response, or no enabled button `custom_id` on it.
    pub async fn click_ephemeral_button(
        &self,
        answered: &InteractionHandle,
        custom_id: &str,
    ) -> InteractionHandle {
        let (member, message_id, message) = {
            let state = self.shared.state.lock().expect("state");
            let i = &state.interactions[&answered.id];
            let id = i.original.unwrap_or_else(|| panic!("interaction {} has no answer to click on", i.id));
            (i.member.clone(), id, state.messages[&id].value.clone())
        };
        assert!(
            message["flags"].as_u64().unwrap_or(0) & (1 << 6) != 0,
            "not an ephemeral answer (click it in its channel): {message}"
        );
        let clickable = message["components"].as_array().into_iter().flatten().any(|row| {
            row["components"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == 2 && c["custom_id"] == custom_id && c["disabled"] != true)
        });
        assert!(clickable, "no enabled button {custom_id:?} on the answer: {message}");
        let data = payloads::button_data(custom_id);
        let extra = json!({ "message": message });
        self.dispatch_interaction(3, &member, answered.channel_id, data, extra, Some(message_id)).await
    }

    /// Dispatches a choice of `values` in the string select `custom_id` of a message the bot
    /// posted in `channel_id`, as a person's Discord client sends it.
    ///
    /// # Panics
    /// If the message has no such menu, a value is none of its options, or the number of values
    /// is outside the menu's `min_values`..=`max_values`: no Discord client would send that.
    pub async fn choose(
        &self,
        member: &GuildMember,
        channel_id: u64,
        message_id: u64,
        custom_id: &str,
        values: &[&str],
    ) -> InteractionHandle {
        let message = self.message(channel_id, message_id).unwrap_or_else(|| {
            panic!("message {message_id} is not in channel {channel_id}: nothing to choose in")
        });
        let menu = super::layout::flatten(&message["components"])
            .into_iter()
            .find(|c| c["type"] == 3 && c["custom_id"] == custom_id && c["disabled"] != true)
            .unwrap_or_else(|| panic!("no enabled menu {custom_id:?} on message {message_id}: {message}"))
            .clone();
        let options: Vec<&str> =
            menu["options"].as_array().into_iter().flatten().filter_map(|o| o["value"].as_str()).collect();
        for value in values {
            assert!(options.contains(value), "{value:?} is not an option of {custom_id:?}: {menu}");
        }
        let (min, max) = (menu["min_values"].as_u64().unwrap_or(1), menu["max_values"].as_u64().unwrap_or(1));
        let n = values.len() as u64;
        assert!((min..=max).contains(&n), "{n} values, and {custom_id:?} takes {min} to {max}: {menu}");
        let data = payloads::select_data(custom_id, values);
        let extra = json!({ "message": message });
        self.dispatch_interaction(3, member, channel_id, data, extra, Some(message_id)).await
    }

    /// Dispatches the submission of the modal the bot opened in answer to `opened_by`, with
    /// `values` as (text input custom_id, typed value).
    ///
    /// # Panics
    /// If the bot did not answer `opened_by` with a modal, or a value names no text input of it.
    pub async fn submit_modal(
        &self,
        opened_by: &InteractionHandle,
        values: &[(&str, &str)],
    ) -> InteractionHandle {
        let member = self.shared.state.lock().expect("state").interactions[&opened_by.id].member.clone();
        self.submit_modal_as(&member, opened_by, values).await
    }

    /// Like [`Self::submit_modal`], but the submission claims to come from `member` (e.g. a
    /// forged one naming another guild).
    pub async fn submit_modal_as(
        &self,
        member: &GuildMember,
        opened_by: &InteractionHandle,
        values: &[(&str, &str)],
    ) -> InteractionHandle {
        let (modal, source) = {
            let state = self.shared.state.lock().expect("state");
            let i = &state.interactions[&opened_by.id];
            let modal = i.modal.clone().unwrap_or_else(|| panic!("interaction {} opened no modal", i.id));
            (modal, i.source_message)
        };
        let inputs: Vec<String> = modal["components"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|row| row["components"][0]["custom_id"].as_str().map(str::to_owned))
            .collect();
        for (id, _) in values {
            assert!(inputs.iter().any(|i| i == id), "the modal has no text input {id:?}: {modal}");
        }
        let data = payloads::modal_submit_data(modal["custom_id"].as_str().unwrap_or_default(), values);
        let mut extra = json!({});
        if let Some(message) = source.and_then(|m| self.message(opened_by.channel_id, m)) {
            extra["message"] = message;
        }
        self.dispatch_interaction(5, member, opened_by.channel_id, data, extra, source).await
    }

    /// Dispatches a slash command. The command must have been registered by the bot.
    pub async fn run_command(
        &self,
        member: &GuildMember,
        channel_id: u64,
        call: CommandCall,
    ) -> InteractionHandle {
        let data = self.command_data(&call);
        self.dispatch_interaction(2, member, channel_id, data, json!({}), None).await
    }

    /// Dispatches an autocomplete request: `call` must have a [`CommandCall::focus`] option.
    pub async fn autocomplete(
        &self,
        member: &GuildMember,
        channel_id: u64,
        call: CommandCall,
    ) -> InteractionHandle {
        assert!(call.focused.is_some(), "autocomplete needs a focused option");
        let data = self.command_data(&call);
        self.dispatch_interaction(4, member, channel_id, data, json!({}), None).await
    }

    async fn dispatch_interaction(
        &self,
        kind: u8,
        member: &GuildMember,
        channel_id: u64,
        data: Value,
        extra: Value,
        source_message: Option<u64>,
    ) -> InteractionHandle {
        let by_post = self.shared.delivery.is_on();
        if !by_post {
            let ready = self.wait_for_ready(Duration::from_secs(10)).await;
            assert!(ready, "no bot is connected to the fake gateway: nothing to dispatch to");
        }
        let id = next_id();
        let token = format!("fake-interaction-token-{id}-{}", fastrand::u64(..));
        let (channel, app_permissions) = match member.guild_id {
            Some(_) => self.shared.channel_json(channel_id, &member.permissions),
            // In a DM the bot may view and send (Discord's DM permissions).
            None => (
                payloads::dm_channel(channel_id, member),
                permission::VIEW_CHANNEL | permission::SEND_MESSAGES,
            ),
        };
        let mut payload = payloads::interaction(kind, id, &token, member, &channel, app_permissions, data);
        payloads::merge(&mut payload, extra);
        let record = Interaction {
            id,
            token: token.clone(),
            kind,
            channel_id,
            dispatched_at: Instant::now(),
            member: member.clone(),
            acked_with: None,
            source_message,
            original: None,
            modal: None,
        };
        let mut state = self.shared.state.lock().expect("state");
        state.interactions.insert(id, record);
        if member.guild_id == Some(super::GUILD_ID) {
            state.members.insert(member.user_id, member.clone());
        }
        drop(state);
        if by_post {
            super::http_delivery::deliver(&self.shared, id, token.clone(), &payload);
        } else {
            self.shared.gateway.dispatch("INTERACTION_CREATE", &payload);
        }
        InteractionHandle { id, token, channel_id }
    }
}
