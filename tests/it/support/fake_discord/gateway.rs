//! The gateway: HELLO, IDENTIFY (token checked), READY, heartbeat ACKs, dispatches with
//! increasing `s`, and RESUME answered with an invalid session so the client re-identifies.
//! See <https://discord.com/developers/docs/events/gateway>.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};

use super::state::next_id;
use super::{BOT_TOKEN, Shared, payloads};

/// Close codes Discord uses, <https://discord.com/developers/docs/topics/opcodes-and-status-codes>.
const UNKNOWN_OPCODE: u16 = 4001;
const DECODE_ERROR: u16 = 4002;
const NOT_AUTHENTICATED: u16 = 4003;
const AUTHENTICATION_FAILED: u16 = 4004;
const ALREADY_AUTHENTICATED: u16 = 4005;

enum Out {
    Frame(Value),
    Drop,
}

struct Conn {
    tx: mpsc::UnboundedSender<Out>,
    ready: bool,
    seq: u64,
}

/// Counters and open connections of the gateway.
#[derive(Default)]
pub(super) struct GatewayHub {
    conns: Mutex<HashMap<u64, Conn>>,
    counts: Mutex<Counts>,
    frames: Mutex<Vec<Value>>,
    changed: Notify,
}

/// What happened on the gateway so far.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct GatewayCounts {
    /// Websocket connections accepted.
    pub connections: usize,
    /// IDENTIFY frames accepted (each got a READY).
    pub identifies: usize,
    /// RESUME frames received (each answered with an invalid session).
    pub resumes: usize,
    /// Intents of the latest IDENTIFY.
    pub intents: u64,
}

type Counts = GatewayCounts;

impl GatewayHub {
    pub(super) fn counts(&self) -> GatewayCounts {
        *self.counts.lock().expect("gateway counts")
    }

    fn send_frame(&self, conn: &Conn, frame: Value) -> bool {
        self.frames.lock().expect("gateway frames").push(frame.clone());
        conn.tx.send(Out::Frame(frame)).is_ok()
    }

    fn bump(&self, f: impl FnOnce(&mut Counts)) {
        f(&mut self.counts.lock().expect("gateway counts"));
        self.changed.notify_waiters();
    }

    /// Waits until `pred` holds for the counts and at least one connection is ready.
    pub(super) async fn wait_until(&self, pred: impl Fn(&GatewayCounts) -> bool, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if pred(&self.counts()) && self.ready_connections() > 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return false;
            }
        }
    }

    pub(super) fn ready_connections(&self) -> usize {
        self.conns.lock().expect("gateway conns").values().filter(|c| c.ready).count()
    }

    /// Sends a dispatch to every identified connection; returns how many got it.
    pub(super) fn dispatch(&self, event: &str, data: &Value) -> usize {
        let mut conns = self.conns.lock().expect("gateway conns");
        let mut sent = 0;
        for conn in conns.values_mut().filter(|c| c.ready) {
            conn.seq += 1;
            let frame = json!({ "op": 0, "s": conn.seq, "t": event, "d": data });
            sent += usize::from(self.send_frame(conn, frame));
        }
        sent
    }

    /// Drops every connection without a close frame, like a network failure.
    pub(super) fn drop_all(&self) {
        let mut conns = self.conns.lock().expect("gateway conns");
        for (_, conn) in conns.drain() {
            let _ = conn.tx.send(Out::Drop);
        }
        drop(conns);
        self.changed.notify_waiters();
    }
}

/// `GET /gateway` upgrades to the websocket.
pub(super) async fn upgrade(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| run(shared, socket))
}

async fn run(shared: Arc<Shared>, mut socket: WebSocket) {
    let id = next_id();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let hub = &shared.gateway;
    hub.conns.lock().expect("gateway conns").insert(id, Conn { tx, ready: false, seq: 0 });
    hub.bump(|c| c.connections += 1);
    let hello = json!({ "op": 10, "s": null, "t": null, "d": { "heartbeat_interval": 41_250 } });
    let mut outcome = send(&mut socket, &hello).await;
    while outcome.is_none() {
        outcome = tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => on_frame(&shared, id, &text, &mut socket).await,
                Some(Ok(Message::Close(_)) | Err(_)) | None => Some(()),
                Some(Ok(_)) => None,
            },
            out = rx.recv() => match out {
                Some(Out::Frame(frame)) => send(&mut socket, &frame).await,
                Some(Out::Drop) | None => Some(()),
            },
        };
    }
    hub.conns.lock().expect("gateway conns").remove(&id);
    hub.changed.notify_waiters();
}

/// Sends one frame; `Some(())` when the connection is gone.
async fn send(socket: &mut WebSocket, frame: &Value) -> Option<()> {
    socket.send(Message::Text(frame.to_string().into())).await.err().map(|_| ())
}

async fn close(socket: &mut WebSocket, code: u16, reason: &str) -> Option<()> {
    let frame = CloseFrame { code, reason: reason.into() };
    let _ = socket.send(Message::Close(Some(frame))).await;
    Some(())
}

async fn on_frame(shared: &Arc<Shared>, id: u64, text: &str, socket: &mut WebSocket) -> Option<()> {
    let Ok(frame) = serde_json::from_str::<Value>(text) else {
        return close(socket, DECODE_ERROR, "Error while decoding payload.").await;
    };
    let ready = shared.gateway.conns.lock().expect("gateway conns").get(&id).is_some_and(|c| c.ready);
    match frame["op"].as_u64() {
        Some(1) => send(socket, &json!({ "op": 11 })).await,
        Some(2) if ready => close(socket, ALREADY_AUTHENTICATED, "Already authenticated.").await,
        Some(2) => identify(shared, id, &frame["d"], socket).await,
        Some(6) => {
            shared.gateway.bump(|c| c.resumes += 1);
            send(socket, &json!({ "op": 9, "s": null, "t": null, "d": false })).await
        }
        Some(3 | 4 | 8) if ready => None,
        Some(3 | 4 | 8) => close(socket, NOT_AUTHENTICATED, "Not authenticated.").await,
        _ => close(socket, UNKNOWN_OPCODE, "Unknown opcode.").await,
    }
}

async fn identify(shared: &Arc<Shared>, id: u64, d: &Value, socket: &mut WebSocket) -> Option<()> {
    let token = d["token"].as_str().unwrap_or_default();
    if token.trim_start_matches("Bot ") != BOT_TOKEN {
        return close(socket, AUTHENTICATION_FAILED, "Authentication failed.").await;
    }
    let Some(intents) = d["intents"].as_u64() else {
        return close(socket, DECODE_ERROR, "Error while decoding payload.").await;
    };
    let session = format!("fake-session-{}", next_id());
    let ready = payloads::ready(&shared.bot_user(), super::APPLICATION_ID, &session, &shared.gateway_url());
    {
        let mut conns = shared.gateway.conns.lock().expect("gateway conns");
        let conn = conns.get_mut(&id)?;
        // Sequence numbers start again with each session.
        conn.seq = 1;
        conn.ready = true;
        let frame = json!({ "op": 0, "s": 1, "t": "READY", "d": ready });
        if !shared.gateway.send_frame(conn, frame) {
            return Some(());
        }
    }
    shared.gateway.bump(|c| {
        c.identifies += 1;
        c.intents = intents;
    });
    None
}
