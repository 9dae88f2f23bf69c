//! A receiver of the bridge's events (`EVENTS_URL`), on 127.0.0.1: it checks each POST as a
//! careful receiver would (JSON body, the signature over `timestamp.body` under the shared secret,
//! a timestamp within five minutes, the id header equal to the body's id), answers 400 to a
//! request that fails a check, and records every event it took. Tests make it answer 500, or
//! hold requests unanswered, to play a receiver that is down or hangs.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU8, AtomicUsize, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use approval_bridge::events::sign::{EVENT_ID_HEADER, SIGNATURE_HEADER, verify};
use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use serde_json::Value;

/// The secret tests share with the bridge (`EVENTS_SECRET`).
pub const SECRET: &str = "test-events-secret-0123456789";

/// How the receiver answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    /// Checks, records, answers 204.
    Up = 0,
    /// Answers 500 to everything, recording nothing.
    Failing = 1,
    /// Never answers.
    Hanging = 2,
}

/// One event the receiver took.
#[derive(Debug, Clone)]
pub struct Received {
    /// The event's id.
    pub id: String,
    /// The event as JSON.
    pub body: Value,
    /// When it was taken.
    pub at: std::time::Instant,
}

#[derive(Default)]
struct Inner {
    mode: AtomicU8,
    received: Mutex<Vec<Received>>,
    refused: Mutex<Vec<String>>,
    failed: AtomicUsize,
    hung: AtomicUsize,
    delay_ms: std::sync::atomic::AtomicU64,
}

/// The running receiver.
#[derive(Clone)]
pub struct FakeReceiver {
    addr: SocketAddr,
    inner: Arc<Inner>,
}

impl FakeReceiver {
    /// Starts a receiver on a free port of 127.0.0.1.
    pub async fn start() -> Self {
        let inner = Arc::new(Inner::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the receiver");
        let addr = listener.local_addr().expect("local address");
        let app = Router::new().route("/events", post(take)).with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, inner }
    }

    /// The URL to set as `EVENTS_URL`.
    pub fn url(&self) -> String {
        format!("http://{}/events", self.addr)
    }

    /// Answers as `mode` from now on.
    pub fn set_mode(&self, mode: Mode) {
        self.inner.mode.store(mode as u8, Ordering::SeqCst);
    }

    /// Answers each event taken `delay` after recording it, as a slow receiver would: a sender
    /// stopped meanwhile never learns that it was taken.
    pub fn set_delay(&self, delay: Duration) {
        self.inner.delay_ms.store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    /// Every event taken, in the order taken (repeats included).
    pub fn received(&self) -> Vec<Received> {
        self.inner.received.lock().expect("received").clone()
    }

    /// Why requests were refused (a failed check), if any were.
    pub fn refused(&self) -> Vec<String> {
        self.inner.refused.lock().expect("refused").clone()
    }

    /// Requests answered 500.
    pub fn failed(&self) -> usize {
        self.inner.failed.load(Ordering::SeqCst)
    }

    /// Requests held unanswered.
    pub fn hung(&self) -> usize {
        self.inner.hung.load(Ordering::SeqCst)
    }
}

async fn take(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    match inner.mode.load(Ordering::SeqCst) {
        1 => {
            inner.failed.fetch_add(1, Ordering::SeqCst);
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
        2 => {
            inner.hung.fetch_add(1, Ordering::SeqCst);
            std::future::pending::<()>().await;
        }
        _ => {}
    }
    match check(&headers, &body) {
        Ok(received) => {
            inner.received.lock().expect("received").push(received);
            let delay = inner.delay_ms.load(Ordering::SeqCst);
            if delay > 0 {
                tokio::time::sleep(Duration::from_millis(delay)).await;
            }
            StatusCode::NO_CONTENT
        }
        Err(why) => {
            inner.refused.lock().expect("refused").push(why);
            StatusCode::BAD_REQUEST
        }
    }
}

/// The checks a receiver makes before trusting an event.
fn check(headers: &HeaderMap, body: &[u8]) -> Result<Received, String> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let signature = header(SIGNATURE_HEADER);
    if !verify(SECRET.as_bytes(), &signature, body) {
        return Err(format!("bad signature {signature:?}"));
    }
    let timestamp: u64 = signature
        .split(',')
        .find_map(|p| p.strip_prefix("t="))
        .and_then(|t| t.parse().ok())
        .ok_or("no timestamp")?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    if now.abs_diff(timestamp) > Duration::from_secs(300).as_secs() {
        return Err(format!("stale timestamp {timestamp}"));
    }
    if header("content-type") != "application/json" {
        return Err("not JSON".into());
    }
    let body: Value = serde_json::from_slice(body).map_err(|e| format!("bad JSON: {e}"))?;
    let id = body["id"].as_str().unwrap_or_default().to_owned();
    if id.is_empty() || header(EVENT_ID_HEADER) != id {
        return Err(format!("the id header {:?} is not the body's {id:?}", header(EVENT_ID_HEADER)));
    }
    Ok(Received { id, body, at: std::time::Instant::now() })
}
