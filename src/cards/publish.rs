//! Posting and editing review cards: the one place that writes cards to Discord.

use std::{sync::Arc, time::Duration};

use serde_json::Value;
use serenity::{
    all::{ChannelId, LightMethod, MessageId},
    http::{Http, Request, Route},
};
use tracing::{info, instrument, warn};

use super::{
    attach::{edit_card, post_card},
    custom_id::{CardAction, CardCustomId},
    previews::{Fetched, Previews},
    progress::{Sources, progress},
    threads,
    turns::CardTurns,
};
use crate::{
    approvals::state::ApprovalState,
    guild::{
        api_error::{UNKNOWN_CHANNEL, UNKNOWN_MESSAGE, discord_error_code, is_refusal},
        electorate::Members,
        home::HomeServer,
        permissions::BotMember,
    },
    metrics::Metrics,
    routes::Routes,
    scenario::ScenarioClient,
    store::{Approval, Store, now_ms},
};

/// How long Discord is trusted to answer a repeated post with the first message (nonce with
/// `enforce_nonce`). Discord documents "a few minutes" without a number; past this, the
/// channel is searched for the card before posting again.
pub const NONCE_TRUST: Duration = Duration::from_secs(120);

/// What writing cards takes, built once and shared by the watcher and the handlers: card
/// writing depends on these alone, not on the rest of the bridge.
pub struct CardWriter {
    store: Store,
    discord: Arc<Http>,
    scenario: ScenarioClient,
    routes: Arc<Routes>,
    home: Arc<HomeServer>,
    previews: Previews,
    turns: CardTurns,
    metrics: Metrics,
    replica: String,
}

impl CardWriter {
    /// A writer of cards through `discord`, with `previews`; `routes` and `home` tell where a
    /// card may go.
    pub fn new(
        store: Store,
        discord: Arc<Http>,
        scenario: ScenarioClient,
        routes: Arc<Routes>,
        home: Arc<HomeServer>,
        previews: Previews,
    ) -> Self {
        let (metrics, turns) = (scenario.metrics().clone(), CardTurns::default());
        Self { store, discord, scenario, routes, home, previews, turns, metrics, replica: String::new() }
    }

    /// What cards' previews and links may come from.
    pub fn previews(&self) -> &Previews {
        &self.previews
    }

    /// Who may still decide gates, asked of the same Discord under the same routes: whose
    /// approvals count.
    pub fn electorate(&self) -> Members {
        Members::new(self.discord.clone(), self.home.clone(), self.routes.clone(), self.store.clone())
    }

    /// The same writer for replica `name` (the name in its claim tokens and heartbeat), under
    /// which it takes its turns on cards shared with other replicas.
    pub fn for_replica(mut self, name: &str) -> Self {
        name.clone_into(&mut self.replica);
        self
    }
}

/// What became of a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synced {
    /// A new card was posted (or Discord returned the one already posted with its nonce).
    Posted,
    /// The card was edited to show the approval's state.
    Updated,
    /// The card is gone (deleted by a person); the row now says so.
    Deleted,
    /// Nothing to do.
    Unchanged,
}

/// Brings the card of `approval` in line with its state: posts it when it has none yet, edits it
/// when it no longer shows the state. An open card's missing previews are fetched first, before
/// its turn (see [`fetch_previews`]).
pub async fn sync_card(cards: &CardWriter, approval: &Approval) -> Result<Synced, CardError> {
    let fetched = fetch_previews(cards, approval).await;
    sync_card_with(cards, approval, fetched).await
}

/// Like [`sync_card`], downloading nothing: for a click's answer, which must not wait for an
/// image. A missing preview stays missing until the watcher's next edit of the card.
pub async fn sync_card_now(cards: &CardWriter, approval: &Approval) -> Result<Synced, CardError> {
    sync_card_with(cards, approval, Fetched::default()).await
}

/// The previews an open card of `approval` lacks, made within the card's time budget, outside
/// its turn: a slow image holds neither the card's other writers (a decision) nor other cards.
/// A decided card fetches nothing, so a decision's card never waits for a download.
#[instrument(skip_all, fields(approval_id = approval.id.get(), job_id = %approval.job_id, node_id = %approval.node_id))]
pub async fn fetch_previews(cards: &CardWriter, approval: &Approval) -> Fetched {
    if approval.state != ApprovalState::Pending || approval.card_deleted {
        return Fetched::default();
    }
    let existing = match approval.message_id {
        None => Vec::new(),
        Some(message_id) => match approval.channel_id.message(&cards.discord, message_id).await {
            Ok(message) => message.attachments,
            // The write reads the card again and says what is wrong.
            Err(_) => return Fetched::default(),
        },
    };
    cards.previews.fetch(&cards.scenario, &approval.snapshot, &existing).await
}

