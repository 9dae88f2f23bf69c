//! Autocomplete of the `workflow` option: the team's workflows by name (id shown), filtered by
//! what is typed. `watch`, `pending` and `history` offer Scenario's list (cached, see
//! [`crate::scenario::WorkflowCatalog`]); `unwatch` and `policy` offer the routes.

use std::time::Duration;

use serenity::all::{
    AutocompleteChoice, CommandInteraction, CreateAutocompleteResponse, CreateInteractionResponse,
};
use tracing::warn;

use super::{Caller, GROUP, access, allowed};
use crate::{
    cards::render::cut,
    discord::{bridge::Bridge, reply::respond},
};

/// Most choices Discord accepts.
pub const MAX_CHOICES: usize = 25;
/// Longest choice name (and value) Discord accepts.
pub const CHOICE_CHARS: usize = 100;
/// How long the list may take: the answer must reach Discord within 3 s of the keystroke.
const LIST_TIMEOUT: Duration = Duration::from_millis(2_200);

/// Answers an autocomplete request with matching workflows; members who may not use the
/// subcommand get no choices.
pub async fn on_autocomplete(bridge: &Bridge, interaction: &CommandInteraction) -> anyhow::Result<()> {
    let typed =
        interaction.data.autocomplete().filter(|o| o.name == "workflow").map(|o| o.value.trim().to_owned());
    let sub =
        interaction.data.options.first().map(|o| o.name.as_str()).filter(|_| interaction.data.name == GROUP);
    let permitted = sub.and_then(access).is_some_and(|a| allowed(bridge, &Caller::of(interaction), a));
    let candidates = match (typed.as_ref(), sub) {
        (Some(_), Some(sub)) if permitted => workflows(bridge, sub).await,
        _ => Vec::new(),
    };
    let choices = choose(&candidates, typed.as_deref().unwrap_or_default());
    let response = CreateAutocompleteResponse::new().set_choices(choices);
    respond(
        &bridge.discord,
        interaction.id,
        &interaction.token,
        CreateInteractionResponse::Autocomplete(response),
    )
    .await?;
    Ok(())
}

/// (id, name) of the workflows `sub` can take.
async fn workflows(bridge: &Bridge, sub: &str) -> Vec<(String, String)> {
    if sub == "unwatch" || sub == "policy" {
        return bridge
            .routes
            .all()
            .into_iter()
            .map(|w| (w.workflow_id.into_inner(), w.workflow_name))
            .collect();
    }
    match tokio::time::timeout(LIST_TIMEOUT, bridge.workflows.list(&bridge.scenario)).await {
        Ok(Ok(list)) => list.iter().map(|w| (w.id.to_string(), w.name.clone())).collect(),
        Ok(Err(err)) => {
            warn!(error = %err, "workflow list unavailable for autocomplete");
            Vec::new()
        }
        Err(_) => {
            warn!("workflow list too slow for autocomplete");
            Vec::new()
        }
    }
}

/// The first [`MAX_CHOICES`] workflows whose name or id contains `typed` (any case), names
/// first; each shown as "name (id)" within [`CHOICE_CHARS`], its id as the value.
pub fn choose(workflows: &[(String, String)], typed: &str) -> Vec<AutocompleteChoice> {
    let typed = typed.to_lowercase();
    let in_name = workflows.iter().filter(|(_, name)| name.to_lowercase().contains(&typed));
    let in_id_only = workflows
        .iter()
        .filter(|(id, name)| !name.to_lowercase().contains(&typed) && id.to_lowercase().contains(&typed));
    in_name
        .chain(in_id_only)
        // An id longer than a choice value can hold could not be sent back: leave it out.
        .filter(|(id, _)| !id.is_empty() && id.chars().count() <= CHOICE_CHARS)
        .take(MAX_CHOICES)
        .map(|(id, name)| AutocompleteChoice::new(label(id, name), id.clone()))
        .collect()
}

/// "name (id)", the name cut so that the whole fits a choice's name.
fn label(id: &str, name: &str) -> String {
    if name.is_empty() {
        return cut(id, CHOICE_CHARS);
    }
    let room = CHOICE_CHARS.saturating_sub(id.chars().count() + 3);
    if room < 10 {
        return cut(name, CHOICE_CHARS);
    }
    format!("{} ({id})", cut(name, room))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(n: usize, name: &str) -> (String, String) {
        (format!("wflow_{n}"), name.to_owned())
    }

    fn names(choices: &[AutocompleteChoice]) -> Vec<String> {
        choices
            .iter()
            .map(|c| serde_json::to_value(c).unwrap()["name"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn choices_match_name_or_id_in_any_case_names_first() {
        let list = vec![
            named(1, "Lighthouse"),
            named(2, "Harbour"),
            named(3, "lightning"),
            ("wflow_light".into(), "Other".into()),
        ];
        assert_eq!(
            names(&choose(&list, "LIG")),
            ["Lighthouse (wflow_1)", "lightning (wflow_3)", "Other (wflow_light)"]
        );
        assert_eq!(choose(&list, "").len(), 4);
    }

    #[test]
    fn at_most_25_choices_with_names_of_at_most_100_characters() {
        let list: Vec<_> = (0..60).map(|n| named(n, &"Very long name ".repeat(20))).collect();
        let choices = choose(&list, "long");
        assert_eq!(choices.len(), MAX_CHOICES);
        for name in names(&choices) {
            assert!(name.chars().count() <= CHOICE_CHARS, "{name}");
            assert!(name.ends_with(')'), "the id stays visible: {name}");
        }
    }
}
