//! The end-state checks of the crash test, from what the fakes saw and what the database holds.

use std::{collections::HashMap, fmt, path::Path, time::Duration};

use serde_json::Value;

use super::crash_script::{ClickKind, Script};
use crate::support::{
    db::{ApprovalRow, AuditRow, read_all},
    fake_discord::{FakeDiscord, InteractionHandle, RecordedRequest},
    fake_scenario::{Endpoint, FakeScenario},
    wait::checking_every,
};

/// How many gates have a posted card (0 before the database exists).
pub async fn cards_posted(database: &Path) -> usize {
    if !database.exists() {
        return 0;
    }
    read_all(database).await.0.iter().filter(|a| a.message_id.is_some()).count()
}

/// Waits until no row is `deciding` and every card is posted and shows its row's state.
pub async fn wait_until_at_rest(database: &Path, timeout: Duration) -> bool {
    let restless = |a: &ApprovalRow| {
        a.state == "deciding" || a.message_id.is_none() || (!a.card_current && a.card_deleted_at.is_none())
    };
    // Each check reads the whole database, so not more often than this.
    let at_rest = checking_every(Duration::from_millis(200), timeout, async || {
        let (approvals, _) = read_all(database).await;
        (!approvals.iter().any(restless)).then_some(())
    });
    at_rest.await.is_some()
}

/// What a run did, for the report.
#[derive(Debug, Default)]
pub struct Figures {
    gates: usize,
    approved: usize,
    rejected: usize,
    left_pending: usize,
    reviewer_clicks: usize,
    outsider_clicks: usize,
    reason_submits: usize,
    answered: usize,
    puts: usize,
    puts_dropped: usize,
    card_posts: usize,
    reposts_deduplicated: usize,
    finished_at_start: usize,
    refusals_audited: usize,
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} gates ({} approved, {} rejected, {} left pending); clicks: {} by reviewers, {} by \
             outsiders, {} reasons submitted, {} answered; {} PUTs reached Scenario, 0 duplicates \
             ({} more dropped unanswered before reaching it); {} card posts \
             ({} repeats after a crash returned the first card by nonce); {} sightings of a claim \
             a stop left unfinished; {} refusals audited",
            self.gates,
            self.approved,
            self.rejected,
            self.left_pending,
            self.reviewer_clicks,
            self.outsider_clicks,
            self.reason_submits,
            self.answered,
            self.puts,
            self.puts_dropped,
            self.card_posts,
            self.reposts_deduplicated,
            self.finished_at_start,
            self.refusals_audited
        )
    }
}

/// Checks everything the crash test promises; panics with the first broken promise.
pub async fn check_end_state(
    discord: &FakeDiscord,
    scenario: &FakeScenario,
    database: &Path,
    runs: &[String],
    channel: u64,
    script: &Script,
    log: &str,
) -> Figures {
    let (approvals, audit) = read_all(database).await;
    let requests = discord.requests();
    let mut figures = Figures { gates: approvals.len(), ..Figures::default() };
    figures.card_posts = one_card_per_gate(discord, &requests, &approvals, runs, channel);
    figures.reposts_deduplicated = figures.card_posts.saturating_sub(approvals.len());
    (figures.puts, figures.puts_dropped) = one_put_per_decision(scenario, &approvals, &audit, script);
    for approval in &approvals {
        let card = discord.message(channel, approval.message_id.expect("posted") as u64).expect("card");
        let trail: Vec<&AuditRow> = audit.iter().filter(|e| e.approval_id == approval.id).collect();
        check_trail(approval, &trail, script);
        check_card(approval, &card, scenario);
        match approval.state.as_str() {
            "approved" => figures.approved += 1,
            "rejected" => figures.rejected += 1,
            _ => figures.left_pending += 1,
        }
    }
    figures.refusals_audited = audit.iter().filter(|e| e.action == "refused").count();
    for click in &script.clicks {
        match (&click.kind, click.authorised) {
            (_, false) => figures.outsider_clicks += 1,
            (ClickKind::ReasonSubmit(_), true) => figures.reason_submits += 1,
            _ => figures.reviewer_clicks += 1,
        }
        let Some(answer) = answer_of(&requests, &click.handle) else { continue };
        figures.answered += 1;
        let approval = approvals.iter().find(|a| a.id == click.approval_id).expect("clicked card's row");
        assert!(!answer.contains("Something went wrong"), "an error answer: {answer:?} to {click:?}");
        if !click.authorised {
            assert!(answer.starts_with("Only members with"), "an outsider was told {answer:?}");
        }
        if answer.starts_with("Approved.") || answer.starts_with("Rejected.") {
            let state = if answer.starts_with("Approved.") { "approved" } else { "rejected" };
            assert_eq!(approval.state, state, "{click:?} was told {answer:?}, the row is {approval:?}");
            assert_eq!(approval.decided_by, Some(click.member as i64), "{click:?} was told {answer:?}");
        }
    }
    figures.finished_at_start = log.matches("finishing a recorded decision").count();
    figures
}

