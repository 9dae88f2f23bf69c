//! The operations listener on `HTTP_ADDR`: `GET /healthz` and `GET /metrics`.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Json, Router,
    extract::State,
    http::{StatusCode, header},
    response::IntoResponse,
    routing::get,
};
use serenity::gateway::{ConnectionStage, ShardManager};
use tokio::{net::TcpListener, sync::watch};
use tracing::warn;

use super::{
    health::{Probe, assess},
    metrics::CONTENT_TYPE,
};
use crate::{bridge::Bridge, store::now_ms};

/// How long `/healthz` waits for the database before calling it unresponsive.
pub const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

/// The listener could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("HTTP_ADDR {addr} could not be bound ({source}): choose a free address and port, or unset HTTP_ADDR")]
pub struct BindError {
    /// The address asked for.
    pub addr: SocketAddr,
    /// Why it failed.
    #[source]
    pub source: std::io::Error,
}

/// Opens the listener on `addr`.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, BindError> {
    TcpListener::bind(addr).await.map_err(|source| BindError { addr, source })
}

/// What the two endpoints read.
#[derive(Clone)]
pub struct OpsState {
    /// The running bridge.
    pub bridge: Arc<Bridge>,
    /// Whether READY came (see [`crate::app::App::connected`]).
    pub connected: watch::Receiver<bool>,
    /// serenity's shards, whose connection stage tells whether the gateway is up now.
    pub shards: Arc<ShardManager>,
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

/// Serves `router` on `listener` until `stop` turns true.
pub async fn serve(listener: TcpListener, state: OpsState, mut stop: watch::Receiver<bool>) {
    let stopped = async move {
        let _ = stop.wait_for(|stop| *stop).await;
    };
    if let Err(err) = axum::serve(listener, router(state)).with_graceful_shutdown(stopped).await {
        warn!(error = %err, "the health and metrics listener stopped");
    }
}

async fn healthz(State(state): State<OpsState>) -> impl IntoResponse {
    let database = match tokio::time::timeout(DATABASE_TIMEOUT, state.bridge.store.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => Err(err.to_string()),
        Err(_) => Err(format!("no answer within {DATABASE_TIMEOUT:?}")),
    };
    let probe = Probe {
        database,
        gateway_connected: gateway_connected(&state).await,
        shutting_down: state.bridge.is_shutting_down(),
        standby: state.standby.borrow().clone(),
        last_success_ms: state.bridge.poll_status().last_success_ms,
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
    if !*state.connected.borrow() {
        return false;
    }
    let runners = state.shards.runners.lock().await;
    !runners.is_empty() && runners.values().all(|runner| runner.stage == ConnectionStage::Connected)
}

async fn metrics(State(state): State<OpsState>) -> impl IntoResponse {
    let metrics = &state.bridge.metrics;
    // Counted when scraped: the database is the truth, and a gauge kept by hand could drift.
    match state.bridge.store.open_gate_count().await {
        Ok(count) => metrics.set_open_gates(count),
        Err(err) => warn!(error = %err, "open gates not counted; the gauge keeps its last value"),
    }
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], metrics.render())
}
