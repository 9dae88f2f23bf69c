//! What can go wrong talking to Scenario, in terms a caller can act on.

use std::time::Duration;

use serde_json::Value;

/// The longest body excerpt kept in an error, in characters: enough to recognise the answer in a
/// log, short enough not to flood it.
pub const EXCERPT_CHARS: usize = 200;

/// An error from the Scenario API client.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// 401 or 403: the key pair is wrong or may not reach this project. Never retried.
    #[error("{}", credentials_hint(*.status))]
    BadCredentials {
        /// 401 or 403.
        status: u16,
        /// The API's own words, if any.
        message: Option<String>,
    },
    /// 404: the job, workflow, node or asset does not exist (or is not visible to this key).
    #[error("Scenario has no such {what}")]
    NotFound {
        /// What was looked for, e.g. `job job_123`.
        what: String,
        /// The API's own words, if any.
        message: Option<String>,
    },
    /// 429 on every attempt.
    #[error("Scenario is rate limiting the bridge (HTTP 429), still after {attempts} attempts")]
    RateLimited {
        /// Requests sent.
        attempts: u32,
    },
    /// 5xx on every attempt.
    #[error("Scenario had a server error (HTTP {status}), still after {attempts} attempts")]
    Server {
        /// The last status seen.
        status: u16,
        /// Requests sent.
        attempts: u32,
        /// The API's own words, if any.
        message: Option<String>,
    },
    /// Any other 4xx: Scenario understood and refused, e.g. a gate that is not waiting.
    #[error("Scenario refused the request (HTTP {status}): {message}")]
    Rejected {
        /// The status.
        status: u16,
        /// The API's `message`, else `error`, else `reason`, else the start of the body.
        message: String,
        /// The API's `details`, kept opaque.
        details: Option<Value>,
        /// Whether an earlier attempt of the same request went unanswered (timeout, dropped
        /// connection, 5xx): it may have taken effect, and this refusal may be about it.
        after_unanswered: bool,
    },
    /// A 2xx whose body is not what the API documents.
    #[error("Scenario answered {endpoint} with a body the bridge cannot read ({reason}): {excerpt}")]
    MalformedBody {
        /// Which call, e.g. `GET /jobs/{jobId}`.
        endpoint: &'static str,
        /// What was wrong.
        reason: String,
        /// The start of the body, at most [`EXCERPT_CHARS`] characters.
        excerpt: String,
    },
    /// No answer in time, on every attempt.
    #[error("Scenario did not answer within {timeout:?}, {attempts} attempts")]
    Timeout {
        /// The per-request timeout.
        timeout: Duration,
        /// Requests sent.
        attempts: u32,
    },
    /// The connection failed (refused, reset, closed) on every attempt.
    #[error("could not talk to Scenario after {attempts} attempts")]
    Transport {
        /// Requests sent.
        attempts: u32,
        /// The last underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The client could not be built from its settings.
    #[error("invalid Scenario settings: {0}")]
    Settings(String),
}

fn credentials_hint(status: u16) -> String {
    if status == 403 {
        "Scenario refused the API key for this request (HTTP 403): check SCENARIO_SDK_API_KEY, \
         SCENARIO_SDK_API_SECRET and that SCENARIO_PROJECT_ID is a project this key may use"
            .to_owned()
    } else {
        format!(
            "Scenario did not accept the API key (HTTP {status}): check SCENARIO_SDK_API_KEY \
             and SCENARIO_SDK_API_SECRET"
        )
    }
}

impl ScenarioError {
    /// Whether trying again later may succeed: load, outages and network trouble, not bad
    /// requests. A 409 that outlived the retries is about state, not load: re-read the job.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::RateLimited { .. }
            | Self::Server { .. }
            | Self::Timeout { .. }
            | Self::Transport { .. } => true,
            Self::Rejected { status, .. } => *status == 408,
            Self::BadCredentials { .. }
            | Self::NotFound { .. }
            | Self::MalformedBody { .. }
            | Self::Settings(_) => false,
        }
    }

    /// The HTTP status behind the error, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::BadCredentials { status, .. }
            | Self::Server { status, .. }
            | Self::Rejected { status, .. } => Some(*status),
            Self::NotFound { .. } => Some(404),
            Self::RateLimited { .. } => Some(429),
            _ => None,
        }
    }
}

/// The first [`EXCERPT_CHARS`] characters of a body, for logs and errors.
pub(crate) fn excerpt(body: &[u8]) -> String {
    shorten(&String::from_utf8_lossy(body))
}

/// `text` cut to [`EXCERPT_CHARS`] characters (never inside a character), with an ellipsis.
fn shorten(text: &str) -> String {
    if text.chars().nth(EXCERPT_CHARS).is_none() {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(EXCERPT_CHARS - 1).collect();
    out.push('…');
    out
}

/// The API's message in an error body: `message`, else `error`, else `reason` (as strings), with
/// `details` kept opaque. Falls back to the start of the raw body. The message is cut to
/// [`EXCERPT_CHARS`]: it reaches reviewers' replies and the audit, and Scenario's text is not
/// ours to trust with a length.
pub(crate) fn api_message(body: &[u8]) -> (Option<String>, Option<Value>) {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        let raw = excerpt(body);
        return ((!raw.trim().is_empty()).then_some(raw), None);
    };
    let message = ["message", "error", "reason"].iter().find_map(|key| match map.get(*key) {
        Some(Value::String(s)) if !s.is_empty() => Some(shorten(s)),
        Some(Value::Object(inner)) => inner.get("message").and_then(Value::as_str).map(shorten),
        _ => None,
    });
    (message, map.get("details").cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_403_names_the_project_setting_and_a_401_does_not() {
        let e401 = ScenarioError::BadCredentials { status: 401, message: None }.to_string();
        let e403 = ScenarioError::BadCredentials { status: 403, message: None }.to_string();
        assert!(e401.contains("SCENARIO_SDK_API_KEY") && e401.contains("SCENARIO_SDK_API_SECRET"));
        assert!(!e401.contains("SCENARIO_PROJECT_ID"));
        assert!(e403.contains("SCENARIO_PROJECT_ID"));
    }

    #[test]
    fn the_message_is_read_from_message_then_error_then_reason() {
        let (m, _) = api_message(br#"{"error":"E","reason":"R","message":"M"}"#);
        assert_eq!(m.as_deref(), Some("M"));
        let (m, _) = api_message(br#"{"reason":"R","error":"E"}"#);
        assert_eq!(m.as_deref(), Some("E"));
        let (m, d) = api_message(br#"{"reason":"R","details":{"a":1}}"#);
        assert_eq!(m.as_deref(), Some("R"));
        assert_eq!(d, Some(serde_json::json!({"a": 1})));
        let (m, _) = api_message(b"<html>bad gateway</html>");
        assert_eq!(m.as_deref(), Some("<html>bad gateway</html>"));
    }

    #[test]
    fn a_long_api_message_is_cut_without_splitting_a_character() {
        let body = serde_json::json!({ "message": "ü".repeat(10_000) }).to_string();
        let (m, _) = api_message(body.as_bytes());
        let m = m.expect("a message");
        assert_eq!(m.chars().count(), EXCERPT_CHARS);
        assert!(m.starts_with("üü") && m.ends_with('…'));
    }

    #[test]
    fn an_excerpt_is_at_most_two_hundred_characters() {
        let long = "é".repeat(500);
        let cut = excerpt(long.as_bytes());
        assert_eq!(cut.chars().count(), EXCERPT_CHARS);
        assert!(cut.ends_with('…'));
    }
}
