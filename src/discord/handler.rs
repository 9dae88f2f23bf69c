//! The serenity event handler: logs the bot's identity, registers the commands, and sends every
//! interaction to its handler.

use std::sync::{Arc, OnceLock};

use serenity::all::{Command, Context, EventHandler, GuildId, Interaction, Ready, async_trait};
use tokio::sync::watch;
use tracing::{error, info, warn};

use super::{commands, reply::Answerable, review};
use crate::bridge::Bridge;

/// Receives gateway events.
pub struct Handler {
    bridge: Arc<OnceLock<Arc<Bridge>>>,
    guild_id: Option<u64>,
    connected: watch::Sender<bool>,
}

impl Handler {
    /// A handler for `bridge` (set once the client exists), registering commands in `guild_id`
    /// (globally when `None`), reporting gateway connection on `connected`.
    pub fn new(
        bridge: Arc<OnceLock<Arc<Bridge>>>,
        guild_id: Option<u64>,
        connected: watch::Sender<bool>,
    ) -> Self {
        Self { bridge, guild_id, connected }
    }

    async fn register_commands(&self, ctx: &Context) {
        let definitions = commands::definitions();
        let registered = match self.guild_id {
            Some(guild) => GuildId::new(guild).set_commands(&ctx.http, definitions).await,
            None => Command::set_global_commands(&ctx.http, definitions).await,
        };
        match (registered, self.guild_id) {
            (Ok(_), Some(guild)) => info!(guild_id = guild, "slash commands registered in the server"),
            (Ok(_), None) => {
                info!("slash commands registered globally (they may take up to an hour to appear)")
            }
            (Err(err), _) => error!(error = %err, "slash commands could not be registered"),
        }
    }
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        info!(bot_user = %ready.user.name, bot_id = ready.user.id.get(), "connected to Discord");
        // READY comes again after every reconnect that could not resume; register once.
        if !self.connected.send_replace(true) {
            self.register_commands(&ctx).await;
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let Some(bridge) = self.bridge.get() else {
            warn!("interaction before the bridge was ready; ignored");
            return;
        };
        let handled = match &interaction {
            Interaction::Component(click) => review::on_click(bridge, &ctx, click).await,
            Interaction::Modal(modal) => review::on_modal(bridge, &ctx, modal).await,
            Interaction::Command(command) => commands::run(bridge, &ctx, command).await,
            Interaction::Autocomplete(typing) => commands::on_autocomplete(bridge, &ctx, typing).await,
            _ => Ok(()),
        };
        if let Err(err) = handled {
            error!(interaction_id = interaction.id().get(), error = format!("{err:#}"), "interaction failed");
            if let Some(answer) = Answerable::of(&interaction) {
                answer.failed(&ctx, &err).await;
            }
        }
    }
}
