//! Building serenity's HTTP client and gateway client from the settings.

use std::sync::{Arc, OnceLock};

use secrecy::ExposeSecret;
use serenity::{
    Client,
    all::{ClientBuilder, GatewayIntents},
    http::{Http, HttpBuilder},
};
use tokio::sync::watch;

use super::handler::Handler;
use crate::{bridge::Bridge, config::DiscordSettings};

/// The gateway intents the bridge needs: none. Interactions reach every bot without an intent,
/// and the bridge reads no messages; a deleted card shows up as "Unknown Message" on its next edit.
pub const INTENTS: GatewayIntents = GatewayIntents::empty();

/// serenity's REST client. With `DISCORD_API_BASE` set, every call goes there instead of
/// `https://discord.com` (serenity swaps the prefix and keeps `/api/v10`) with serenity's
/// ratelimiter off, as it would not follow; loopback test servers are reached without a proxy.
pub fn http(settings: &DiscordSettings) -> Http {
    let token = settings.token.expose_secret();
    let Some(base) = &settings.api_base else {
        return HttpBuilder::new(token).build();
    };
    let mut builder =
        HttpBuilder::new(token).proxy(base.as_str().trim_end_matches('/')).ratelimiter_disabled(true);
    if let Ok(client) = reqwest::Client::builder().no_proxy().build() {
        builder = builder.client(client);
    }
    builder.build()
}

/// serenity's REST client on a reqwest client of the caller's making, calling
/// `https://discord.com` with serenity's ratelimiter on, as in production. `DISCORD_API_BASE` is
/// not used. A benchmark hands it a client that resolves `discord.com` to a local fake and trusts
/// the fake's certificate, so that serenity's ratelimiter stays in the path.
pub fn http_with(client: reqwest::Client, settings: &DiscordSettings) -> Http {
    HttpBuilder::new(settings.token.expose_secret()).client(client).build()
}

/// The gateway client with its handler; the handler finds the bridge in `bridge` once set.
pub async fn gateway(
    http: Http,
    bridge: Arc<OnceLock<Arc<Bridge>>>,
    connected: watch::Sender<bool>,
) -> serenity::Result<Client> {
    let handler = Handler::new(bridge, connected);
    ClientBuilder::new_with_http(http, INTENTS).event_handler(handler).await
}
