//! Building serenity's HTTP client and gateway client from the settings.

use std::{sync::Arc, time::Duration};

use secrecy::ExposeSecret;
use serenity::{
    Client,
    all::{ClientBuilder, GatewayIntents},
    http::{Http, HttpBuilder},
};
use tokio::sync::watch;

use super::handler::Handler;
use crate::{config::DiscordSettings, discord::bridge::Bridge};

/// The gateway intents the bridge needs: none. Interactions reach every bot without an intent,
/// and the bridge reads no messages; a deleted card shows up as "Unknown Message" on its next edit.
pub const INTENTS: GatewayIntents = GatewayIntents::empty();

/// How long connecting to Discord may take before the call is abandoned.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// serenity's REST client, every call bounded in time (serenity sets no timeout of its own, and
/// one half-open connection would otherwise hold up the card sync, start-up and shutdown for
/// good). With `DISCORD_API_BASE` set, every call goes there instead of `https://discord.com`
/// (serenity swaps the prefix and keeps `/api/v10`) with serenity's ratelimiter off, as it would
/// not follow; loopback test servers are reached without a proxy.
pub fn http(settings: &DiscordSettings) -> anyhow::Result<Http> {
    let token = settings.token.expose_secret();
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .connect_timeout(CONNECT_TIMEOUT.min(settings.timeout))
        .timeout(settings.timeout);
    let Some(base) = &settings.api_base else {
        return Ok(HttpBuilder::new(token).client(client.build()?).build());
    };
    let client = client.no_proxy().build()?;
    let builder = HttpBuilder::new(token)
        .proxy(base.as_str().trim_end_matches('/'))
        .ratelimiter_disabled(true)
        .client(client);
    Ok(builder.build())
}

/// serenity's REST client on a reqwest client of the caller's making, calling
/// `https://discord.com` with serenity's ratelimiter on, as in production. `DISCORD_API_BASE` is
/// not used. A benchmark hands it a client that resolves `discord.com` to a local fake and trusts
/// the fake's certificate, so that serenity's ratelimiter stays in the path.
pub fn http_with(client: reqwest::Client, settings: &DiscordSettings) -> Http {
    HttpBuilder::new(settings.token.expose_secret()).client(client).build()
}

/// The gateway client, whose handler hands interactions to `bridge`. The client's own REST
/// client (built like [`http`]) serves only the gateway's needs; the handlers answer and call
/// through the bridge's.
pub async fn gateway(
    settings: &DiscordSettings,
    bridge: Arc<Bridge>,
    connected: watch::Sender<bool>,
) -> anyhow::Result<Client> {
    let handler = Handler::new(bridge, connected);
    Ok(ClientBuilder::new_with_http(http(settings)?, INTENTS).event_handler(handler).await?)
}
