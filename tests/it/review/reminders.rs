//! Reminders: a reply to the card that pings its reviewers, every `remind_after`, at most
//! `MAX_REMINDERS` times, never once the gate is decided; the wall clock is moved by the test.

use std::time::Duration;

use serde_json::json;

use super::{parked_run, replies_to};
use crate::support::app::{TestApp, spawn_app_with};

const MINUTE: Duration = Duration::from_secs(60);

async fn reminding_app(max: u32) -> TestApp {
    spawn_app_with(|env| {
        env.insert("REMIND_AFTER", "60s".into());
        env.insert("MAX_REMINDERS", max.to_string());
    })
    .await
}

#[tokio::test]
async fn reminders_reply_to_the_card_every_interval_pinging_only_the_reviewers_up_to_the_limit() {
    let app = reminding_app(2).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    app.advance_wall_clock(MINUTE / 2);
    assert_eq!(app.poll().await.reminders, 0, "not due yet");
    app.advance_wall_clock(MINUTE / 2 + Duration::from_secs(1));
    assert_eq!(app.poll().await.reminders, 1);

    let replies = replies_to(&app, &approval);
    assert_eq!(replies.len(), 1);
    let role = app.reviewer_role.to_string();
    let content = replies[0]["content"].as_str().unwrap();
    assert!(
        content.starts_with(&format!("<@&{role}> Reminder 1 of 2: this gate has been waiting")),
        "{content}"
    );
    assert_eq!(replies[0]["mention_roles"], json!([role]), "the reviewers are pinged");
    let sent = app
        .discord
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "POST" && r.path.ends_with("/messages"));
    let body = sent.and_then(|r| r.body).expect("the reply was recorded");
    assert_eq!(body["allowed_mentions"]["roles"], json!([role]), "{body}");
    assert!(body["allowed_mentions"]["parse"].as_array().is_none_or(Vec::is_empty), "{body}");
    assert_eq!(app.poll().await.reminders, 0, "one reminder per interval");

    app.advance_wall_clock(MINUTE);
    assert_eq!(app.poll().await.reminders, 1);
    assert!(replies_to(&app, &approval)[1]["content"].as_str().unwrap().contains("Reminder 2 of 2"));
    app.advance_wall_clock(MINUTE * 10);
    assert_eq!(app.poll().await.reminders, 0, "at most two");
    assert_eq!(replies_to(&app, &approval).len(), 2);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn no_reminder_goes_out_once_the_gate_is_decided() {
    let app = reminding_app(3).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    app.advance_wall_clock(MINUTE + Duration::from_secs(1));
    assert_eq!(app.poll().await.reminders, 1);
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    assert!(app.answer(&click).await.starts_with("Approved"));

    app.advance_wall_clock(MINUTE * 10);
    assert_eq!(app.poll().await.reminders, 0);
    assert_eq!(replies_to(&app, &approval).len(), 1);
}

#[tokio::test]
async fn reminders_missed_while_the_bridge_was_down_come_once_then_every_interval_again() {
    let mut app = reminding_app(5).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    app.stop().await.expect("clean stop");
    app.advance_wall_clock(MINUTE * 10);
    app.start().await;
    assert_eq!(replies_to(&app, &approval).len(), 1, "the start-up pass sends one, not ten");
    assert_eq!(app.poll().await.reminders, 0);
    app.advance_wall_clock(MINUTE + Duration::from_secs(1));
    assert_eq!(app.poll().await.reminders, 1, "the next counts from the one sent");
    assert_eq!(replies_to(&app, &approval).len(), 2);
}

#[tokio::test]
async fn a_card_deleted_by_a_person_is_reminded_no_more() {
    let app = reminding_app(3).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    app.discord.delete_message_by_person(approval.channel_id.get(), approval.message_id.unwrap().get());
    app.advance_wall_clock(MINUTE + Duration::from_secs(1));
    let report = app.poll().await;
    assert!(report.failures.is_empty(), "{report:?}");
    assert_eq!(report.reminders, 0);
    assert!(app.approval(&job, "review").await.card_deleted, "the bridge learnt the card is gone");
    assert_eq!(app.discord.rejections().len(), 1, "one reply refused");

    app.advance_wall_clock(MINUTE * 2);
    assert_eq!(app.poll().await.reminders, 0);
    assert_eq!(app.discord.rejections().len(), 1, "no reply to a card known to be gone");
}
