//! The log of every HTTP request the fake answered, and waiting on it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Notify;

/// A file uploaded in a multipart request.
#[derive(Debug, Clone)]
pub struct RecordedFile {
    /// The form field, e.g. `files[0]`.
    pub field: String,
    /// The file name the client gave.
    pub filename: String,
    /// The part's content type.
    pub content_type: String,
    /// The file's size in bytes.
    pub size: usize,
    /// The file's bytes.
    pub data: std::sync::Arc<[u8]>,
}

/// One request as the fake saw it, and what it answered.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// Position in the log, from 0.
    pub seq: usize,
    /// `GET`, `POST`, …
    pub method: String,
    /// The path after `/api/v10`, without the query, e.g. `/channels/1/messages`.
    pub path: String,
    /// The OpenAPI path template it matched, e.g. `/channels/{channel_id}/messages`.
    pub route: Option<&'static str>,
    /// The JSON body, or the `payload_json` part of a multipart body.
    pub body: Option<Value>,
    /// Files of a multipart body.
    pub files: Vec<RecordedFile>,
    /// The HTTP status answered.
    pub status: u16,
    /// The JSON answered, if any.
    pub response: Option<Value>,
    /// When the request arrived.
    pub at: Instant,
    /// Whether the answer was a fault the test armed (`FakeDiscord::inject`).
    pub injected: bool,
}

impl RecordedRequest {
    /// Whether the fake refused it (status 400 or more), armed failures included.
    pub fn is_rejected(&self) -> bool {
        self.status >= 400
    }

    /// The Discord error code answered, if it was refused with one.
    pub fn error_code(&self) -> Option<u64> {
        self.response.as_ref().filter(|_| self.is_rejected())?["code"].as_u64()
    }

    /// `"POST /channels/1/messages -> 200"`, for assertion messages.
    pub fn summary(&self) -> String {
        format!("{} {} -> {}", self.method, self.path, self.status)
    }
}

/// Requests in arrival order, with a notification when one is added.
#[derive(Debug, Default)]
pub(super) struct RequestLog {
    entries: Mutex<Vec<RecordedRequest>>,
    added: Notify,
}

impl RequestLog {
    pub(super) fn push(&self, mut request: RecordedRequest) {
        let mut entries = self.entries.lock().expect("request log");
        request.seq = entries.len();
        entries.push(request);
        drop(entries);
        self.added.notify_waiters();
    }

    pub(super) fn snapshot(&self) -> Vec<RecordedRequest> {
        self.entries.lock().expect("request log").clone()
    }

    pub(super) fn since(&self, seq: usize) -> Vec<RecordedRequest> {
        let entries = self.entries.lock().expect("request log");
        entries.get(seq..).map(<[RecordedRequest]>::to_vec).unwrap_or_default()
    }

    /// Waits until `count` requests match `pred`; returns the first `count` matches.
    pub(super) async fn wait_for(
        &self,
        pred: impl Fn(&RecordedRequest) -> bool,
        count: usize,
        timeout: Duration,
    ) -> Option<Vec<RecordedRequest>> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.added.notified();
            tokio::pin!(notified);
            // Register before looking, so a push between the look and the await is not missed.
            notified.as_mut().enable();
            let found: Vec<RecordedRequest> = {
                let entries = self.entries.lock().expect("request log");
                entries.iter().filter(|r| pred(r)).take(count).cloned().collect()
            };
            if found.len() == count {
                return Some(found);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }
}
