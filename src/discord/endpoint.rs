//! Discord's interactions endpoint (`INTERACTIONS_ADDR`): Discord POSTs every interaction here
//! instead of sending it over a gateway connection, so any replica behind a load balancer can
//! take any click. <https://discord.com/developers/docs/interactions/receiving-and-responding>
//!
//! Each POST is signed with the application's Ed25519 key over the timestamp and the raw body;
//! one that does not verify, or whose timestamp is stale or in the future, is answered 401, as
//! Discord requires. A signature stays valid for its whole window, so a captured POST could be
//! sent again: each interaction's id is recorded in the store, where every replica sees it, and
//! a repeated id is refused with nothing done (one interaction, one effect). Every refusal is
//! counted and logged (see [`Refusals`]). The gateway needs no such record: its events come over
//! one TLS connection the bridge opened to Discord, nobody else can put one there, and a resumed
//! session replays only events that were never delivered.
//!
//! A PING is answered PONG. Anything else goes to the same [`dispatch`] as the gateway, and the
//! handler's initial response (a deferral, a modal, a sentence) becomes the body of the answer to
//! the POST; what follows (the edited answer, follow-ups) goes through the REST API as in gateway
//! mode.

use std::{sync::Arc, time::Duration};

use axum::{
    Extension, Json, Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use serenity::{all::Interaction, interactions_endpoint::Verifier};
use tokio::sync::oneshot;
use tracing::warn;

use super::{handler::dispatch, reply::answering_in_body};
use crate::{
    config::InteractionsEndpoint,
    discord::bridge::Bridge,
    ops::{
        http::{Arrival, Limits},
        refusals::{Refusal, Refusals},
    },
};

/// The path Discord is told to POST to (Developer Portal → General Information → Interactions
/// Endpoint URL, e.g. `https://bridge.example.com/interactions`).
pub const PATH: &str = "/interactions";

/// How old a request's signed timestamp may be by this machine's clock: older is a replay.
pub const SIGNATURE_WINDOW: Duration = Duration::from_secs(300);

/// How far ahead of this machine's clock a signed timestamp may be (the two clocks' skew):
/// further ahead, it was not signed by Discord now.
pub const CLOCK_SKEW: Duration = Duration::from_secs(30);

/// How long the POST waits for the handler's initial response, from the request's first byte.
/// Discord allows 3 s from sending; the network takes part of that.
pub const ANSWER_WITHIN: Duration = Duration::from_millis(2_500);

/// How long an interaction's id is kept: longer than any signature is accepted (its window and
/// the clock skew after it), so a replay finds it while its signature still verifies.
pub const KEEP_IDS: Duration = Duration::from_secs(600);

/// The request deadline: from its first byte to the end of its body. Discord sends a POST whole
/// at once (a few hundred milliseconds at worst across the world); a client that takes longer
/// holds a connection for nothing.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(1);

/// The largest body accepted. The largest interaction this bridge receives is a click on one of
/// its own cards, which Discord sends with the whole card: content up to 2,000 characters, embeds
/// up to 6,000, components (five rows of buttons, or a select menu of 25 options of up to 300
/// characters: 7,500), up to ten attachments with their URLs (about 5 KB), and the member, user
/// and channel around it (a few KB). At four bytes a character (JSON escapes of quotes add a
/// little) that stays under 80 KB; the reason form adds at most 500 characters. 256 KiB is three
/// times that worst case.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// What the endpoint needs.
#[derive(Clone)]
pub struct EndpointState {
    /// The running bridge.
    pub bridge: Arc<Bridge>,
    /// Checks Discord's signature with the application's public key.
    pub verifier: Verifier,
    /// Counts and logs what is refused.
    pub refusals: Refusals,
}

impl EndpointState {
    /// The state for `bridge`, verifying with `public_key` (checked when the settings were read).
    pub fn new(bridge: Arc<Bridge>, public_key: [u8; 32]) -> anyhow::Result<Self> {
        let verifier =
            Verifier::try_new(public_key).map_err(|e| anyhow::anyhow!("DISCORD_PUBLIC_KEY: {e}"))?;
        let refusals = Refusals::new("interactions", bridge.metrics.clone());
        Ok(Self { bridge, verifier, refusals })
    }
}

/// What one client may cost the listener on `INTERACTIONS_ADDR`.
pub fn limits(settings: &InteractionsEndpoint) -> Limits {
    Limits {
        idle_timeout: settings.idle_timeout,
        request_deadline: REQUEST_DEADLINE,
        // Discord's POSTs come from many addresses; one of them holding 64 at once would be
        // 64 clicks in the same instant.
        max_connections: 512,
        max_per_peer: 64,
        max_request_bytes: MAX_BODY_BYTES,
        trusted_proxies: settings.trusted_proxies.clone(),
        ..Limits::default()
    }
}

/// The endpoint's route, for the listener on `INTERACTIONS_ADDR`.
pub fn router(state: EndpointState) -> Router {
    Router::new().route(PATH, post(receive)).with_state(state)
}

async fn receive(
    State(state): State<EndpointState>,
    Extension(arrival): Extension<Arrival>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // On the shared clock, the database's: a replica whose own clock is wrong still takes clicks.
    if let Err((refusal, why)) = verify(&state.verifier, &headers, &body, crate::store::now_ms() / 1000) {
        state.refusals.refused(refusal, arrival.client);
        return (StatusCode::UNAUTHORIZED, why).into_response();
    }
    let interaction: Interaction = match serde_json::from_slice(&body) {
        Ok(interaction) => interaction,
        Err(err) => {
            warn!(error = %err, "a signed interaction could not be read");
            return (StatusCode::BAD_REQUEST, "unreadable interaction").into_response();
        }
    };
    match interaction {
        // Written out: serenity's `Pong` adds `"data": null`.
        Interaction::Ping(_) => return Json(serde_json::json!({ "type": 1 })).into_response(),
        // Suggestions change nothing: a repeated one is harmless, and not worth a write.
        Interaction::Autocomplete(_) => {}
        _ => {
            if let Err(refused) = first_sighting(&state, &interaction, arrival).await {
                return refused;
            }
        }
    }
    let (slot, answer) = oneshot::channel();
    let interaction_id = interaction.id().get();
    let bridge = state.bridge.clone();
    // The handler runs on after its initial response (a deferred decision is edited later), so
    // it is a task of its own; the POST waits only for that first response.
    tokio::spawn(answering_in_body(slot, async move { dispatch(&bridge, &interaction).await }));
    match tokio::time::timeout_at(arrival.started + ANSWER_WITHIN, answer).await {
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

/// Records the interaction's id; a replay (an id taken before, by any replica) is refused with
/// 401 and nothing done. When the id cannot be recorded, nothing is done either.
async fn first_sighting(
    state: &EndpointState,
    interaction: &Interaction,
    arrival: Arrival,
) -> Result<(), Response> {
    let id = interaction.id().get();
    let now_ms = crate::store::now_ms();
    let keep_ms = i64::try_from(KEEP_IDS.as_millis()).unwrap_or(i64::MAX);
    match state.bridge.store.first_sighting(id, now_ms, now_ms - keep_ms).await {
        Ok(true) => Ok(()),
        Ok(false) => {
            state.refusals.refused(Refusal::Replay, arrival.client);
            Err((StatusCode::UNAUTHORIZED, "interaction already received").into_response())
        }
        Err(err) => {
            warn!(interaction_id = id, error = %err, "the interaction's id could not be recorded; it was not handled");
            Err(StatusCode::SERVICE_UNAVAILABLE.into_response())
        }
    }
}

/// Checks a POST's signature headers over `body`, and that its timestamp is at most
/// [`SIGNATURE_WINDOW`] before `now_secs` and at most [`CLOCK_SKEW`] after; the error says which
/// check failed (the text for the 401's body).
fn verify(
    verifier: &Verifier,
    headers: &HeaderMap,
    body: &[u8],
    now_secs: i64,
) -> Result<(), (Refusal, &'static str)> {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let bad = |why| (Refusal::BadSignature, why);
    let signature = header("x-signature-ed25519").ok_or(bad("missing X-Signature-Ed25519"))?;
    let timestamp = header("x-signature-timestamp").ok_or(bad("missing X-Signature-Timestamp"))?;
    verifier.verify(signature, timestamp, body).map_err(|()| bad("invalid request signature"))?;
    let stale = (Refusal::StaleTimestamp, "stale X-Signature-Timestamp");
    let signed_at: i64 = timestamp.parse().map_err(|_| stale)?;
    let secs = |d: Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    if now_secs.saturating_sub(signed_at) > secs(SIGNATURE_WINDOW) {
        return Err(stale);
    }
    if signed_at.saturating_sub(now_secs) > secs(CLOCK_SKEW) {
        return Err((Refusal::FutureTimestamp, "X-Signature-Timestamp is in the future"));
    }
    Ok(())
}
