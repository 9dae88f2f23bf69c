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
    /// The person may not, or the thing cannot be done: the sentence says why and what to do.
    #[error("refused: {0}")]
    Refused(String),
    /// Something failed.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// What a handler step returns: its result, or why the request stops there.
pub type Handled<T> = Result<T, HandlerError>;

/// Stops a request with `sentence` as the person's answer.
pub fn refuse<T>(sentence: impl Into<String>) -> Handled<T> {
    Err(HandlerError::Refused(sentence.into()))
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

/// An interaction the bridge can answer, and whether its answer was deferred.
pub struct Answerable<'a> {
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
    /// The answerable part of `interaction`, if it has one.
    pub fn of(interaction: &'a Interaction) -> Option<Self> {
        match interaction {
            Interaction::Component(i) => Some(Self::component(i)),
            Interaction::Modal(i) => Some(Self::modal(i)),
            Interaction::Command(i) => Some(Self::command(i)),
            _ => None,
        }
    }

    /// A button click to answer.
    pub fn component(click: &'a ComponentInteraction) -> Self {
        Self { kind: Kind::Component(click), deferred: AtomicBool::new(false) }
    }

    /// A submitted modal to answer.
    pub fn modal(modal: &'a ModalInteraction) -> Self {
        Self { kind: Kind::Modal(modal), deferred: AtomicBool::new(false) }
    }

    /// A slash command to answer.
    pub fn command(command: &'a CommandInteraction) -> Self {
        Self { kind: Kind::Command(command), deferred: AtomicBool::new(false) }
    }

    /// Ends a request: a refusal is answered with its sentence (as the initial response, or in
    /// place of the deferred one); a failure is handed back for the log and [`Self::failed`].
    pub async fn render(&self, http: &Http, handled: Handled<()>) -> anyhow::Result<()> {
        match handled {
            Ok(()) => Ok(()),
            Err(HandlerError::Refused(sentence)) => Ok(self.reply(http, sentence).await?),
            Err(HandlerError::Failed(err)) => Err(err),
        }
    }

    /// Answers with `text`: in place of the deferred answer if there is one, else at once.
    pub async fn reply(&self, http: &Http, text: impl Into<String>) -> serenity::Result<()> {
        if self.deferred.load(Ordering::SeqCst) {
            self.finish(http, text).await
        } else {
            self.say(http, text).await
        }
    }

    /// Tells the person that their request failed because of `err`, whether or not it was
    /// acknowledged already.
    pub async fn failed(&self, http: &Http, err: &anyhow::Error) {
        let text = failure_text(err);
        if self.finish(http, &text).await.is_err() {
            let _ = self.say(http, text).await;
        }
    }

    /// Answers at once with an ephemeral sentence (as the initial response).
    pub async fn say(&self, http: &Http, text: impl Into<String>) -> serenity::Result<()> {
        let message = CreateInteractionResponseMessage::new().content(text).ephemeral(true);
        let response = CreateInteractionResponse::Message(message);
        match self.kind {
            Kind::Component(i) => respond(http, i.id, &i.token, response).await,
            Kind::Modal(i) => respond(http, i.id, &i.token, response).await,
            Kind::Command(i) => respond(http, i.id, &i.token, response).await,
        }
    }

    /// Acknowledges at once; the answer follows with [`Self::finish`]. The person sees that the
    /// bridge is working, privately.
    pub async fn defer(&self, http: &Http) -> serenity::Result<()> {
        let response =
            CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new().ephemeral(true));
        match self.kind {
            Kind::Component(i) => respond(http, i.id, &i.token, response).await?,
            Kind::Modal(i) => respond(http, i.id, &i.token, response).await?,
            Kind::Command(i) => respond(http, i.id, &i.token, response).await?,
        }
        self.deferred.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// Replaces the deferred answer with `text` and these components (e.g. Start and Cancel).
    pub async fn finish_with(
        &self,
        http: &Http,
        text: impl Into<String>,
        components: Vec<serenity::all::CreateActionRow>,
    ) -> serenity::Result<()> {
        let edit = EditInteractionResponse::new().content(text).components(components);
        match self.kind {
            Kind::Component(i) => i.edit_response(http, edit).await.map(drop),
            Kind::Modal(i) => i.edit_response(http, edit).await.map(drop),
            Kind::Command(i) => i.edit_response(http, edit).await.map(drop),
        }
    }

    /// Replaces the deferred answer with `text`.
    pub async fn finish(&self, http: &Http, text: impl Into<String>) -> serenity::Result<()> {
        let edit = EditInteractionResponse::new().content(text);
        match self.kind {
            Kind::Component(i) => i.edit_response(http, edit).await.map(drop),
            Kind::Modal(i) => i.edit_response(http, edit).await.map(drop),
            Kind::Command(i) => i.edit_response(http, edit).await.map(drop),
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

/// The sentence for a click that arrives while the bridge shuts down.
pub const RESTARTING: &str = "approval-bridge is restarting; nothing was changed. Try again in a moment.";
