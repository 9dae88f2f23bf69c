//! The operations listener on `HTTP_ADDR`: `GET /healthz` and `GET /metrics`.
//!
//! Whoever can reach a listener can talk to it, so [`serve_with_limits`] (which serves the
//! interactions endpoint too) keeps [`Limits`]: a client must send its whole request (head and
//! body) within a deadline, only so many connections are served at once, and so many per address
//! (the rest are answered 503 and closed), requests are small, and at shutdown idle connections
//! are closed at once and busy ones get a short grace. Each refusal is counted and logged by
//! [`Refusals`].

use std::{net::IpAddr, sync::Arc, time::Duration};

use axum::{
    Extension, Json, Router,
    body::Body,
    extract::{Request, State},
    http::{StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    service::TowerToHyperService,
};
use serenity::gateway::{ConnectionStage, ShardManager};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{Semaphore, watch},
};
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tracing::warn;

use super::{
    health::{Probe, assess},
    pace::{Clocked, Pace, overdue},
    peers::{PeerSlots, TrustedProxies},
    refusals::{Refusal, Refusals},
};
use crate::{
    metrics::{CONTENT_TYPE, Metrics},
    polls::Polls,
    store::{Store, now_ms},
};

/// How long `/healthz` waits for the database before calling it unresponsive.
pub const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

/// What the two endpoints read.
#[derive(Clone)]
pub struct OpsState {
    /// The database, pinged by `/healthz` and counted by `/metrics`.
    pub store: Store,
    /// The bridge's metrics.
    pub metrics: Metrics,
    /// How the watcher's passes have gone.
    pub polls: Arc<Polls>,
    /// Shutdown's signal: cancelled once shutdown has begun.
    pub shutdown: CancellationToken,
    /// Whether READY came (see [`crate::app::App::connected`]).
    pub connected: watch::Receiver<bool>,
    /// serenity's shards, whose connection stage tells whether the gateway is up now; `None`
    /// when interactions come to the endpoint and no gateway is needed.
    pub shards: Option<Arc<ShardManager>>,
    /// When the bridge started running, unix milliseconds.
    pub started_ms: i64,
    /// The configured poll interval.
    pub poll_interval: Duration,
    /// Whom this process waits for while another bridge is active on the database.
    pub standby: watch::Receiver<Option<String>>,
}

/// The routes of the operations listener.
pub fn router(state: OpsState) -> Router {
    Router::new().route("/healthz", get(healthz)).route("/metrics", get(metrics)).with_state(state)
}

/// What one client may cost the listener.
#[derive(Debug, Clone)]
pub struct Limits {
    /// How long a connection may wait for a request's first byte, kept-alive ones included.
    pub idle_timeout: Duration,
    /// Time from a request's first byte to the end of its body; a slower client is disconnected.
    pub request_deadline: Duration,
    /// Connections served at once; one more is answered 503 and closed.
    pub max_connections: usize,
    /// Connections one address may hold at once (requests in flight, for a client behind a
    /// trusted proxy); one more is answered 503.
    pub max_per_peer: usize,
    /// The largest request body, in bytes (and the largest head, up to [`MAX_HEAD_BYTES`]).
    pub max_request_bytes: usize,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    /// How long requests in flight may take to finish at shutdown.
    pub shutdown_grace: Duration,
}

/// The largest request head: ample for any client's headers.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(5),
            request_deadline: Duration::from_secs(5),
            max_connections: 64,
            max_per_peer: 16,
            // hyper's smallest read buffer: ample for a probe or a scrape request.
            max_request_bytes: 8_192,
            trusted_proxies: TrustedProxies::default(),
            shutdown_grace: Duration::from_secs(2),
        }
    }
}

/// What a connection over the cap reads before it is closed.
const BUSY: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\nretry-after: 1\r\n\r\n";

/// Serves `router` on `listener` with the default [`Limits`] until `stop` is cancelled.
pub async fn serve(listener: TcpListener, state: OpsState, stop: CancellationToken) {
    let refusals = Refusals::new("ops", state.metrics.clone());
    serve_with_limits(listener, router(state), Limits::default(), refusals, stop).await;
}

/// Serves `app` on `listener` within `limits` until `stop` is cancelled, then closes idle
/// connections at once and waits at most `limits.shutdown_grace` for the others. What is
/// refused is counted and logged by `refusals`.
pub async fn serve_with_limits(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    refusals: Refusals,
    stop: CancellationToken,
) {
    let admission = Arc::new(Admission {
        max_request_bytes: limits.max_request_bytes,
        trusted_proxies: limits.trusted_proxies.clone(),
        forwarded: PeerSlots::new(limits.max_per_peer),
        refusals: refusals.clone(),
    });
    let app = app.layer(middleware::from_fn_with_state(admission, admit));
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let peers = PeerSlots::new(limits.max_per_peer);
    let connections = TaskTracker::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, most likely: let connections end before the next.
                    warn!(error = %err, "an HTTP listener could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = stop.cancelled() => break,
        };
        let peer = peer.ip().to_canonical();
        // A proxy speaks for many clients: they are counted by request, in `admit`.
        let proxied = limits.trusted_proxies.contains(peer);
        let own_slot = if proxied { None } else { peers.take(peer) };
        let slot = slots.clone().try_acquire_owned().ok().filter(|_| proxied || own_slot.is_some());
        let Some(slot) = slot else {
            // Over a cap: no task, no read. A fresh socket has room for these bytes.
            let _ = stream.try_write(BUSY);
            refusals.refused(Refusal::Busy, peer);
            continue;
        };
        let connection =
            serve_connection(stream, peer, app.clone(), limits.clone(), refusals.clone(), stop.clone());
        connections.spawn(async move {
            connection.await;
            drop((slot, own_slot));
        });
    }
    connections.close();
    // Each connection ends within the grace by itself; this bound is for certainty.
    let _ = tokio::time::timeout(limits.shutdown_grace * 2, connections.wait()).await;
}