/// Writes the card of `approval` with the previews `fetched` for it.
///
/// Cards never go backwards: the watcher's pass and a click's decision both write cards, each
/// from a copy of the row read a moment before. Writers of one card take turns, and each renders
/// the row as it stands once its turn comes, so a render of an older row never lands after a
/// newer one. Replicas sharing a database take turns as well, through a row in the store, renewed
/// while the write lasts (a write waiting on slow previews or a slow Discord keeps its turn).
/// Should a turn still be lost mid-write (the database unreachable for longer than a turn), the
/// write is fenced by its number (`Store::card_updated`): of two writes that raced, neither
/// counts as current, and the next pass writes the card again from the row.
#[instrument(skip_all, fields(approval_id = approval.id.get(), job_id = %approval.job_id, node_id = %approval.node_id))]
pub async fn sync_card_with(
    cards: &CardWriter,
    approval: &Approval,
    fetched: Fetched,
) -> Result<Synced, CardError> {
    let _turn = cards.turns.take(approval.id).await;
    let shared = cards.store.is_shared();
    if shared && !take_shared_turn(cards, approval.id.get()).await? {
        // Another replica's write outlasted the wait: the row is not current, so the watcher
        // edits the card on a later pass.
        warn!("another replica kept writing this card; it is brought up to date later");
        return Ok(Synced::Unchanged);
    }
    let write = async {
        let Some((mut current, write)) = cards.store.begin_card_write(approval.id).await? else {
            return Ok(Synced::Unchanged);
        };
        let sources = Sources {
            store: &cards.store,
            routes: &cards.routes,
            home: cards.home.id(),
            electorate: cards.electorate(),
        };
        current.progress = progress(&sources, &current).await?;
        write_card(cards, &current, write, fetched).await
    };
    let written = if shared {
        tokio::select! {
            written = write => written,
            never = keep_shared_turn(cards, approval.id.get()) => match never {},
        }
    } else {
        write.await
    };
    if shared {
        cards.store.end_card_turn(approval.id.get(), &cards.replica).await?;
    }
    written
}

/// How long a replica's turn on a card lasts if it is not ended (it stopped mid-write), and how
/// long another replica waits for it.
const SHARED_TURN: Duration = Duration::from_secs(60);

/// Waits (up to [`SHARED_TURN`]) for this replica's turn on the card of approval `id`, taking it
/// at once from a replica that stopped.
async fn take_shared_turn(cards: &CardWriter, id: i64) -> Result<bool, CardError> {
    let owner = cards.replica.as_str();
    let waited = std::time::Instant::now();
    let mut dead = None;
    loop {
        let now = now_ms();
        let Some(holder) =
            cards.store.take_card_turn(id, owner, now, turn_ends(now), dead.as_deref()).await?
        else {
            return Ok(true);
        };
        if waited.elapsed() >= SHARED_TURN {
            return Ok(false);
        }
        // A replica that stopped mid-write (killed) never ends its turn: taken over at once.
        if crate::lease::replica_runs(&cards.store, &holder).await? {
            dead = None;
            tokio::time::sleep(Duration::from_millis(20)).await;
        } else {
            dead = Some(holder);
        }
    }
}

/// Renews this replica's turn on the card of approval `id` every third of [`SHARED_TURN`], for
/// as long as its write lasts (the caller drops this when the write ends).
async fn keep_shared_turn(cards: &CardWriter, id: i64) -> std::convert::Infallible {
    loop {
        tokio::time::sleep(SHARED_TURN / 3).await;
        let now = now_ms();
        match cards.store.take_card_turn(id, &cards.replica, now, turn_ends(now), None).await {
            Ok(None) => {}
            Ok(Some(holder)) => {
                warn!(%holder, "this replica's turn on the card was taken; its write is fenced")
            }
            Err(err) => warn!(error = %err, "the turn on the card could not be renewed; its write is fenced"),
        }
    }
}

/// When a turn taken or renewed at `now` ends.
fn turn_ends(now: i64) -> i64 {
    now.saturating_add(i64::try_from(SHARED_TURN.as_millis()).unwrap_or(i64::MAX))
}

