//! Short ephemeral answers: what a person sees after a click or a command, and the one place a
//! refusal becomes that answer.

use std::sync::{
    Mutex, PoisonError,
    atomic::{AtomicBool, Ordering},
};

use serenity::{
    all::{
        CommandInteraction, ComponentInteraction, CreateInteractionResponse,
        CreateInteractionResponseMessage, EditInteractionResponse, Http, Interaction, InteractionId,
        ModalInteraction,
    },
    builder::Builder as _,
};
use tokio::sync::oneshot;

use super::refusal::Refusal;

tokio::task_local! {
    /// Set by the interactions endpoint around a handler: the initial response goes back to
    /// Discord as the body of the answer to its POST, rather than to the callback endpoint.
    static IN_BODY: Mutex<Option<oneshot::Sender<CreateInteractionResponse>>>;
}

/// Runs `handler` with its initial response sent into `slot`, for the interactions endpoint to
/// return as its HTTP answer.
pub async fn answering_in_body<F: Future>(
    slot: oneshot::Sender<CreateInteractionResponse>,
    handler: F,
) -> F::Output {
    IN_BODY.scope(Mutex::new(Some(slot)), handler).await
}

/// Sends the initial response to interaction `id`: as the body of the HTTP answer when the
/// interaction came by POST and that POST still waits for it, else to the callback endpoint.
pub async fn respond(
    http: &Http,
    id: InteractionId,
    token: &str,
    mut response: CreateInteractionResponse,
) -> serenity::Result<()> {
    let slot = IN_BODY.try_with(|slot| slot.lock().unwrap_or_else(PoisonError::into_inner).take());
    if let Ok(Some(slot)) = slot {
        // As the callback would: the client's default allowed mentions apply.
        if let CreateInteractionResponse::Message(msg) | CreateInteractionResponse::Defer(msg) = &mut response
        {
            if let Some(mentions) = http.default_allowed_mentions.clone() {
                *msg = std::mem::take(msg).allowed_mentions(mentions);
            }
        }
        // The endpoint gave up waiting (past Discord's 3 s): too late for the body, and for
        // the callback as well; the callback's refusal is the error.
        match slot.send(response) {
            Ok(()) => return Ok(()),
            Err(unsent) => response = unsent,
        }
    }
    response.execute(http, (id, token)).await
}

/// Why a request was not carried out: a refusal, which the person reads and can act on, or a
/// failure, which goes to the log (the person reads [`failure_text`]).
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The person may not, or the thing cannot be done: [`Refusal`] says why and what to do.
    #[error("refused: {}", .0.code())]
    Refused(Refusal),
    /// Something failed.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// What a handler step returns: its result, or why the request stops there.
pub type Handled<T> = Result<T, HandlerError>;

/// Stops a request with `refusal` as the person's answer.
pub fn refuse<T>(refusal: Refusal) -> Handled<T> {
    Err(HandlerError::Refused(refusal))
}

impl From<crate::store::StoreError> for HandlerError {
    fn from(err: crate::store::StoreError) -> Self {
        Self::Failed(err.into())
    }
}

impl From<serenity::Error> for HandlerError {
    fn from(err: serenity::Error) -> Self {
        Self::Failed(err.into())
    }
}

/// An interaction the bridge can answer, the client it answers through, and whether its answer
/// was deferred.
pub struct Answerable<'a> {
    http: &'a Http,
    kind: Kind<'a>,
    deferred: AtomicBool,
}

/// The kinds of interaction the bridge answers.
enum Kind<'a> {
    /// A button click.
    Component(&'a ComponentInteraction),
    /// A submitted modal.
    Modal(&'a ModalInteraction),
    /// A slash command.
    Command(&'a CommandInteraction),
}

impl<'a> Answerable<'a> {
    /// The answerable part of `interaction`, answered through `http`, if it has one.
    pub fn of(http: &'a Http, interaction: &'a Interaction) -> Option<Self> {
        let kind = match interaction {
            Interaction::Component(i) => Kind::Component(i),
            Interaction::Modal(i) => Kind::Modal(i),
            Interaction::Command(i) => Kind::Command(i),
            _ => return None,
        };
        Some(Self { http, kind, deferred: AtomicBool::new(false) })
    }

    /// The interaction's id and token, which its answers go to.
    fn target(&self) -> (InteractionId, &str) {
        match self.kind {
            Kind::Component(i) => (i.id, &i.token),
            Kind::Modal(i) => (i.id, &i.token),
            Kind::Command(i) => (i.id, &i.token),
        }
    }

    /// Answers with `text`: in place of the deferred answer if there is one, else at once.
    pub async fn reply(&self, text: impl Into<String>) -> serenity::Result<()> {
        if self.deferred.load(Ordering::SeqCst) { self.finish(text).await } else { self.say(text).await }
    }

    /// Tells the person that their request failed because of `err`, whether or not it was
    /// acknowledged already.
    pub async fn failed(&self, err: &anyhow::Error) {
        let text = failure_text(err);
        if self.finish(&text).await.is_err() {
            let _ = self.say(text).await;
        }
    }

    /// Answers at once (as the initial response) with `response`.
    pub async fn respond(&self, response: CreateInteractionResponse) -> serenity::Result<()> {
        let (id, token) = self.target();
        respond(self.http, id, token, response).await
    }

    /// Answers at once with an ephemeral sentence (as the initial response).
    pub async fn say(&self, text: impl Into<String>) -> serenity::Result<()> {
        let message = CreateInteractionResponseMessage::new().content(text).ephemeral(true);
        self.respond(CreateInteractionResponse::Message(message)).await
    }

    /// Acknowledges at once; the answer follows with [`Self::finish`]. The person sees that the
    /// bridge is working, privately.
    pub async fn defer(&self) -> serenity::Result<()> {
        let message = CreateInteractionResponseMessage::new().ephemeral(true);
        self.respond(CreateInteractionResponse::Defer(message)).await?;
        self.deferred.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// Replaces the deferred answer with `text`.
    pub async fn finish(&self, text: impl Into<String>) -> serenity::Result<()> {
        self.edit(EditInteractionResponse::new().content(text)).await
    }

    /// Replaces the deferred answer with `edit`.
    pub async fn edit(&self, edit: EditInteractionResponse) -> serenity::Result<()> {
        match self.kind {
            Kind::Component(i) => i.edit_response(self.http, edit).await.map(drop),
            Kind::Modal(i) => i.edit_response(self.http, edit).await.map(drop),
            Kind::Command(i) => i.edit_response(self.http, edit).await.map(drop),
        }
    }
}

/// What a person reads when handling their request failed. A database that cannot be written
/// (full disk, read-only file, locked) is named, so they can tell an admin what to fix. The
/// failed write may be the claim (nothing happened) or the record of a decision Scenario already
/// took, so the sentence promises neither. Anything else points at the log. (Found by the
/// full-disk test, `tests/it/reliability/database.rs`: the reviewer only read "Something went
/// wrong and nothing was changed".)
pub fn failure_text(err: &anyhow::Error) -> String {
    use crate::store::StoreError;
    match err.downcast_ref::<StoreError>() {
        Some(
            store @ (StoreError::DiskFull(_)
            | StoreError::ReadOnly(_)
            | StoreError::Io(_)
            | StoreError::Busy(_)),
        ) => {
            format!(
                "approval-bridge could not write to its database ({store}), so it cannot confirm what \
                 happened. Tell an admin; the card shows the outcome once the bridge can write again."
            )
        }
        _ => "Something went wrong and nothing was changed; the cause is in the bridge's log.".into(),
    }
}
