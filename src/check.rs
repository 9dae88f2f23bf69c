//! `approval-bridge check`: the settings, the database and each outside service, tried once.

use secrecy::ExposeSecret;
use serenity::http::Http;

use crate::{app::scenario_settings, config::Settings, discord, scenario::ScenarioClient, store::Store};

/// The result of one check: its name and `Ok(detail)` or `Err(reason)`.
pub type CheckLine = (&'static str, Result<String, String>);

/// Tries the database, Scenario (list one job) and Discord (the bot's own user).
pub async fn run(settings: &Settings) -> Vec<CheckLine> {
    let database = match Store::connect(&settings.database_url).await {
        Ok(store) => {
            store.close().await;
            Ok(format!("opened {}", crate::store::shown_url(&settings.database_url)))
        }
        Err(err) => Err(format!("{err}")),
    };
    let scenario = match ScenarioClient::new(scenario_settings(&settings.scenario)) {
        Ok(client) => {
            client.check_connection().await.map(|()| "listed a job".to_owned()).map_err(|e| e.to_string())
        }
        Err(err) => Err(err.to_string()),
    };
    vec![("database", database), ("Scenario", scenario), ("Discord", discord_user(settings).await)]
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

async fn discord_user(settings: &Settings) -> Result<String, String> {
    let http: Http = discord::client::http(&settings.discord).map_err(|e| format!("{e:#}"))?;
    match http.get_current_user().await {
        Ok(user) => Ok(format!("logged in as {} ({})", user.name, user.id)),
        Err(err) if discord::publish::discord_error_code(&err) == Some(0) => {
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