/// Writes the card of `approval` as write number `write` (see [`sync_card_with`]), with the
/// previews `fetched` for it.
async fn write_card(
    cards: &CardWriter,
    approval: &Approval,
    write: i64,
    fetched: Fetched,
) -> Result<Synced, CardError> {
    if approval.card_deleted {
        return Ok(Synced::Unchanged);
    }
    match approval.message_id {
        None => {
            if let Some(found) = card_already_posted(cards, approval).await? {
                // Posted before a crash, long enough ago that Discord may have forgotten the
                // nonce. It was rendered open; `card_posted` marks it stale if the row moved on.
                cards.store.card_posted(approval.id, found, ApprovalState::Pending).await?;
                info!(message_id = found.get(), "card found in the channel, not posted again");
                threads::start((&cards.discord, &cards.store, &cards.routes), approval, found).await?;
                return Ok(Synced::Posted);
            }
            // Routes were checked when saved; checked again here, so a route saved before the
            // bridge served one server (or a database edited by hand) posts nothing elsewhere.
            let roles = cards.routes.reviewer_roles_for(&approval.workflow_id);
            let channel = approval.channel_id;
            if let Some(stranger) = cards.home.stranger_in(&cards.discord, channel, &roles).await? {
                return Err(CardError::OutsideHome(stranger));
            }
            cards.store.card_attempted(approval.id).await?;
            let posted = post_card(&cards.discord, &cards.previews, approval, fetched).await;
            let message = match posted {
                Ok(message) => message,
                Err(err) => return Err(refused(cards, channel, err).await),
            };
            let (message, drawn) = (message.message, message.drawn);
            cards.store.card_posted(approval.id, message.id, approval.state).await?;
            if !drawn {
                cards.store.card_outdated(approval.id).await?;
            }
            cards.metrics.card_posted();
            info!(message_id = message.id.get(), channel_id = approval.channel_id.get(), "card posted");
            threads::start((&cards.discord, &cards.store, &cards.routes), approval, message.id).await?;
            Ok(Synced::Posted)
        }
        Some(message_id) => {
            let edit = edit_card(&cards.discord, &cards.previews, approval, message_id, fetched);
            match edit.await {
                Ok(_) => {
                    cards.store.card_updated(approval.id, approval.state, write).await?;
                    threads::close_soon(&cards.discord, &cards.store, approval);
                    Ok(Synced::Updated)
                }
                Err(err) if is_gone(&err) => {
                    warn!(message_id = message_id.get(), "the card was deleted; it will not be edited again");
                    cards.store.card_deleted(approval.id).await?;
                    Ok(Synced::Deleted)
                }
                Err(err) => Err(refused(cards, approval.channel_id, err).await),
            }
        }
    }
}

/// The error of a card Discord refused in `channel`: when for want of a permission, which one,
/// asked of Discord (so an admin reads what to grant, not "Missing Permissions").
async fn refused(cards: &CardWriter, channel: ChannelId, err: serenity::Error) -> CardError {
    if !is_refusal(&err) {
        return err.into();
    }
    let lacking = match BotMember::load(&cards.discord, cards.home.id()).await {
        Ok(bot) => match bot.lacking_in(&cards.discord, channel).await {
            Ok(lacking) => lacking.required_line(&format!("<#{channel}>"), bot.role_name()),
            Err(_) => None,
        },
        Err(_) => None,
    };
    match lacking {
        Some(line) => CardError::NoPermission { channel, line },
        None => err.into(),
    }
}

/// The card of `approval` among the channel's latest messages, when an earlier try to post it
/// is older than [`NONCE_TRUST`] (so its outcome is unknown and the nonce may be forgotten).
/// A card is recognised by its Approve button (Confirm on a selection card), whose `custom_id`
/// names the approval, at any depth of its components. The messages are read as JSON: serenity
/// 0.12 drops the component layout's containers when it parses a message.
async fn card_already_posted(
    cards: &CardWriter,
    approval: &Approval,
) -> Result<Option<MessageId>, CardError> {
    let trusted_since = now_ms() - i64::try_from(NONCE_TRUST.as_millis()).unwrap_or(i64::MAX);
    if approval.card_attempted_at.is_none_or(|at| at > trusted_since) {
        return Ok(None);
    }
    let button =
        if approval.snapshot.selection.is_some() { CardAction::Confirm } else { CardAction::Approve };
    let approve = CardCustomId::new(button, approval.id).to_string();
    let route = Route::ChannelMessages { channel_id: approval.channel_id };
    let request = Request::new(route, LightMethod::Get).params(Some(vec![("limit", "100".to_owned())]));
    let recent: Vec<Value> = cards.discord.fire(request).await?;
    let found = recent.iter().find(|message| has_custom_id(&message["components"], &approve));
    Ok(found.and_then(|m| m["id"].as_str()?.parse().ok()).map(MessageId::new))
}

/// Whether any component in `components`, nested ones included, carries `custom_id`.
fn has_custom_id(components: &Value, custom_id: &str) -> bool {
    components.as_array().into_iter().flatten().any(|component| {
        component["custom_id"] == custom_id || has_custom_id(&component["components"], custom_id)
    })
}

fn is_gone(err: &serenity::Error) -> bool {
    discord_error_code(err).is_some_and(|code| code == UNKNOWN_MESSAGE || code == UNKNOWN_CHANNEL)
}

/// A card could not be written.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    /// Discord refused or did not answer.
    #[error("Discord: {0}")]
    Discord(#[from] serenity::Error),
    /// The outcome could not be stored.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Discord refused the card for want of a permission in its channel; the gate waits.
    #[error("{line}")]
    NoPermission {
        /// The channel.
        channel: ChannelId,
        /// What is missing and what to do, for an admin.
        line: String,
    },
    /// The card's route names a channel or role of another server; nothing was posted.
    #[error("not posted: the route's {0}; route the workflow again with /approvals watch")]
    OutsideHome(String),
}
