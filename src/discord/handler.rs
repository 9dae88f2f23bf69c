//! The serenity event handler: logs the bot's identity, registers the commands in the home
//! server, and hands interactions to [`dispatch`], which refuses what comes from anywhere else
//! and sends every other interaction to its handler (for the gateway and the HTTP endpoint alike).

use std::sync::Arc;

use serenity::all::{Command, Context, EventHandler, Interaction, Ready, async_trait};
use tokio::sync::watch;
use tracing::{error, info, warn};

use super::{
    commands, outsiders,
    reply::{Answerable, HandlerError},
    review,
};
use crate::{discord::bridge::Bridge, redact::redacted};

/// Receives gateway events.
pub struct Handler {
    bridge: Arc<Bridge>,
    connected: watch::Sender<bool>,
}

impl Handler {
    /// A handler for `bridge`, reporting gateway connection on `connected`.
    pub fn new(bridge: Arc<Bridge>, connected: watch::Sender<bool>) -> Self {
        Self { bridge, connected }
    }
}

/// Registers the commands in the home server only, removes global commands an earlier version
/// registered (they would reach every server the bot is in, and DMs), and names the other
/// servers the bot is in, so an admin notices an invitation they did not expect.
pub async fn register_commands(bridge: &Bridge) {
    let (home, http) = (bridge.home.id(), &*bridge.discord);
    match home.set_commands(http, commands::definitions()).await {
        Ok(_) => info!(guild_id = home.get(), "slash commands registered in the home server"),
        Err(err) => {
            error!(guild_id = home.get(), error = %redacted(&err), "slash commands could not be registered")
        }
    }
    match Command::get_global_commands(http).await {
        Ok(stale) if stale.is_empty() => {}
        Ok(stale) => match Command::set_global_commands(http, Vec::new()).await {
            Ok(_) => info!(removed = stale.len(), "global slash commands of an earlier version removed"),
            Err(err) => error!(error = %redacted(&err), "stale global slash commands could not be removed"),
        },
        Err(err) => warn!(error = %redacted(&err), "global slash commands could not be listed"),
    }
    match bridge.home.other_servers(http).await {
        Ok(others) => {
            for other in others {
                warn!(guild_id = other.id.get(), name = %other.name, "the bot is also in a server it does not serve; everything from there is refused");
            }
        }
        Err(err) => warn!(error = %redacted(&err), "the servers the bot is in could not be listed"),
    }
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _: Context, ready: Ready) {
        info!(bot_user = %ready.user.name, bot_id = ready.user.id.get(), "connected to Discord");
        // READY comes again after every reconnect that could not resume; register once.
        if !self.connected.send_replace(true) {
            register_commands(&self.bridge).await;
        }
    }

    async fn interaction_create(&self, _: Context, interaction: Interaction) {
        dispatch(&self.bridge, &interaction).await;
    }
}

/// Hands an interaction (from the gateway, or from Discord's POST to the interactions endpoint)
/// to its handler, and ends it: a refusal is counted by kind and answered with its sentence, a
/// failure is logged and answered with [`super::reply::failure_text`].
pub async fn dispatch(bridge: &Bridge, interaction: &Interaction) {
    // Only the home server is served: a command, click, modal or keystroke from any other
    // server, a DM or a user-installed context is answered with one sentence and counted.
    if !outsiders::is_from_home(bridge, interaction) {
        if let Err(err) = outsiders::refuse(bridge, interaction).await {
            warn!(interaction_id = interaction.id().get(), error = %redacted(&*err), "refusal of an outside interaction failed");
        }
        return;
    }
    if let Interaction::Autocomplete(typing) = interaction {
        if let Err(err) = commands::on_autocomplete(bridge, typing).await {
            warn!(interaction_id = interaction.id().get(), error = %redacted(&*err), "autocomplete failed");
        }
        return;
    }
    let Some(answer) = Answerable::of(&bridge.discord, interaction) else { return };
    let handled = match interaction {
        Interaction::Component(click) => review::on_click(bridge, click, &answer).await,
        Interaction::Modal(modal) => review::on_modal(bridge, modal, &answer).await,
        Interaction::Command(command) => commands::run(bridge, command, &answer).await,
        _ => Ok(()),
    };
    match handled {
        Ok(()) => {}
        Err(HandlerError::Refused(refusal)) => {
            bridge.metrics.refused(refusal.code());
            if let Err(err) = answer.reply(refusal.to_string()).await {
                warn!(interaction_id = interaction.id().get(), refusal = refusal.code(), error = %redacted(&err), "a refusal could not be answered");
            }
        }
        Err(HandlerError::Failed(err)) => {
            error!(
                interaction_id = interaction.id().get(),
                error = redacted(&format!("{err:#}")),
                "interaction failed"
            );
            answer.failed(&err).await;
        }
    }
}
