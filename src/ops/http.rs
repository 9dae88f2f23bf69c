//! The operations listener on `HTTP_ADDR`: `GET /healthz` and `GET /metrics`.
//!
//! Whoever can reach `HTTP_ADDR` can talk to it, so it keeps [`Limits`]: a client must send its
//! request head in time, only so many connections are served at once (the rest are answered
//! 503 and closed), requests are small, and at shutdown idle connections are closed at once and
//! busy ones get a short grace.

use std::{sync::Arc, time::Duration};

use axum::{
    Json, Router,
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
use tracing::{debug, warn};

use super::health::{Probe, assess};
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
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time to send a whole request head; a slower client is disconnected.
    pub header_read_timeout: Duration,
    /// Connections served at once; one more is answered 503 and closed.
    pub max_connections: usize,
    /// The largest request head, and the largest body, in bytes.
    pub max_request_bytes: usize,
    /// How long requests in flight may take to finish at shutdown.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(5),
            max_connections: 64,
            // hyper's smallest read buffer: ample for a probe or a scrape request.
            max_request_bytes: 8_192,
            shutdown_grace: Duration::from_secs(2),
        }
    }
}

/// What a connection over the cap reads before it is closed.
const BUSY: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\nretry-after: 1\r\n\r\n";

/// Serves `router` on `listener` with the default [`Limits`] until `stop` turns true.
pub async fn serve(listener: TcpListener, state: OpsState, stop: watch::Receiver<bool>) {
    serve_with_limits(listener, router(state), Limits::default(), stop).await;
}

/// Serves `app` on `listener` within `limits` until `stop` turns true, then closes idle
/// connections at once and waits at most `limits.shutdown_grace` for the others.
pub async fn serve_with_limits(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    let app = app.layer(middleware::from_fn_with_state(limits.max_request_bytes, refuse_large_bodies));
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let connections = TaskTracker::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    // Out of file descriptors, most likely: let connections end before the next.
                    warn!(error = %err, "the health and metrics listener could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            // Over the cap: no task, no read. A fresh socket has room for these bytes.
            let _ = stream.try_write(BUSY);
            debug!("health and metrics connection refused: too many open");
            continue;
        };
        let connection = serve_connection(stream, app.clone(), limits, stop.clone());
        connections.spawn(async move {
            connection.await;
            drop(slot);
        });
    }
    connections.close();
    // Each connection ends within the grace by itself; this bound is for certainty.
    let _ = tokio::time::timeout(limits.shutdown_grace * 2, connections.wait()).await;
}

async fn serve_connection(stream: TcpStream, app: Router, limits: Limits, mut stop: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_request_bytes.max(8_192));
    let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => return,
        () = stopped(&mut stop) => {}
    }
    // Closes an idle connection now; lets a request in flight finish, within the grace.
    connection.as_mut().graceful_shutdown();
    let _ = tokio::time::timeout(limits.shutdown_grace, connection).await;
}

/// Completes once `stop` is true (or its sender is gone). The watch's guard is dropped inside,
/// so the future stays `Send`.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Both routes are `GET`s: a request announcing a body over the limit (or one of unknown
/// length) is answered 413 before anything reads it.
async fn refuse_large_bodies(State(max): State<usize>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let length = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    let unknown_length = headers.contains_key(header::TRANSFER_ENCODING);
    if unknown_length || length.is_some_and(|n| n > max) {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request too large\n").into_response();
    }
    next.run(request).await
}

async fn healthz(State(state): State<OpsState>) -> impl IntoResponse {
    let database = match tokio::time::timeout(DATABASE_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => Err(err.to_string()),
        Err(_) => Err(format!("no answer within {DATABASE_TIMEOUT:?}")),
    };
    let probe = Probe {
        database,
        gateway_connected: gateway_connected(&state).await,
        serves_interactions: state.shards.is_none(),
        shutting_down: state.shutdown.is_cancelled(),
        standby: state.standby.borrow().clone(),
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
