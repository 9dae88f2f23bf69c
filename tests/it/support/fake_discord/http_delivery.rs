//! Interactions delivered by signed POST to the bot's interactions endpoint, instead of the
//! gateway: <https://discord.com/developers/docs/interactions/receiving-and-responding#receiving-an-interaction>.
//!
//! As Discord does: each POST carries `X-Signature-Ed25519` (the application's key signs the
//! `X-Signature-Timestamp` followed by the raw body), and the answer must be a 200 whose JSON body
//! is the interaction response, checked as a callback would be. Anything else leaves the
//! interaction unacknowledged ("This interaction failed" for the person). A webhook call on the
//! interaction's token that arrives while its POST is still being answered waits for that answer,
//! since the bot can only follow up on a response Discord has.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::{Value, json};
use tokio::sync::Notify;

use super::errors::FormErrors;
use super::record::RecordedRequest;
use super::{FakeDiscord, Shared, openapi, rest_interactions, rules};

/// The application's key pair; its public half is what the bot is configured with.
const SEED: [u8; 32] = *b"fake-discord-application-key-32b";

/// How long Discord waits for the endpoint's answer.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(3);

/// Where and how interactions are POSTed, and which are being answered.
pub(super) struct Delivery {
    /// The endpoint URLs, taken in turn (as a load balancer in front of replicas would).
    endpoints: Mutex<Vec<String>>,
    turn: AtomicUsize,
    key: SigningKey,
    client: reqwest::Client,
    answering: Mutex<HashSet<String>>,
    answered: Notify,
    /// Status of every POST answered with something other than a usable response, in order.
    failures: Mutex<Vec<u16>>,
    /// The body and signed timestamp of each interaction POSTed, by token: what a replay sends.
    sent: Mutex<HashMap<String, (String, i64)>>,
    /// The `X-Forwarded-For` a load balancer in front of the endpoint adds, if there is one.
    forwarded_for: Mutex<Option<String>>,
}

impl Default for Delivery {
    fn default() -> Self {
        let client = reqwest::Client::builder().no_proxy().timeout(ANSWER_TIMEOUT).build().expect("client");
        Self {
            endpoints: Mutex::default(),
            turn: AtomicUsize::new(0),
            key: SigningKey::from_bytes(&SEED),
            client,
            answering: Mutex::default(),
            answered: Notify::new(),
            failures: Mutex::default(),
            forwarded_for: Mutex::default(),
            sent: Mutex::default(),
        }
    }
}

impl Delivery {
    /// Whether interactions are POSTed rather than sent over the gateway.
    pub(super) fn is_on(&self) -> bool {
        !self.endpoints.lock().expect("endpoints").is_empty()
    }

    /// The endpoints, starting with the one whose turn it is.
    fn in_turn(&self) -> Vec<String> {
        let mut endpoints = self.endpoints.lock().expect("endpoints").clone();
        if !endpoints.is_empty() {
            let first = self.turn.fetch_add(1, Ordering::SeqCst) % endpoints.len();
            endpoints.rotate_left(first);
        }
        endpoints
    }

    /// Waits while the POST of the interaction with `token` is being answered (at most as long
    /// as Discord waits for the answer).
    pub(super) async fn wait_until_answered(&self, token: &str) {
        let deadline = tokio::time::Instant::now() + ANSWER_TIMEOUT;
        loop {
            let answered = self.answered.notified();
            if !self.answering.lock().expect("answering").contains(token) {
                return;
            }
            if tokio::time::timeout_at(deadline, answered).await.is_err() {
                return;
            }
        }
    }
}

/// What the endpoint answered to one POST.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The body, as JSON when it is.
    pub body: Value,
}

impl FakeDiscord {
    /// From now on, interactions are POSTed to `url` (the bot's interactions endpoint) instead
    /// of dispatched over the gateway.
    pub fn deliver_interactions_to(&self, url: &str) {
        self.deliver_interactions_to_each(&[url.to_owned()]);
    }

    /// Like [`Self::deliver_interactions_to`], for replicas behind a load balancer: each POST goes
    /// to the next URL in turn, and one that cannot be connected to (a dead replica) passes the
    /// POST to the next, as a load balancer's retry would.
    pub fn deliver_interactions_to_each(&self, urls: &[String]) {
        *self.shared.delivery.endpoints.lock().expect("endpoints") = urls.to_vec();
    }

    /// From now on, each POST reaches the endpoint through a load balancer that says it came
    /// from `addr` (Discord's address), in `X-Forwarded-For`.
    pub fn deliver_through_a_proxy_for(&self, addr: &str) {
        *self.shared.delivery.forwarded_for.lock().expect("forwarded_for") = Some(addr.to_owned());
    }

    /// The statuses of the POSTs whose answer was not a usable interaction response.
    pub fn failed_deliveries(&self) -> Vec<u16> {
        self.shared.delivery.failures.lock().expect("failures").clone()
    }

