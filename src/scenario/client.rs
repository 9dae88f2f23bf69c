//! The HTTP core of the Scenario client: building URLs, Basic auth, `projectId`, the request
//! budget every attempt waits its turn in, and the retry loop that turns an answer (or its
//! absence) into JSON or a [`ScenarioError`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::{debug, warn};
use url::Url;

use super::budget::{Budget, Class};
use super::error::{ScenarioError, api_message, excerpt};
use super::retry::{RetryPolicy, is_retryable_status};
use super::settings::ScenarioSettings;
use crate::approvals::ids::WorkflowId;
use crate::metrics::Metrics;

/// A client of the Scenario API. Cheap to clone: clones share one connection pool, one
/// workflow-name cache and one request budget. Each handle spends the budget as one [`Class`]
/// ([`Self::with_class`]); decisions always go as [`Class::Decision`].
#[derive(Clone)]
pub struct ScenarioClient {
    inner: Arc<Inner>,
    class: Class,
}

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    api_key: SecretString,
    api_secret: SecretString,
    project_id: Option<String>,
    retry: RetryPolicy,
    request_timeout: Duration,
    name_ttl: Duration,
    names: Mutex<HashMap<WorkflowId, (String, Instant)>>,
    metrics: Metrics,
    /// `None` when the budget is off: every request goes at once and waits out its own 429s.
    budget: Option<Budget>,
}

impl std::fmt::Debug for ScenarioClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScenarioClient")
            .field("base_url", &self.inner.base_url.as_str())
            .field("project_id", &self.inner.project_id)
            .field("class", &self.class)
            .finish_non_exhaustive()
    }
}

/// One API call, described before it is sent (and perhaps sent again).
pub(super) struct Call<'a> {
    /// For logs and errors, e.g. `GET /jobs/{jobId}`.
    pub endpoint: &'static str,
    pub method: Method,
    pub path: Vec<&'a str>,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<Value>,
    /// What a 404 means, e.g. `job job_123`.
    pub not_found: String,
}

/// Which failed attempts a call may be repeated after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Repeat {
    /// Any the retry policy names: the call reads, or doing it twice does no harm.
    Always,
    /// Only a 429, which Scenario answers without acting.
    OnlyUnapplied,
}

/// The raw parts of one answer.
struct Body {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    bytes: Vec<u8>,
}

impl ScenarioClient {
    /// Builds a client; fails only on an unusable base URL or TLS setup.
    pub fn new(settings: ScenarioSettings) -> Result<Self, ScenarioError> {
        Self::with_metrics(settings, Metrics::new())
    }

