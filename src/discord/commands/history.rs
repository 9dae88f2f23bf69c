//! `/approvals history [workflow] [reviewer] [limit]`: recent decisions from the audit trail.

use super::{args::Args, text::fit};
use crate::{
    approvals::{ids::WorkflowId, selection::numbers},
    cards::render::cut,
    discord::bridge::Bridge,
    discord::reply::{Answerable, Handled},
    store::{HistoryQuery, PastDecision},
};

/// Decisions shown when no limit is given.
pub const DEFAULT_LIMIT: u32 = 10;
/// The most decisions one answer asks for.
pub const MAX_LIMIT: u32 = 25;

/// Answers with recent decisions, newest first.
pub async fn run(bridge: &Bridge, answer: &Answerable<'_>, args: Args<'_>) -> Handled<()> {
    let workflow = args.string("workflow");
    // A name typed by hand (not picked from the list) is matched against the routes.
    let workflow_id = workflow.map(|typed| {
        let routes = bridge.routes.all();
        let named = routes.into_iter().find(|w| w.workflow_name.eq_ignore_ascii_case(typed));
        named.map_or_else(|| WorkflowId::new(typed), |w| w.workflow_id)
    });
    let limit = args.integer("limit").map_or(DEFAULT_LIMIT, |n| n.clamp(1, i64::from(MAX_LIMIT)) as u32);
    let reviewer = args.user("reviewer");
    let query = HistoryQuery { workflow_id, reviewer_id: reviewer, limit };
    let decisions = bridge.store.decision_history(&query).await?;
    if decisions.is_empty() {
        answer.say("No decision recorded yet for that choice.").await?;
        return Ok(());
    }
    let lines: Vec<String> = decisions.iter().map(line).collect();
    let mut header =
        format!("**Last {} decision{}**", decisions.len(), if decisions.len() == 1 { "" } else { "s" });
    if let Some(w) = workflow {
        header.push_str(&format!(" of `{}`", cut(w, 60)));
    }
    if let Some(r) = reviewer {
        header.push_str(&format!(" by <@{r}>"));
    }
    answer.say(fit(&format!("{header}, newest first:"), &lines, "")).await?;
    Ok(())
}

/// One decision: when, who, what, which run, and why.
fn line(d: &PastDecision) -> String {
    let what = match (d.outcome.as_str(), &d.by) {
        ("approved", Some(by)) if d.picks.is_some() => {
            format!("{} picked {}", by.mention(), numbers(d.picks.as_deref().unwrap_or_default()))
        }
        ("approved", Some(by)) => format!("{} approved", by.mention()),
        ("rejected", Some(by)) => format!("{} rejected", by.mention()),
        (_, _) => d.detail.clone().unwrap_or_else(|| "Decided in Scenario".into()),
    };
    let reason = d.reason.as_deref().map(|r| format!(" · “{}”", cut(r, 120))).unwrap_or_default();
    let follows = d
        .follows
        .as_ref()
        .map(|(round, job)| format!(" (round {round}, re-run of `{}`)", cut(job.as_str(), 40)))
        .unwrap_or_default();
    let rerun =
        d.rerun.as_ref().map(|job| format!(" · 🔁 re-run → `{}`", cut(job.as_str(), 40))).unwrap_or_default();
    format!(
        "• <t:{}:R> {} · **{}** · run `{}`{follows}{reason}{rerun}",
        d.at / 1000,
        cut(&what, 60),
        cut(&d.workflow_name, 40),
        cut(d.job_id.as_str(), 40),
    )
}