    /// POSTs `body` to the endpoint signed at `timestamp` (unix seconds), as Discord would; with
    /// `tamper`, the signature is made over other bytes (a forged request). For the endpoint's
    /// own checks: nothing is recorded.
    pub async fn post_signed(&self, body: &Value, timestamp: i64, tamper: bool) -> EndpointAnswer {
        let raw = body.to_string();
        let signed = if tamper { format!("{raw} ") } else { raw.clone() };
        let (status, body) = post(&self.shared, raw, &signed, timestamp).await;
        EndpointAnswer { status, body }
    }

    /// Sends the PING Discord sends when the endpoint URL is saved in the Developer Portal.
    pub async fn ping_endpoint(&self) -> EndpointAnswer {
        self.ping_endpoint_signed_at(now_secs()).await
    }

    /// Sends a PING signed at `timestamp` (unix seconds).
    pub async fn ping_endpoint_signed_at(&self, timestamp: i64) -> EndpointAnswer {
        self.post_signed(&json!({ "id": "1", "application_id": super::APPLICATION_ID.to_string(), "type": 1, "token": "ping", "version": 1 }), timestamp, false).await
    }

    /// POSTs the interaction of `handle` again, byte for byte with its signature, as someone who
    /// captured the request would replay it. For the endpoint's own checks: nothing is recorded.
    pub async fn post_again(&self, handle: &super::InteractionHandle) -> EndpointAnswer {
        let sent = self.shared.delivery.sent.lock().expect("sent").get(&handle.token).cloned();
        let (raw, timestamp) = sent.expect("the interaction was POSTed");
        let (status, body) = post(&self.shared, raw.clone(), &raw, timestamp).await;
        EndpointAnswer { status, body }
    }
}

/// Delivers a dispatched interaction by POST, in the background as the gateway would, and
/// applies the answer as its initial response.
pub(super) fn deliver(shared: &std::sync::Arc<Shared>, id: u64, token: String, payload: &Value) {
    let shared = shared.clone();
    let raw = payload.to_string();
    shared.delivery.answering.lock().expect("answering").insert(token.clone());
    let signed_at = now_secs();
    shared.delivery.sent.lock().expect("sent").insert(token.clone(), (raw.clone(), signed_at));
    tokio::spawn(async move {
        let mut answer = (0, Value::Null);
        for endpoint in shared.delivery.in_turn() {
            answer = post_to(&shared, &endpoint, raw.clone(), &raw, signed_at).await;
            if answer.0 != 0 {
                break;
            }
        }
        let (status, body) = answer;
        let at = Instant::now();
        let applied = status == 200 && apply(&shared, id, &token, &body);
        if !applied {
            shared.delivery.failures.lock().expect("failures").push(status);
        }
        // Logged as the initial response, the way a callback is, with method `ANSWER`: tests
        // wait for the bot's first answer alike in both modes.
        shared.log.push(RecordedRequest {
            seq: 0,
            method: "ANSWER".into(),
            path: format!("/interactions/{id}/{token}/callback"),
            route: None,
            body: Some(body),
            files: vec![],
            status: if applied { 200 } else { status.max(400) },
            response: None,
            at,
            injected: false,
        });
        shared.delivery.answering.lock().expect("answering").remove(&token);
        shared.delivery.answered.notify_waiters();
    });
}

/// Checks the answer as the callback endpoint would check it, and applies it.
fn apply(shared: &Shared, id: u64, token: &str, body: &Value) -> bool {
    const CALLBACK: &str = "/interactions/{interaction_id}/{interaction_token}/callback";
    let mut errs = FormErrors::default();
    rules::check_route(CALLBACK, body, &mut errs);
    openapi::check_body(CALLBACK, "post", body, &mut errs);
    errs.into_result().is_ok() && rest_interactions::respond(shared, id, token, body, &[]).is_ok()
}

async fn post(shared: &Shared, raw: String, signed: &str, timestamp: i64) -> (u16, Value) {
    let endpoint = shared.delivery.in_turn().into_iter().next().expect("deliver_interactions_to was called");
    post_to(shared, &endpoint, raw, signed, timestamp).await
}

async fn post_to(shared: &Shared, endpoint: &str, raw: String, signed: &str, timestamp: i64) -> (u16, Value) {
    let timestamp = timestamp.to_string();
    let signature = shared.delivery.key.sign(format!("{timestamp}{signed}").as_bytes());
    let forwarded_for = shared.delivery.forwarded_for.lock().expect("forwarded_for").clone();
    let mut request = shared.delivery.client.post(endpoint);
    if let Some(addr) = forwarded_for {
        request = request.header("x-forwarded-for", addr);
    }
    let sent = request
        .header("content-type", "application/json")
        .header("x-signature-ed25519", hex(&signature.to_bytes()))
        .header("x-signature-timestamp", timestamp)
        .body(raw)
        .send()
        .await;
    let Ok(response) = sent else { return (0, Value::Null) };
    let status = response.status().as_u16();
    let json =
        response.headers().get("content-type").is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let text = response.text().await.unwrap_or_default();
    let body = if json { serde_json::from_str(&text).unwrap_or(Value::Null) } else { Value::String(text) };
    (status, body)
}

/// The application's public key, as the Developer Portal shows it (64 hex digits).
pub fn public_key() -> String {
    hex(SigningKey::from_bytes(&SEED).verifying_key().as_bytes())
}

/// Now, in unix seconds.
pub fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
