//! `/approvals watches`: the routes, with channel and reviewer role, and where the rest go.

use serenity::all::Http;

use super::text::{deciders, fit};
use crate::{
    discord::bridge::Bridge,
    discord::{cards::cut, reply::Answerable},
};

/// Answers with the routes.
pub async fn run(bridge: &Bridge, http: &Http, answer: &Answerable<'_>) -> anyhow::Result<()> {
    let defaults = bridge.routes.default_reviewer_roles();
    let rest = match bridge.routes.default_channel() {
        Some(channel) => {
            format!("Other workflows go to <#{channel}>, decided by {}.", deciders(None, defaults))
        }
        None => "Other workflows are not posted (no APPROVAL_CHANNEL_ID).".to_owned(),
    };
    let routes = bridge.routes.all();
    if routes.is_empty() {
        answer
            .say(http, format!("No workflow has a route of its own. {rest} Add one with `/approvals watch`."))
            .await?;
        return Ok(());
    }
    let lines: Vec<String> = routes
        .iter()
        .map(|w| {
            format!(
                "• **{}** (`{}`) → <#{}>, decided by {}",
                cut(&w.workflow_name, 60),
                cut(w.workflow_id.as_str(), 40),
                w.channel_id,
                cut(&deciders(w.reviewer_role_id, defaults), 120),
            )
        })
        .collect();
    let header = format!("**{} route{}**", routes.len(), if routes.len() == 1 { "" } else { "s" });
    answer.say(http, fit(&header, &lines, &rest)).await?;
    Ok(())
}
