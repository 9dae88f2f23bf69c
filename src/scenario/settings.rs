//! What the client needs to know: where Scenario is, the key pair, the project, and patience.

use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use super::budget::Budget;
use super::retry::RetryPolicy;

/// Scenario's production base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.cloud.scenario.com/v1";

/// Settings of a [`ScenarioClient`](super::ScenarioClient). `Debug` never shows the secret.
#[derive(Clone, Debug)]
pub struct ScenarioSettings {
    /// e.g. `https://api.cloud.scenario.com/v1`; paths are appended to it.
    pub base_url: Url,
    /// `SCENARIO_SDK_API_KEY`: the user name of Basic auth. Half of the credentials, so kept
    /// out of `Debug` like the secret.
    pub api_key: SecretString,
    /// `SCENARIO_SDK_API_SECRET`: the password of Basic auth.
    pub api_secret: SecretString,
    /// `SCENARIO_PROJECT_ID`, sent as `projectId` on every request when set.
    pub project_id: Option<String>,
    /// When to retry.
    pub retry: RetryPolicy,
    /// How long to wait for a TCP/TLS connection.
    pub connect_timeout: Duration,
    /// How long one attempt may take, body included.
    pub request_timeout: Duration,
    /// How long a workflow's name is cached by `workflow_name`.
    pub workflow_name_ttl: Duration,
    /// The budget every request waits its turn in; `None` sends each at once.
    pub budget: Option<Budget>,
}

impl ScenarioSettings {
    /// Settings with the SDK's defaults: no project, 2 retries, 10 s to connect, 60 s per
    /// request, workflow names cached 10 minutes, no budget.
    pub fn new(base_url: Url, api_key: SecretString, api_secret: SecretString) -> Self {
        Self {
            base_url,
            api_key,
            api_secret,
            project_id: None,
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            workflow_name_ttl: Duration::from_secs(600),
            budget: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_secret() {
        let settings = ScenarioSettings::new(
            Url::parse(DEFAULT_BASE_URL).unwrap(),
            SecretString::from("key-id"),
            SecretString::from("very-secret-value"),
        );
        let printed = format!("{settings:?}");
        assert!(!printed.contains("key-id"), "{printed}");
        assert!(!printed.contains("very-secret-value"), "{printed}");
    }
}
