//! A thread per card (`CARD_THREADS`, or a route's `threads` option): started from the card once
//! it is posted, archived by Discord after a day of quiet, and where the card's pings go (see
//! [`super::reminders`]) and reviewers discuss. Once the card shows the gate closed, the thread
//! gets one message saying how, and is archived. The bot started the thread, so archiving it
//! needs no Manage Threads.
//!
//! Without Create Public Threads in the channel the card says why it has no thread, once, and
//! its pings stay replies in the channel.
//! <https://discord.com/developers/docs/resources/channel#start-thread-from-message>

use std::sync::Arc;

use serenity::{
    all::{
        AutoArchiveDuration, ChannelId, CreateAllowedMentions, CreateMessage, CreateThread, EditThread,
        MessageId, Permissions,
    },
    http::Http,
};
use tracing::{info, warn};

use super::render::{cut, outcome, rerun};
use crate::{
    guild::{
        api_error::{discord_error_code, is_refusal},
        permissions::{NEEDS, name},
    },
    routes::Routes,
    store::{Approval, Store, StoreError},
};

/// Discord's error when a message already has a thread: one started before a crash.
const THREAD_ALREADY_CREATED: isize = 160_004;

/// The longest thread name Discord takes.
const NAME_CHARS: usize = 100;

/// The longest message Discord takes.
const MESSAGE_CHARS: usize = 2000;

/// Starts the thread of the card `message_id` of `approval`, when its route asks for one and it
/// has none yet. A failure costs the thread, never the card: its pings are replies instead.
pub(super) async fn start(
    (discord, store, routes): (&Http, &Store, &Routes),
    approval: &Approval,
    message_id: MessageId,
) -> Result<(), StoreError> {
    let thread = &approval.thread;
    if thread.id.is_some() || thread.missing.is_some() || !routes.threads_for(&approval.workflow_id) {
        return Ok(());
    }
    let named = cut(&format!("{} · run {}", approval.snapshot.workflow_name, approval.job_id), NAME_CHARS);
    let builder = CreateThread::new(named).auto_archive_duration(AutoArchiveDuration::OneDay);
    let started = approval.channel_id.create_thread_from_message(discord, message_id, builder).await;
    match started {
        Ok(thread) => {
            store.thread_started(approval.id, thread.id).await?;
            info!(thread_id = thread.id.get(), "card thread started");
        }
        // A thread started from a message has the message's id.
        Err(err) if discord_error_code(&err) == Some(THREAD_ALREADY_CREATED) => {
            store.thread_started(approval.id, ChannelId::new(message_id.get())).await?;
        }
        Err(err) if is_refusal(&err) => {
            warn!(error = %err, "no thread for the card: a permission is missing; pings are replies");
            store.no_thread(approval.id, &missing()).await?;
        }
        Err(err) => warn!(error = %err, "the card's thread was not started; pings are replies"),
    }
    Ok(())
}

/// Why a card has no thread, as the card says it.
fn missing() -> String {
    let need = NEEDS.iter().find(|n| n.permission == Permissions::CREATE_PUBLIC_THREADS);
    let without = need.map_or("", |n| n.without);
    format!("No thread: the bot lacks {} here — {without}.", name(Permissions::CREATE_PUBLIC_THREADS))
}

/// Closes the thread of `approval` once its card shows the gate closed, in a task of its own:
/// the card's writer (a click's answer among them) does not wait for the thread.
pub(super) fn close_soon(discord: &Arc<Http>, store: &Store, approval: &Approval) {
    let Some(thread) = approval.thread.open().filter(|_| approval.state.is_final()) else { return };
    let (discord, store, approval) = (discord.clone(), store.clone(), approval.clone());
    tokio::spawn(async move {
        if let Err(err) = close(&discord, &store, &approval, thread).await {
            warn!(approval_id = approval.id.get(), error = %err, "the card's thread was not closed");
        }
    });
}

/// Closes `thread`, of `approval`: one message saying how the gate closed (the decision, its note
/// or reason, a re-run asked), then archived. Taken in the store first, so a thread is closed
/// once however often its card is written; a failure is logged, and the thread archives itself
/// after a day of quiet.
async fn close(
    discord: &Http,
    store: &Store,
    approval: &Approval,
    thread: ChannelId,
) -> Result<(), StoreError> {
    if !store.closing_thread(approval.id).await? {
        return Ok(());
    }
    let mut lines = vec![format!("This gate is closed. {}", outcome(approval).unwrap_or_default())];
    lines.extend(rerun::fields(&approval.progress.rerun).into_iter().map(|(_, line)| line));
    let text = cut(&lines.join("\n"), MESSAGE_CHARS);
    // The closing line names who decided without pinging them.
    let message = CreateMessage::new().content(text).allowed_mentions(CreateAllowedMentions::new());
    if let Err(err) = thread.send_message(discord, message).await {
        warn!(thread_id = thread.get(), error = %err, "the card's thread did not take its closing message");
    }
    match thread.edit_thread(discord, EditThread::new().archived(true)).await {
        Ok(_) => info!(thread_id = thread.get(), "card thread closed"),
        Err(err) => warn!(thread_id = thread.get(), error = %err, "the card's thread was not archived"),
    }
    Ok(())
}
