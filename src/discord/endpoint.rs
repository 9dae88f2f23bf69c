//! Discord's interactions endpoint (`INTERACTIONS_ADDR`): Discord POSTs every interaction here
//! instead of sending it over a gateway connection, so any replica behind a load balancer can
//! take any click. <https://discord.com/developers/docs/interactions/receiving-and-responding>
//!
//! Each POST is signed with the application's Ed25519 key over the timestamp and the raw body;
//! one that does not verify, or whose timestamp is stale (a replay), is answered 401, as Discord
//! requires. A PING is answered PONG. Anything else goes to the same [`dispatch`] as the gateway,
//! and the handler's initial response (a deferral, a modal, a sentence) becomes the body of the
//! answer to the POST; what follows (the edited answer, follow-ups) goes through the REST API as
//! in gateway mode.

use std::{sync::Arc, time::Duration};

use axum::{
    Json, Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use serenity::{
    all::{Http, Interaction},
    interactions_endpoint::Verifier,
};
use tokio::sync::oneshot;
use tracing::{debug, warn};

use super::{handler::dispatch, reply::answering_in_body};
use crate::discord::bridge::Bridge;

/// The path Discord is told to POST to (Developer Portal → General Information → Interactions
/// Endpoint URL, e.g. `https://bridge.example.com/interactions`).
pub const PATH: &str = "/interactions";

/// How far a request's signed timestamp may be from this machine's clock: older is a replay.
pub const SIGNATURE_WINDOW: Duration = Duration::from_secs(300);

/// How long the POST waits for the handler's initial response. Discord allows 3 s from sending;
/// the network takes part of that.
pub const ANSWER_WITHIN: Duration = Duration::from_millis(2_500);

/// What the endpoint needs.
#[derive(Clone)]
pub struct EndpointState {
    /// The running bridge.
    pub bridge: Arc<Bridge>,
    /// Discord's REST API, for everything after the initial response.
    pub http: Arc<Http>,
    /// Checks Discord's signature with the application's public key.
    pub verifier: Verifier,
}

impl EndpointState {
    /// The state for `bridge`, verifying with `public_key` (checked when the settings were read).
    pub fn new(bridge: Arc<Bridge>, http: Arc<Http>, public_key: [u8; 32]) -> anyhow::Result<Self> {
        let verifier =
            Verifier::try_new(public_key).map_err(|e| anyhow::anyhow!("DISCORD_PUBLIC_KEY: {e}"))?;
        Ok(Self { bridge, http, verifier })
    }
}

/// The endpoint's route, for the listener on `INTERACTIONS_ADDR`.
pub fn router(state: EndpointState) -> Router {
    Router::new().route(PATH, post(receive)).with_state(state)
}

async fn receive(State(state): State<EndpointState>, headers: HeaderMap, body: Bytes) -> Response {
    // On the shared clock, the database's: a replica whose own clock is wrong still takes clicks.
    if let Err(why) = verify(&state.verifier, &headers, &body, crate::store::now_ms() / 1000) {
        debug!(why, "interaction POST refused");
        return (StatusCode::UNAUTHORIZED, why).into_response();
    }
    let interaction: Interaction = match serde_json::from_slice(&body) {
        Ok(interaction) => interaction,
        Err(err) => {
            warn!(error = %err, "a signed interaction could not be read");
            return (StatusCode::BAD_REQUEST, "unreadable interaction").into_response();
        }
    };
    if let Interaction::Ping(_) = interaction {
        // Written out: serenity's `Pong` adds `"data": null`.
        return Json(serde_json::json!({ "type": 1 })).into_response();
    }
    let (slot, answer) = oneshot::channel();
    let interaction_id = interaction.id().get();
    let (bridge, http) = (state.bridge.clone(), state.http.clone());
    // The handler runs on after its initial response (a deferred decision is edited later), so
    // it is a task of its own; the POST waits only for that first response.
    tokio::spawn(answering_in_body(slot, async move { dispatch(&bridge, &http, &interaction).await }));
    match tokio::time::timeout(ANSWER_WITHIN, answer).await {
        Ok(Ok(response)) => Json(response).into_response(),
        Ok(Err(_)) => {
            warn!(interaction_id, "the interaction's handler ended without answering it");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Err(_) => {
            warn!(interaction_id, "no answer to the interaction within {ANSWER_WITHIN:?}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Checks a POST's signature headers over `body`, and that its timestamp is within
/// [`SIGNATURE_WINDOW`] of `now_secs`; the error says which check failed (for the 401's body).
fn verify(verifier: &Verifier, headers: &HeaderMap, body: &[u8], now_secs: i64) -> Result<(), &'static str> {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let signature = header("x-signature-ed25519").ok_or("missing X-Signature-Ed25519")?;
    let timestamp = header("x-signature-timestamp").ok_or("missing X-Signature-Timestamp")?;
    verifier.verify(signature, timestamp, body).map_err(|()| "invalid request signature")?;
    let signed_at: i64 = timestamp.parse().map_err(|_| "X-Signature-Timestamp is not unix seconds")?;
    let window = i64::try_from(SIGNATURE_WINDOW.as_secs()).unwrap_or(i64::MAX);
    if (now_secs - signed_at).abs() > window {
        return Err("stale X-Signature-Timestamp");
    }
    Ok(())
}
