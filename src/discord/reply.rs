//! Short ephemeral answers: what a person sees after a click or a command.

use serenity::all::{
    CommandInteraction, ComponentInteraction, Context, CreateInteractionResponse,
    CreateInteractionResponseMessage, EditInteractionResponse, Interaction, ModalInteraction,
};

/// An interaction the bridge can answer.
pub enum Answerable<'a> {
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
            Interaction::Component(i) => Some(Self::Component(i)),
            Interaction::Modal(i) => Some(Self::Modal(i)),
            Interaction::Command(i) => Some(Self::Command(i)),
            _ => None,
        }
    }

    /// Tells the person that their request failed because of `err`, whether or not it was
    /// acknowledged already.
    pub async fn failed(&self, ctx: &Context, err: &anyhow::Error) {
        let text = failure_text(err);
        if self.finish(ctx, &text).await.is_err() {
            let _ = self.say(ctx, text).await;
        }
    }

    /// Answers at once with an ephemeral sentence (as the initial response).
    pub async fn say(&self, ctx: &Context, text: impl Into<String>) -> serenity::Result<()> {
        let message = CreateInteractionResponseMessage::new().content(text).ephemeral(true);
        let response = CreateInteractionResponse::Message(message);
        match self {
            Self::Component(i) => i.create_response(&ctx.http, response).await,
            Self::Modal(i) => i.create_response(&ctx.http, response).await,
            Self::Command(i) => i.create_response(&ctx.http, response).await,
        }
    }

    /// Acknowledges at once; the answer follows with [`Self::finish`]. The person sees that the
    /// bridge is working, privately.
    pub async fn defer(&self, ctx: &Context) -> serenity::Result<()> {
        let response =
            CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new().ephemeral(true));
        match self {
            Self::Component(i) => i.create_response(&ctx.http, response).await,
            Self::Modal(i) => i.create_response(&ctx.http, response).await,
            Self::Command(i) => i.create_response(&ctx.http, response).await,
        }
    }

    /// Replaces the deferred answer with `text`.
    pub async fn finish(&self, ctx: &Context, text: impl Into<String>) -> serenity::Result<()> {
        let edit = EditInteractionResponse::new().content(text);
        match self {
            Self::Component(i) => i.edit_response(&ctx.http, edit).await.map(drop),
            Self::Modal(i) => i.edit_response(&ctx.http, edit).await.map(drop),
            Self::Command(i) => i.edit_response(&ctx.http, edit).await.map(drop),
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
