//! Faults the fake can be told to answer with, per endpoint, for the next N requests; and the
//! log of every request it saw.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Which API call a request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `GET /jobs`
    ListJobs,
    /// `GET /jobs/{id}`
    GetJob,
    /// `GET /workflows`
    ListWorkflows,
    /// `GET /workflows/{id}`
    GetWorkflow,
    /// `PUT /workflows/{id}/user-approval`
    UserApproval,
    /// `PUT /workflows/{id}/user-selection`
    UserSelection,
    /// `PUT /workflows/{id}/run` (a dry run too)
    RunWorkflow,
    /// `GET /assets/{id}`
    GetAsset,
    /// `POST /assets/get-bulk`
    GetBulkAssets,
    /// `GET /cdn/...` (signed asset URLs)
    Cdn,
    /// Anything else.
    Other,
    /// In a fault rule: every endpoint.
    Any,
}

/// What to do instead of (or before) answering normally.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer this status with a JSON error body and optional retry headers.
    Status { status: u16, retry_after: Option<String>, retry_after_ms: Option<String>, body: Value },
    /// Wait, then answer normally.
    Delay(Duration),
    /// Hold the request (it is recorded as it arrives) until the test releases it, then answer
    /// normally: the test decides what happens while the request is in flight.
    Hold(Release),
    /// Answer normally (a decision is applied at once), but send the answer only after this
    /// wait: Scenario did the work and the answer is late, or lost if the client gives up.
    SlowAnswer(Duration),
    /// Answer normally but send only the first half of the body.
    TruncatedBody,
    /// Answer 200 with this JSON (valid, but not the documented shape).
    WrongShape(Value),
    /// Drop the connection without a complete answer.
    CloseConnection,
    /// Carry the request out (a decision is applied), then drop the connection without an
    /// answer: Scenario did the work and the bridge never hears so.
    ApplyThenClose,
}

impl Fault {
    /// An error status with a `{"message": …}` body.
    pub fn status(status: u16) -> Self {
        Self::Status {
            status,
            retry_after: None,
            retry_after_ms: None,
            body: json!({ "message": format!("injected HTTP {status}"), "error": "Injected" }),
        }
    }

    /// Adds a `retry-after` header (seconds or an HTTP date).
    pub fn with_retry_after(mut self, value: &str) -> Self {
        if let Self::Status { retry_after, .. } = &mut self {
            *retry_after = Some(value.to_owned());
        }
        self
    }

    /// Adds a `retry-after-ms` header.
    pub fn with_retry_after_ms(mut self, value: &str) -> Self {
        if let Self::Status { retry_after_ms, .. } = &mut self {
            *retry_after_ms = Some(value.to_owned());
        }
        self
    }

    /// 200 with JSON that is valid but not what the endpoint documents.
    pub fn wrong_shape() -> Self {
        Self::WrongShape(json!({ "data": [1, 2, 3], "jobs": { "not": "a list" } }))
    }

    /// A short name for the log.
    pub fn name(&self) -> String {
        match self {
            Self::Status { status, .. } => format!("status {status}"),
            Self::Delay(d) => format!("delay {d:?}"),
            Self::Hold(_) => "held".into(),
            Self::SlowAnswer(d) => format!("slow answer {d:?}"),
            Self::TruncatedBody => "truncated body".into(),
            Self::WrongShape(_) => "wrong shape".into(),
            Self::CloseConnection => "close connection".into(),
            Self::ApplyThenClose => "apply, then close the connection".into(),
        }
    }
}

/// The switch that lets requests held by [`Fault::Hold`] go on.
#[derive(Clone, Debug)]
pub struct Release(Arc<tokio::sync::watch::Sender<bool>>);

impl Default for Release {
    fn default() -> Self {
        Self(Arc::new(tokio::sync::watch::channel(false).0))
    }
}

/// The same switch.
impl PartialEq for Release {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Release {
    /// Lets the requests held by this switch go on, those waiting and those to come.
    pub fn release(&self) {
        self.0.send_replace(true);
    }

    /// Waits until the switch is released.
    pub async fn released(&self) {
        // The sender lives in `self`, so the channel cannot close while this waits.
        let _ = self.0.subscribe().wait_for(|released| *released).await;
    }
}

/// A fault waiting for its requests.
pub struct FaultRule {
    pub target: Endpoint,
    pub fault: Fault,
    pub remaining: usize,
}

/// Takes the fault for a request to `endpoint`, if one is armed.
pub fn take(rules: &mut Vec<FaultRule>, endpoint: Endpoint) -> Option<Fault> {
    let rule =
        rules.iter_mut().find(|r| r.remaining > 0 && (r.target == endpoint || r.target == Endpoint::Any))?;
    rule.remaining -= 1;
    let fault = rule.fault.clone();
    rules.retain(|r| r.remaining > 0);
    Some(fault)
}

/// One request as the fake saw it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// Which call.
    pub endpoint: Endpoint,
    /// `GET`, `PUT`, …
    pub method: String,
    /// The path below the base URL, e.g. `/jobs/job_1` (or `/cdn/…`).
    pub path: String,
    /// The query parameters (the last value of a repeated one).
    pub params: HashMap<String, String>,
    /// Whether the Basic credentials were right.
    pub auth_ok: bool,
    /// The `user-agent` header.
    pub user_agent: Option<String>,
    /// The body, when it was JSON.
    pub body: Option<Value>,
    /// The fault answered instead, if any.
    pub fault: Option<String>,
    /// When the request arrived.
    pub at: Instant,
    /// Whether the fake's logic saw it (answered, applied or refused it): not when an injected
    /// fault answered instead, nor when the client went away before it was handled.
    pub reached: bool,
}

impl RecordedRequest {
    /// A query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}