/// Every gate has one row and one card, no more; returns the number of successful posts.
fn one_card_per_gate(
    discord: &FakeDiscord,
    requests: &[RecordedRequest],
    approvals: &[ApprovalRow],
    runs: &[String],
    channel: u64,
) -> usize {
    assert_eq!(approvals.len(), runs.len(), "one row per gate");
    for run in runs {
        let rows = approvals.iter().filter(|a| &a.job_id == run && a.node_id == "review").count();
        assert_eq!(rows, 1, "run {run} has {rows} rows");
    }
    let messages = discord.messages_in(channel);
    assert_eq!(messages.len(), approvals.len(), "one card per gate: none missing, none doubled");
    let mut ids: Vec<u64> = messages.iter().map(|m| m["id"].as_str().unwrap().parse().unwrap()).collect();
    let mut stored: Vec<u64> = approvals.iter().filter_map(|a| a.message_id.map(|m| m as u64)).collect();
    ids.sort_unstable();
    stored.sort_unstable();
    assert_eq!(ids, stored, "every card is the one its row names");
    assert!(approvals.iter().all(|a| a.card_deleted_at.is_none()), "no card was deleted");
    let path = format!("/channels/{channel}/messages");
    let posts: Vec<&RecordedRequest> =
        requests.iter().filter(|r| r.method == "POST" && r.path == path && r.status == 200).collect();
    let mut by_nonce: HashMap<String, Vec<String>> = HashMap::new();
    for post in &posts {
        let nonce = post.body.as_ref().and_then(|b| b["nonce"].as_str()).expect("cards carry a nonce");
        assert_eq!(post.body.as_ref().unwrap()["enforce_nonce"], true, "the nonce is enforced");
        let id = post.response.as_ref().unwrap()["id"].as_str().unwrap().to_owned();
        by_nonce.entry(nonce.to_owned()).or_default().push(id);
    }
    for ids in by_nonce.values() {
        assert!(ids.iter().all(|id| id == &ids[0]), "a repeated post made a second card: {ids:?}");
    }
    // A card whose post was cut by a kill may be recorded from a click on it (Discord routes the
    // click to the bridge only), so not every card has a completed post in the log.
    assert!(by_nonce.len() <= approvals.len(), "at most one nonce per gate");
    posts.len()
}

/// Every decided gate got exactly one PUT with its action, refused ones included, and no gate
/// left pending got any; every PUT traces back to a click by an authorised reviewer that the
/// script made and the audit recorded. A PUT that never reached Scenario's logic (answered by an
/// injected reset or status, as a network failure would, or whose sender was killed while it
/// waited to be handled) is not counted. Returns the PUTs that reached Scenario and the others.
fn one_put_per_decision(
    scenario: &FakeScenario,
    approvals: &[ApprovalRow],
    audit: &[AuditRow],
    script: &Script,
) -> (usize, usize) {
    let (puts, dropped): (Vec<_>, Vec<_>) =
        scenario.requests_to(Endpoint::UserApproval).into_iter().partition(|put| put.reached);
    let mut by_gate: HashMap<(String, String), Vec<String>> = HashMap::new();
    for put in &puts {
        let body = put.body.clone().expect("a JSON body");
        let key =
            (body["workflowJobId"].as_str().unwrap().to_owned(), body["nodeId"].as_str().unwrap().to_owned());
        by_gate.entry(key).or_default().push(body["action"].as_str().unwrap_or("approve").to_owned());
    }
    for approval in approvals {
        let key = (approval.job_id.clone(), approval.node_id.clone());
        let sent = by_gate.remove(&key).unwrap_or_default();
        let expected = match approval.state.as_str() {
            "approved" => vec!["approve".to_owned()],
            "rejected" => vec!["reject".to_owned()],
            "pending" => vec![],
            other => panic!("approval {} ended {other}: {approval:?}", approval.id),
        };
        let faults: Vec<Option<&str>> = puts
            .iter()
            .filter(|p| p.body.as_ref().is_some_and(|b| b["workflowJobId"] == approval.job_id.as_str()))
            .map(|p| p.fault.as_deref())
            .collect();
        assert_eq!(sent, expected, "PUTs for approval {} (faults {faults:?}): {approval:?}", approval.id);
        let Some(action) = expected.first() else { continue };
        let by = approval.decided_by.expect("a decided row names its reviewer") as u64;
        assert!(script.is_reviewer(by), "approval {} decided by {by}, not a reviewer", approval.id);
        let clicked = script.clicks.iter().any(|c| {
            c.authorised
                && c.member == by
                && c.approval_id == approval.id
                && match &c.kind {
                    ClickKind::Approve => action == "approve",
                    ClickKind::ReasonSubmit(reason) => {
                        action == "reject" && approval.reason.as_ref() == Some(reason)
                    }
                    ClickKind::RejectButton => false,
                }
        });
        assert!(clicked, "no recorded click by {by} asked for {action} on approval {}", approval.id);
        let claim = audit.iter().rev().find(|e| e.approval_id == approval.id && e.action == "claimed");
        let claim = claim.expect("a decision has its claim in the audit");
        assert_eq!((claim.actor_id, claim.detail.as_deref()), (Some(by as i64), Some(action.as_str())));
    }
    assert!(by_gate.is_empty(), "PUTs for gates the bridge never stored: {by_gate:?}");
    (puts.len(), dropped.len())
}

