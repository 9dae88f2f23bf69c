//! Interactions from outside the home server (another server, a DM, a user-installed context):
//! one ephemeral sentence (an autocomplete gets no choices), nothing changed, nothing sent to
//! Scenario, and a refusal counted per person, server, attempt and minute.

use serenity::all::{
    CommandInteraction, CreateAutocompleteResponse, CreateInteractionResponse, GuildId, Http, Interaction,
};
use tracing::{debug, info};

use super::{
    click::reviewer,
    commands,
    refusal::Refusal,
    reply::{Answerable, respond},
};
use crate::{discord::bridge::Bridge, store::RefusedAttempt};

/// The server an interaction came from; `None` in a DM or a user-installed context.
fn guild_of(interaction: &Interaction) -> Option<GuildId> {
    match interaction {
        Interaction::Command(i) | Interaction::Autocomplete(i) => i.guild_id,
        Interaction::Component(i) => i.guild_id,
        Interaction::Modal(i) => i.guild_id,
        _ => None,
    }
}

/// Whether `interaction` comes from the home server.
pub fn is_from_home(bridge: &Bridge, interaction: &Interaction) -> bool {
    bridge.home.is_home(guild_of(interaction))
}

/// Answers an outside interaction with [`Refusal::OutsideHome`] (an autocomplete with no
/// choices) and counts the refusal.
pub async fn refuse(bridge: &Bridge, interaction: &Interaction) -> anyhow::Result<()> {
    let guild_id = guild_of(interaction);
    let (user, attempt) = match interaction {
        Interaction::Command(i) => (&i.user, command_attempt(i)),
        Interaction::Autocomplete(i) => (&i.user, "autocomplete".to_owned()),
        Interaction::Component(i) => (&i.user, "button".to_owned()),
        Interaction::Modal(i) => (&i.user, "form".to_owned()),
        _ => return Ok(()),
    };
    // Counted before the answer, so the answer means it is on record; a person flooding from
    // outside adds one row and one log line per minute. A failed count still gets its answer.
    let actor = reviewer(None, user);
    let why = Refusal::OutsideHome.code();
    let refused = RefusedAttempt { actor: &actor, guild_id, approval_id: None, attempt: &attempt, why };
    let counted = bridge.store.refused(&refused).await;
    bridge.metrics.refused(why);
    answer(&bridge.discord, interaction).await?;
    if counted? {
        info!(
            guild_id = guild_id.map(GuildId::get),
            user_id = actor.id.get(),
            attempt,
            "interaction from outside the home server refused"
        );
    } else {
        debug!(
            guild_id = guild_id.map(GuildId::get),
            user_id = actor.id.get(),
            attempt,
            "interaction from outside the home server refused again"
        );
    }
    Ok(())
}

async fn answer(http: &Http, interaction: &Interaction) -> serenity::Result<()> {
    match interaction {
        Interaction::Autocomplete(typing) => {
            let none = CreateInteractionResponse::Autocomplete(CreateAutocompleteResponse::new());
            respond(http, typing.id, &typing.token, none).await
        }
        other => match Answerable::of(http, other) {
            Some(answer) => answer.say(Refusal::OutsideHome.to_string()).await,
            None => Ok(()),
        },
    }
}

/// `/approvals <subcommand>` when the bridge knows the subcommand, else `command`: the name a
/// forged interaction carries is not trusted into the database.
fn command_attempt(command: &CommandInteraction) -> String {
    let sub = command.data.options.first().map(|o| o.name.as_str()).unwrap_or_default();
    if command.data.name == commands::GROUP && commands::access(sub).is_some() {
        format!("/{} {sub}", commands::GROUP)
    } else {
        "command".to_owned()
    }
}
