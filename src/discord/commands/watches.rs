//! `/approvals watches`: the routes, with channel, reviewer role and review policy, and where
//! the rest go under which policy.

use super::text::{deciders, fit};
use crate::{
    cards::render::cut,
    discord::bridge::Bridge,
    discord::reply::{Answerable, Handled},
};

/// Answers with the routes.
pub async fn run(bridge: &Bridge, answer: &Answerable<'_>) -> Handled<()> {
    let defaults = bridge.routes.default_reviewer_roles();
    let rest = match bridge.routes.default_channel() {
        Some(channel) => format!(
            "Other workflows go to <#{channel}>, decided by {} under the default policy ({}).",
            deciders(None, defaults),
            bridge.routes.default_policy()
        ),
        None => format!(
            "Other workflows are not posted (no APPROVAL_CHANNEL_ID). Default policy: {}.",
            bridge.routes.default_policy()
        ),
    };
    let routes = bridge.routes.all();
    if routes.is_empty() {
        answer
            .say(format!("No workflow has a route of its own. {rest} Add one with `/approvals watch`."))
            .await?;
        return Ok(());
    }
    let lines: Vec<String> = routes
        .iter()
        .map(|w| {
            let policy = match w.policy {
                Some(policy) => policy.to_string(),
                None => "the default policy".to_owned(),
            };
            format!(
                "• **{}** (`{}`) → <#{}>, decided by {}; {policy}",
                cut(&w.workflow_name, 60),
                cut(w.workflow_id.as_str(), 40),
                w.channel_id,
                cut(&deciders(w.reviewer_role_id, defaults), 120),
            )
        })
        .collect();
    let header = format!("**{} route{}**", routes.len(), if routes.len() == 1 { "" } else { "s" });
    answer.say(fit(&header, &lines, &rest)).await?;
    Ok(())
}