/// The audit trail of one approval: found, posted once, and a chain of transitions that ends in
/// the row's state, each made by the right kind of person.
fn check_trail(approval: &ApprovalRow, trail: &[&AuditRow], script: &Script) {
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions.first(), Some(&"gate_found"), "trail of {}: {actions:?}", approval.id);
    assert_eq!(
        actions.iter().filter(|a| **a == "card_posted").count(),
        1,
        "trail of {}: {actions:?}",
        approval.id
    );
    let mut state = "pending".to_owned();
    for entry in trail.iter().filter(|e| e.to_state.is_some()).skip(1) {
        assert_eq!(entry.from_state.as_deref(), Some(state.as_str()), "trail of {}: {trail:?}", approval.id);
        state = entry.to_state.clone().unwrap();
        if matches!(entry.action.as_str(), "claimed" | "decided") {
            assert!(script.is_reviewer(entry.actor_id.unwrap() as u64), "{entry:?} by a non-reviewer");
        }
    }
    assert_eq!(state, approval.state, "trail of {} ends elsewhere: {actions:?}", approval.id);
    if approval.state != "pending" {
        assert!(actions.contains(&"claimed") && actions.contains(&"decided"), "{actions:?}");
    }
    for refused in trail.iter().filter(|e| e.action == "refused") {
        assert!(!script.is_reviewer(refused.actor_id.unwrap() as u64), "a reviewer was refused: {refused:?}");
    }
}

/// The card shows the row's final state, and the row follows Scenario's truth.
fn check_card(approval: &ApprovalRow, card: &Value, scenario: &FakeScenario) {
    let buttons = crate::support::card_view::controls(card).len();
    let text = card.to_string();
    let node = scenario.node_status(&approval.job_id, &approval.node_id);
    match approval.state.as_str() {
        "pending" => {
            assert!(buttons > 0, "an open gate's card lost its buttons: {card}");
            assert_eq!(node.as_deref(), Some("pending"), "approval {} is open", approval.id);
        }
        state => {
            let by = approval.decided_by.unwrap();
            let (verb, status) =
                if state == "approved" { ("Approved", "success") } else { ("Rejected", "rejected") };
            assert_eq!(buttons, 0, "a decided card still has buttons: {card}");
            assert!(text.contains(&format!("{verb} by <@{by}>")), "card of {}: {card}", approval.id);
            assert_eq!(node.as_deref(), Some(status), "Scenario's gate of approval {}", approval.id);
        }
    }
}

/// The final answer a person saw for an interaction: the initial message, or the edit of a
/// deferred answer.
fn answer_of(requests: &[RecordedRequest], handle: &InteractionHandle) -> Option<String> {
    let callback = requests.iter().find(|r| r.path == handle.callback_path() && r.status == 204)?;
    let body = callback.body.as_ref()?;
    if body["type"] == 4 {
        return body["data"]["content"].as_str().map(str::to_owned);
    }
    let edit = format!("{}/messages/@original", handle.webhook_path());
    let answered = requests.iter().find(|r| r.method == "PATCH" && r.path == edit && r.status == 200)?;
    answered.body.as_ref()?["content"].as_str().map(str::to_owned)
}