    /// Like [`Self::new`], counting every request in `metrics`.
    pub fn with_metrics(settings: ScenarioSettings, metrics: Metrics) -> Result<Self, ScenarioError> {
        let base = &settings.base_url;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(ScenarioError::Settings(format!("the base URL {base} is not an http(s) URL")));
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("approval-bridge/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            .build()
            .map_err(|e| ScenarioError::Settings(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base_url: settings.base_url,
                api_key: settings.api_key,
                api_secret: settings.api_secret,
                project_id: settings.project_id.filter(|p| !p.is_empty()),
                retry: settings.retry,
                request_timeout: settings.request_timeout,
                name_ttl: settings.workflow_name_ttl,
                names: Mutex::new(HashMap::new()),
                metrics,
                budget: settings.budget,
            }),
            class: Class::Person,
        })
    }

    /// A handle on the same client whose requests spend the budget as `class` (a new client's
    /// are [`Class::Person`]'s).
    pub fn with_class(&self, class: Class) -> Self {
        Self { inner: self.inner.clone(), class }
    }

    /// The budget every request waits its turn in, when there is one.
    pub fn budget(&self) -> Option<&Budget> {
        self.inner.budget.as_ref()
    }

    /// Where this client counts its requests.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// How long one request may take (an attempt still unanswered by then is given up).
    pub fn request_timeout(&self) -> Duration {
        self.inner.request_timeout
    }

    /// The base URL every path is appended to.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    pub(super) fn cached_name(&self, id: &WorkflowId) -> Option<String> {
        // A poisoned lock only means another thread panicked mid-insert: the map is still valid.
        let names = self.inner.names.lock().unwrap_or_else(|p| p.into_inner());
        names.get(id).filter(|(_, at)| at.elapsed() < self.inner.name_ttl).map(|(name, _)| name.clone())
    }

    pub(super) fn cache_name(&self, id: &WorkflowId, name: &str) {
        let mut names = self.inner.names.lock().unwrap_or_else(|p| p.into_inner());
        names.insert(id.clone(), (name.to_owned(), Instant::now()));
    }

    fn url(&self, call: &Call<'_>) -> Result<Url, ScenarioError> {
        let mut url = self.inner.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| ScenarioError::Settings("the base URL cannot take a path".into()))?
            .pop_if_empty()
            .extend(&call.path);
        let project = self.inner.project_id.iter().map(|p| ("projectId", p.clone()));
        let pairs: Vec<(&str, String)> = call.query.iter().cloned().chain(project).collect();
        if !pairs.is_empty() {
            url.query_pairs_mut().extend_pairs(pairs);
        }
        Ok(url)
    }

    async fn attempt(&self, call: &Call<'_>, url: &Url) -> Result<Body, reqwest::Error> {
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), url.clone())
            .basic_auth(self.inner.api_key.expose_secret(), Some(self.inner.api_secret.expose_secret()));
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await?.to_vec();
        Ok(Body { status, headers, bytes })
    }

    /// Sends a call, retrying as the policy says, and returns the JSON of a 2xx answer.
    pub(super) async fn execute(&self, call: Call<'_>) -> Result<Value, ScenarioError> {
        self.send_with(call, Repeat::Always).await
    }

    /// Like [`Self::execute`] for a call that must not be carried out twice (a decision): it is
    /// repeated only after a 429, which Scenario answers without acting. After an attempt whose
    /// answer was lost (timeout, dropped connection, 5xx) Scenario may have acted, so the error is
    /// returned and the caller reads the run to learn what happened.
    pub(super) async fn execute_once(&self, call: Call<'_>) -> Result<Value, ScenarioError> {
        self.send_with(call, Repeat::OnlyUnapplied).await
    }

    async fn send_with(&self, call: Call<'_>, repeat: Repeat) -> Result<Value, ScenarioError> {
        let url = self.url(&call)?;
        let retry = self.inner.retry;
        let class = if repeat == Repeat::OnlyUnapplied { Class::Decision } else { self.class };
        let mut attempts = 0;
        // Whether an attempt so far may have been carried out without the bridge hearing so.
        let mut unanswered = false;
        loop {
            attempts += 1;
            let permit = match &self.inner.budget {
                Some(budget) => Some(budget.acquire(class).await),
                None => None,
            };
            if let Some(permit) = &permit {
                self.inner.metrics.scenario_budget_grant(class.as_str(), permit.waited);
            }
            let started = Instant::now();
            let outcome = self.attempt(&call, &url).await;
            self.inner.metrics.scenario_request(call.endpoint, status_label(&outcome), started.elapsed());
            let headers = outcome.as_ref().ok().map(|body| body.headers.clone());
            let (failure, delay) = match outcome {
                Ok(body) if body.status.is_success() => return parse_json(&call, &body.bytes),
                Ok(body) => {
                    let status = body.status.as_u16();
                    debug!(endpoint = call.endpoint, status, attempts, "Scenario answered an error");
                    let delay = retry.delay(attempts - 1, headers.as_ref());
                    if status == 429 {
                        self.inner.metrics.scenario_rate_limited();
                        // Every class waits the pause out, this request included.
                        if let Some(permit) = permit {
                            permit.rate_limited(delay);
                        }
                    }
                    let repeatable = repeat == Repeat::Always || status == 429;
                    if !is_retryable_status(status) || !repeatable || attempts > retry.max_retries {
                        let error = self.status_error(&call, body.status, &body.bytes, attempts, unanswered);
                        return Err(error);
                    }
                    unanswered |= status >= 500;
                    if status == 429 && self.inner.budget.is_some() {
                        warn!(
                            endpoint = call.endpoint,
                            attempts, "Scenario is rate limiting: every request waits"
                        );
                        continue;
                    }
                    (format!("HTTP {status}"), delay)
                }
                Err(error) => {
                    debug!(endpoint = call.endpoint, attempts, error = %error, "request failed");
                    if repeat == Repeat::OnlyUnapplied || attempts > retry.max_retries {
                        return Err(self.transport_error(error, attempts));
                    }
                    unanswered = true;
                    (error.to_string(), retry.backoff(attempts - 1))
                }
            };
            warn!(
                endpoint = call.endpoint,
                attempts,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                failure = %failure,
                "retrying a Scenario request"
            );
            tokio::time::sleep(delay).await;
        }
    }

    fn transport_error(&self, source: reqwest::Error, attempts: u32) -> ScenarioError {
        if source.is_timeout() {
            ScenarioError::Timeout { timeout: self.inner.request_timeout, attempts }
        } else {
            ScenarioError::Transport { attempts, source }
        }
    }

    fn status_error(
        &self,
        call: &Call<'_>,
        status: StatusCode,
        body: &[u8],
        attempts: u32,
        after_unanswered: bool,
    ) -> ScenarioError {
        let (message, details) = api_message(body);
        match status.as_u16() {
            code @ (401 | 403) => ScenarioError::BadCredentials { status: code, message },
            404 => ScenarioError::NotFound { what: call.not_found.clone(), message },
            429 => ScenarioError::RateLimited { attempts },
            code if code >= 500 => ScenarioError::Server { status: code, attempts, message },
            code => ScenarioError::Rejected {
                status: code,
                message: message.unwrap_or_else(|| status.to_string()),
                details,
                after_unanswered,
            },
        }
    }
}

/// The `status` label of an attempt: the HTTP status, or why there was none.
fn status_label(outcome: &Result<Body, reqwest::Error>) -> String {
    match outcome {
        Ok(body) => body.status.as_u16().to_string(),
        Err(error) if error.is_timeout() => "timeout".to_owned(),
        Err(_) => "transport".to_owned(),
    }
}

fn parse_json(call: &Call<'_>, bytes: &[u8]) -> Result<Value, ScenarioError> {
    serde_json::from_slice(bytes).map_err(|e| ScenarioError::MalformedBody {
        endpoint: call.endpoint,
        reason: format!("not JSON: {e}"),
        excerpt: excerpt(bytes),
    })
}

/// Reads `body[key]` as a `T`; a missing key or a wrong shape is a [`ScenarioError::MalformedBody`].
pub(super) fn field<T: DeserializeOwned>(
    endpoint: &'static str,
    body: &mut Value,
    key: &str,
) -> Result<T, ScenarioError> {
    let value = body.get_mut(key).map(Value::take).unwrap_or(Value::Null);
    if value.is_null() {
        return Err(malformed(endpoint, format!("no `{key}`"), body));
    }
    T::deserialize(&value).map_err(|e| malformed(endpoint, format!("`{key}`: {e}"), &value))
}

/// A [`ScenarioError::MalformedBody`] quoting the start of `value`.
pub(super) fn malformed(endpoint: &'static str, reason: String, value: &Value) -> ScenarioError {
    ScenarioError::MalformedBody { endpoint, reason, excerpt: excerpt(value.to_string().as_bytes()) }
}
