//! `approval-bridge check`: the settings, the database and each outside service, tried once.

use secrecy::ExposeSecret;
use serenity::{all::ChannelId, http::Http};

use crate::{
    app::scenario_settings,
    config::Settings,
    discord,
    guild::{
        self,
        permissions::{ChannelLookup, survey},
    },
    redact::redacted,
    scenario::ScenarioClient,
    store::Store,
};

/// The result of one check: its name and `Ok(detail)` or `Err(reason)`.
pub type CheckLine = (&'static str, Result<String, String>);

/// Tries the database, Scenario (list one job), Discord (the bot's own user) and the bot's
/// permissions in every channel cards go to.
pub async fn run(settings: &Settings) -> Vec<CheckLine> {
    let (database, routed) = match Store::connect(&settings.database_url).await {
        Ok(store) => {
            let routed = store.watches().await.map(|w| w.into_iter().map(|w| w.channel_id).collect());
            store.close().await;
            (Ok(format!("opened {}", crate::store::shown_url(&settings.database_url))), routed.ok())
        }
        Err(err) => (Err(format!("{err}")), None),
    };
    let scenario = match ScenarioClient::new(scenario_settings(&settings.scenario)) {
        Ok(client) => {
            client.check_connection().await.map(|()| "listed a job".to_owned()).map_err(|e| e.to_string())
        }
        Err(err) => Err(err.to_string()),
    };
    let mut lines = vec![("database", database), ("Scenario", scenario)];
    let http = discord::client::http(&settings.discord).map_err(|e| format!("{e:#}"));
    let user = match &http {
        Ok(http) => discord_user(http, settings).await,
        Err(err) => Err(err.clone()),
    };
    let user_ok = user.is_ok();
    lines.push(("Discord", user));
    if let (Ok(http), true) = (&http, user_ok) {
        lines.push(("permissions", permissions(http, settings, routed.unwrap_or_default()).await));
    }
    lines
}

/// The bot's permissions in the default channel and every routed one: `Err` naming what is
/// missing where, and what to grant.
async fn permissions(http: &Http, settings: &Settings, routed: Vec<ChannelId>) -> Result<String, String> {
    let home = guild::home::resolve(http, &settings.discord).await.map_err(|e| e.to_string())?;
    let default = settings.discord.approval_channel_id.map(|c| ChannelId::new(c.get()));
    let channels: Vec<ChannelId> = default.into_iter().chain(routed).collect();
    if channels.is_empty() {
        return Ok("no channel to check: set APPROVAL_CHANNEL_ID or route a workflow".to_owned());
    }
    let survey = survey(http, home.id(), channels)
        .await
        .map_err(|e| format!("the bot's permissions could not be read: {}", redacted(&e)))?;
    let (mut ok, mut missing, mut optional) = (Vec::new(), Vec::new(), Vec::new());
    for (channel, found) in &survey.channels {
        match found {
            Ok(lacking) => {
                let place = lacking.label();
                match lacking.required_line(&place, &survey.role) {
                    Some(line) => missing.push(line),
                    None => ok.push(place.clone()),
                }
                optional.extend(lacking.optional_line(&place, &survey.role));
            }
            Err(ChannelLookup::Elsewhere) => {
                missing.push(format!("channel {channel} is not a channel of the home server {}", home.id()));
            }
            Err(ChannelLookup::Discord(err)) => {
                missing.push(format!("channel {channel} could not be read: {}", redacted(err)));
            }
        }
    }
    if !missing.is_empty() {
        return Err(missing.join("\n  "));
    }
    let mut text = format!("cards can be posted in {}", ok.join(", "));
    for line in optional {
        text.push_str(&format!("\n  note: {line}"));
    }
    Ok(text)
}

/// What is set but probably wrong: printed by `check`, without failing it.
pub fn warnings(settings: &Settings) -> Vec<String> {
    let mut warnings = Vec::new();
    if settings.scenario.project_id.is_none() {
        // The official SDK marks `projectId` required on the decision calls; keys that reach more
        // than one project may have their decisions refused without it.
        warnings.push(
            "SCENARIO_PROJECT_ID is unset: Scenario may refuse decisions without a project. \
             Set it to the project id shown in the Scenario web app (Settings → Project)."
                .to_owned(),
        );
    }
    warnings
}

async fn discord_user(http: &Http, settings: &Settings) -> Result<String, String> {
    match http.get_current_user().await {
        Ok(user) => Ok(format!("logged in as {} ({})", user.name, user.id)),
        Err(err) if guild::api_error::discord_error_code(&err) == Some(0) => {
            Err("Discord refused the token: check DISCORD_TOKEN (Developer Portal → Bot → Reset Token)"
                .into())
        }
        Err(err) => Err(redact(err.to_string(), settings.discord.token.expose_secret())),
    }
}

/// `text` with every occurrence of `secret` hidden.
fn redact(text: String, secret: &str) -> String {
    if secret.is_empty() { text } else { text.replace(secret, "[redacted]") }
}