/// What the request middleware knows of a connection.
#[derive(Debug, Clone)]
struct Connection {
    peer: IpAddr,
    pace: Pace,
}

/// What [`admit`] checks requests against.
struct Admission {
    max_request_bytes: usize,
    trusted_proxies: TrustedProxies,
    /// Requests in flight per client behind a trusted proxy.
    forwarded: PeerSlots,
    refusals: Refusals,
}

/// A request that was read whole: who sent it and when it began arriving (a request extension).
#[derive(Debug, Clone, Copy)]
pub struct Arrival {
    /// The client: the TCP peer, or the address a trusted proxy forwarded for.
    pub client: IpAddr,
    /// When its first byte arrived.
    pub started: tokio::time::Instant,
}

async fn serve_connection(
    stream: TcpStream,
    peer: IpAddr,
    app: Router,
    limits: Limits,
    refusals: Refusals,
    stop: CancellationToken,
) {
    let _ = stream.set_nodelay(true);
    let pace = Pace::default();
    let app = app.layer(Extension(Connection { peer, pace: pace.clone() }));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        // hyper's head timer runs from when it waits for a request: the idle timeout. The head
        // itself is timed by `pace`, with the body.
        .header_read_timeout(limits.idle_timeout)
        .max_header_size(MAX_HEAD_BYTES.min(limits.max_request_bytes.max(8_192)))
        .max_buf_size(limits.max_request_bytes.max(8_192));
    let io = TokioIo::new(Clocked::new(stream, pace.clone()));
    let connection = builder.serve_connection(io, TowerToHyperService::new(app));
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => return,
        () = overdue(&pace, limits.request_deadline) => {
            refusals.refused(Refusal::TooSlow, peer);
            return;
        }
        () = stop.cancelled() => {}
    }
    // Closes an idle connection now; lets a request in flight finish, within the grace.
    connection.as_mut().graceful_shutdown();
    let _ = tokio::time::timeout(limits.shutdown_grace, connection).await;
}

/// Admits a request: a client behind a trusted proxy may have only so many in flight; a body
/// announced over the limit, or of unknown length, is answered 413 before anything reads it;
/// the body is read whole (within the connection's deadline) before the route sees it.
async fn admit(
    State(admission): State<Arc<Admission>>,
    Extension(connection): Extension<Connection>,
    request: Request,
    next: Next,
) -> Response {
    let started = connection.pace.started().unwrap_or_else(tokio::time::Instant::now);
    let client = admission.trusted_proxies.client(connection.peer, request.headers());
    let refuse = |reason: Refusal, status: StatusCode, text: &'static str| {
        connection.pace.received();
        admission.refusals.refused(reason, client);
        (status, [(header::CONNECTION, "close")], text).into_response()
    };
    let _in_flight = if client == connection.peer {
        None
    } else {
        match admission.forwarded.take(client) {
            Some(slot) => Some(slot),
            None => return refuse(Refusal::Busy, StatusCode::SERVICE_UNAVAILABLE, "too many requests\n"),
        }
    };
    let headers = request.headers();
    let length = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    let unknown_length = headers.contains_key(header::TRANSFER_ENCODING);
    if unknown_length || length.is_some_and(|n| n > admission.max_request_bytes) {
        return refuse(Refusal::TooBig, StatusCode::PAYLOAD_TOO_LARGE, "request too large\n");
    }
    let (mut parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, admission.max_request_bytes).await else {
        // The announced length is within the limit and hyper holds the client to it: only a
        // connection that broke off ends here.
        connection.pace.received();
        return (StatusCode::BAD_REQUEST, [(header::CONNECTION, "close")], "incomplete body\n")
            .into_response();
    };
    connection.pace.received();
    parts.extensions.insert(Arrival { client, started });
    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    connection.pace.answered();
    response
}

async fn healthz(State(state): State<OpsState>) -> impl IntoResponse {
    // The caller learns only that the database does not answer; the log says why.
    let database_answers = match tokio::time::timeout(DATABASE_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => true,
        Ok(Err(err)) => {
            warn!(error = ?err, "health: the database does not answer");
            false
        }
        Err(_) => {
            warn!("health: the database did not answer within {DATABASE_TIMEOUT:?}");
            false
        }
    };
    let probe = Probe {
        database_answers,
        gateway_connected: gateway_connected(&state).await,
        serves_interactions: state.shards.is_none(),
        shutting_down: state.shutdown.is_cancelled(),
        standing_by: state.standby.borrow().is_some(),
        last_success_ms: state.polls.status().last_success_ms,
        started_ms: state.started_ms,
        now_ms: now_ms(),
        poll_interval: state.poll_interval,
    };
    let health = assess(&probe);
    let status = if health.is_healthy() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(health))
}

/// Connected when READY came and every shard is in the connected stage now (READY alone would
/// stay true through a later disconnection).
async fn gateway_connected(state: &OpsState) -> bool {
    let Some(shards) = &state.shards else { return true };
    if !*state.connected.borrow() {
        return false;
    }
    let runners = shards.runners.lock().await;
    !runners.is_empty() && runners.values().all(|runner| runner.stage == ConnectionStage::Connected)
}

async fn metrics(State(state): State<OpsState>) -> impl IntoResponse {
    let metrics = &state.metrics;
    // Counted when scraped: the database is the truth, and a gauge kept by hand could drift.
    match state.store.open_gate_count().await {
        Ok(count) => metrics.set_open_gates(count),
        Err(err) => warn!(error = %err, "open gates not counted; the gauge keeps its last value"),
    }
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], metrics.render())
}
