//! A thread per card (`CARD_THREADS`, a route's `threads` option): reminders, the escalation
//! and the closing note with the decision go to the card's thread, not the channel, and the
//! thread is archived once the gate is decided; without the permission to start one the card
//! says why, once, and its pings are replies in the channel. The wall clock is moved by the test.

use std::time::Duration;

use serde_json::json;

use super::{card_of, replies_to};
use crate::{
    commands::{admin, approvals, parked, run, text},
    support::{
        app::{PROMPTLY, TestApp, spawn_app_with},
        fake_discord::{
            OptionValue, RecordedRequest,
            permission::{CREATE_PUBLIC_THREADS, SEND_MESSAGES_IN_THREADS},
        },
    },
};

const MINUTE: Duration = Duration::from_secs(60);

/// The requests that started a thread.
fn thread_starts(app: &TestApp) -> usize {
    app.discord.requests().iter().filter(|r| r.method == "POST" && r.path.ends_with("/threads")).count()
}

/// The text of every message in `channel`, oldest first.
fn said_in(app: &TestApp, channel: u64) -> Vec<String> {
    let messages = app.discord.messages_in(channel);
    messages.iter().map(|m| m["content"].as_str().unwrap_or_default().to_owned()).collect()
}

#[tokio::test]
async fn with_threads_on_reminders_the_escalation_and_the_decision_note_go_to_the_cards_thread_then_it_is_archived()
 {
    let app = spawn_app_with(|env| {
        env.insert("REMIND_AFTER", "60s".into());
        env.insert("MAX_REMINDERS", "1".into());
    })
    .await;
    app.discord.allow_bot_role(app.channel, CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS);
    let leads = app.discord.add_role("Leads", "0");
    let (workflow, job) = parked(&app, "Lighthouse");
    let watch =
        approvals("watch").opt("workflow", text(&workflow)).opt("channel", OptionValue::Channel(app.channel));
    run(&app, &admin(), watch).await;
    let policy = approvals("policy")
        .opt("workflow", text(&workflow))
        .opt("escalate_to", text(&format!("<@&{leads}>")))
        .opt("threads", text("on"));
    let answer = run(&app, &admin(), policy).await;
    assert!(answer.starts_with("**Lighthouse** now has a thread per card."), "{answer}");
    let shown = run(&app, &admin(), approvals("policy").opt("workflow", text(&workflow))).await;
    assert!(
        shown.ends_with(
            "re-runs on, no cost cap; a thread per card; self-approval refused. Nothing was changed."
        ),
        "{shown}"
    );
    assert_eq!(app.poll().await.cards_posted, 1);

    let approval = app.approval(&job, "review").await;
    let card = approval.message_id.expect("posted").get();
    assert_eq!(approval.thread.id.map(|t| t.get()), Some(card), "a card's thread has the card's id");
    let thread = app.discord.thread(card).expect("a thread was started from the card");
    assert_eq!(thread["name"], format!("Lighthouse · run {job}"));
    assert_eq!(thread["thread_metadata"]["auto_archive_duration"], 1440, "archived after a quiet day");

    app.advance_wall_clock(MINUTE + Duration::from_secs(1));
    assert_eq!(app.poll().await.reminders, 1);
    app.advance_wall_clock(MINUTE + Duration::from_secs(1));
    assert_eq!(app.poll().await.escalations, 1);
    let pings = app.discord.messages_in(card);
    assert_eq!(pings.len(), 2, "the reminder and the escalation, in the thread: {pings:?}");
    assert!(pings[0]["content"].as_str().unwrap().contains("Reminder 1 of 1"), "{pings:?}");
    assert_eq!(pings[0]["mention_roles"], json!([app.reviewer_role.to_string()]));
    assert!(pings[1]["content"].as_str().unwrap().contains("escalated"), "{pings:?}");
    assert_eq!(pings[1]["mention_roles"], json!([leads.to_string()]));
    assert!(replies_to(&app, &approval).is_empty(), "nothing replies in the channel");

    let ana = app.reviewer("ana");
    let click = app.click(&ana, &approval, "Approve with note").await;
    app.discord.wait_for_callback(&click, PROMPTLY).await.expect("the form opens");
    let submit = app.discord.submit_modal(&click, &[("note", "fix the hands")]).await;
    assert_eq!(app.answer(&submit).await, "Approved. The run goes on.");
    let archive = |r: &RecordedRequest| r.method == "PATCH" && r.path == format!("/channels/{card}");
    let archived = app.discord.wait_for_request(archive, PROMPTLY).await.expect("the thread is archived");
    assert_eq!(archived.body, Some(json!({ "archived": true })));
    let said = said_in(&app, card);
    assert_eq!(said.len(), 3, "{said:?}");
    let closing = &said[2];
    assert!(
        closing.starts_with(&format!("This gate is closed. ✅ Approved by <@{}>", ana.user_id)),
        "{closing}"
    );
    assert!(closing.ends_with("Note: fix the hands"), "{closing}");
    let closed =
        app.discord.requests().into_iter().rev().find(|r| r.path == format!("/channels/{card}/messages"));
    let body = closed.and_then(|r| r.body).expect("the closing message was recorded");
    assert_eq!(body["allowed_mentions"]["parse"], json!([]), "the closing line pings nobody: {body}");
    assert_eq!(app.discord.thread(card).unwrap()["thread_metadata"]["archived"], true);
    assert_eq!(app.cards().len(), 1, "the channel holds the card alone");

    app.advance_wall_clock(MINUTE * 10);
    app.poll().await;
    assert_eq!(said_in(&app, card).len(), 3, "one closing message");
    assert_eq!(thread_starts(&app), 1);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn without_the_thread_permission_the_card_says_why_once_and_reminders_reply_in_the_channel() {
    let app = spawn_app_with(|env| {
        env.insert("CARD_THREADS", "on".into());
        env.insert("REMIND_AFTER", "60s".into());
        env.insert("MAX_REMINDERS", "2".into());
    })
    .await;
    let job = super::parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    assert!(approval.message_id.is_some(), "the card is posted all the same");
    assert_eq!(approval.thread.id, None);
    let refused = app.discord.rejections();
    assert_eq!(refused.len(), 1, "the thread's start, refused");
    assert_eq!(refused[0].error_code(), Some(50013));

    app.poll().await;
    let card = card_of(&app, &approval).to_string();
    let why = "No thread: the bot lacks Create Public Threads here";
    assert_eq!(card.matches(why).count(), 1, "{card}");

    for n in 1..=2 {
        app.advance_wall_clock(MINUTE + Duration::from_secs(1));
        assert_eq!(app.poll().await.reminders, 1);
        assert_eq!(replies_to(&app, &approval).len(), n, "reminder {n} replies to the card");
    }
    assert_eq!(thread_starts(&app), 1, "a refused thread is not asked for again");
    assert_eq!(app.discord.rejections().len(), 1);
    let card = card_of(&app, &approval).to_string();
    assert_eq!(card.matches(why).count(), 1, "said once");
}

#[tokio::test]
async fn the_overdue_ping_goes_to_the_thread_and_a_gate_closed_in_scenario_or_by_its_run_closes_its_thread_once()
 {
    let app = spawn_app_with(|env| {
        env.insert("CARD_THREADS", "on".into());
        env.insert("DEADLINE", "60s".into());
    })
    .await;
    app.discord.allow_bot_role(app.channel, CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS);
    let (approved, cancelled) = (super::parked_run(&app).await, super::parked_run(&app).await);
    let mut threads = vec![];
    for job in [&approved, &cancelled] {
        let approval = app.approval(job, "review").await;
        threads.push((approval.thread.id.expect("a thread was started").get(), approval));
    }
    app.advance_wall_clock(MINUTE + Duration::from_secs(1));
    assert_eq!(app.poll().await.deadlines, 2);
    for (thread, approval) in &threads {
        let said = said_in(&app, *thread);
        assert!(said.len() == 1 && said[0].contains("The deadline of this gate has passed"), "{said:?}");
        assert!(replies_to(&app, approval).is_empty());
    }

    app.scenario.approve(&approved, "review").unwrap();
    app.scenario.cancel_run(&cancelled);
    for _ in 0..2 {
        app.poll().await;
    }
    for ((thread, _), how) in threads.iter().zip(["Approved in Scenario", "The run ended (canceled)"]) {
        let archive = |r: &RecordedRequest| r.method == "PATCH" && r.path == format!("/channels/{thread}");
        app.discord
            .wait_for_request(archive, PROMPTLY)
            .await
            .expect("the thread of a closed gate is archived");
        assert_eq!(app.discord.thread(*thread).unwrap()["thread_metadata"]["archived"], true);
        let said = said_in(&app, *thread);
        assert_eq!(said.len(), 2, "{said:?}");
        assert!(said[1].starts_with(&format!("This gate is closed. {how}")), "{said:?}");
    }
    app.poll().await;
    assert_eq!(said_in(&app, threads[0].0).len(), 2, "closed once");
    assert_eq!(app.cards().len(), 2, "the channel holds the two cards alone");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_thread_that_refuses_a_ping_sends_it_back_to_a_reply_in_the_channel() {
    let app = spawn_app_with(|env| {
        env.insert("CARD_THREADS", "on".into());
        env.insert("REMIND_AFTER", "60s".into());
    })
    .await;
    // Create Public Threads without Send Messages in Threads: the thread starts, takes nothing.
    app.discord.allow_bot_role(app.channel, CREATE_PUBLIC_THREADS);
    let job = super::parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let thread = approval.thread.id.expect("a thread was started").get();

    app.advance_wall_clock(MINUTE + Duration::from_secs(1));
    assert_eq!(app.poll().await.reminders, 1);
    let replies = replies_to(&app, &approval);
    assert_eq!(replies.len(), 1, "the reminder replies to the card instead");
    assert!(replies[0]["content"].as_str().unwrap().contains("Reminder 1 of 3"));
    assert!(said_in(&app, thread).is_empty());
    let refused = app.discord.rejections();
    assert_eq!(refused.len(), 1, "the thread's refusal, once");
    assert_eq!(
        (refused[0].path.clone(), refused[0].error_code()),
        (format!("/channels/{thread}/messages"), Some(50013))
    );
}
