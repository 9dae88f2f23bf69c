//! Escalation: a gate left undecided through its reminders (or for a set time) pings the
//! route's escalation role once, in a reply to its card, and the card says so; never after a
//! decision. The wall clock is moved by the test.

use std::time::Duration;

use approval_bridge::events::EventKind;
use serde_json::json;

use super::{card_of, replies_to};
use crate::{
    commands::{admin, approvals, parked, run, text},
    support::{
        app::{TestApp, spawn_app_with},
        fake_discord::OptionValue,
    },
};

const MINUTE: Duration = Duration::from_secs(60);

/// An app reminding once after a minute, a routed workflow escalating to a new role `leads`
/// (after `after`, or after the last reminder), its run parked and its card posted; returns
/// (leads, run id).
async fn escalating_app(after: Option<&str>) -> (TestApp, u64, String) {
    let app = spawn_app_with(|env| {
        env.insert("REMIND_AFTER", "60s".into());
        env.insert("MAX_REMINDERS", "1".into());
    })
    .await;
    let leads = app.discord.add_role("Leads", "0");
    let (workflow, job) = parked(&app, "Lighthouse");
    let watch =
        approvals("watch").opt("workflow", text(&workflow)).opt("channel", OptionValue::Channel(app.channel));
    run(&app, &admin(), watch).await;
    let mut policy = approvals("policy")
        .opt("workflow", text(&workflow))
        .opt("escalate_to", text(&format!("<@&{leads}>")));
    if let Some(after) = after {
        policy = policy.opt("escalate_after", text(after));
    }
    let answer = run(&app, &admin(), policy).await;
    let when = after.unwrap_or("the last reminder");
    assert!(answer.contains(&format!("escalated to <@&{leads}> after {when}")), "{answer}");
    assert_eq!(app.poll().await.cards_posted, 1);
    (app, leads, job)
}

#[tokio::test]
async fn after_the_last_reminder_the_escalation_role_is_pinged_once_in_a_reply_and_the_card_says_so() {
    let (app, leads, job) = escalating_app(None).await;
    let approval = app.approval(&job, "review").await;
    app.advance_wall_clock(MINUTE + Duration::from_secs(1));
    let report = app.poll().await;
    assert_eq!((report.reminders, report.escalations), (1, 0), "the reminder first");
    assert_eq!(app.poll().await.escalations, 0, "not before another interval");

    app.advance_wall_clock(MINUTE + Duration::from_secs(1));
    assert_eq!(app.poll().await.escalations, 1);
    let replies = replies_to(&app, &approval);
    assert_eq!(replies.len(), 2, "the reminder, then the escalation");
    let content = replies[1]["content"].as_str().unwrap();
    assert!(content.starts_with(&format!("<@&{leads}> This gate has been waiting")), "{content}");
    assert_eq!(replies[1]["mention_roles"], json!([leads.to_string()]), "only the leads are pinged");
    let card = card_of(&app, &approval);
    let heading = crate::support::card_view::heading(&card);
    assert!(heading.contains(&format!("⬆️ Escalated to <@&{leads}> <t:")), "{heading}");
    let audit = app.store().audit_of(approval.id).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "escalated").count(), 1, "{audit:?}");
    let events = app.store().events(&Default::default()).await.unwrap();
    let escalation: Vec<_> = events.iter().filter(|e| e.kind == EventKind::Escalation).collect();
    assert_eq!(escalation.len(), 1, "one escalation event: {events:?}");
    assert_eq!(escalation[0].detail.as_deref(), Some(format!("to role {leads}").as_str()));
    assert_eq!(escalation[0].approval, Some(approval.id.get()));

    app.advance_wall_clock(MINUTE * 30);
    assert_eq!(app.poll().await.escalations, 0, "once");
    assert_eq!(replies_to(&app, &approval).len(), 2);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_gate_decided_after_its_last_reminder_never_escalates() {
    let (app, _leads, job) = escalating_app(None).await;
    let approval = app.approval(&job, "review").await;
    app.advance_wall_clock(MINUTE + Duration::from_secs(1));
    assert_eq!(app.poll().await.reminders, 1);
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    assert!(app.answer(&click).await.starts_with("Approved"));

    app.advance_wall_clock(MINUTE * 30);
    assert_eq!(app.poll().await.escalations, 0);
    assert_eq!(replies_to(&app, &approval).len(), 1, "the reminder only");
    let card = card_of(&app, &app.approval(&job, "review").await);
    assert!(!card.to_string().contains("Escalated"), "{card}");
}

#[tokio::test]
async fn a_set_time_escalates_once_at_that_time() {
    let (app, leads, job) = escalating_app(Some("30m")).await;
    let approval = app.approval(&job, "review").await;
    app.advance_wall_clock(MINUTE * 29);
    assert_eq!(app.poll().await.escalations, 0, "not yet, whatever the reminders");
    app.advance_wall_clock(MINUTE + Duration::from_secs(1));
    assert_eq!(app.poll().await.escalations, 1);
    let replies = replies_to(&app, &approval);
    assert!(replies.last().unwrap()["content"].as_str().unwrap().starts_with(&format!("<@&{leads}>")));
    assert_eq!(app.poll().await.escalations, 0);
}
