//! Deadlines: counted from the moment the gate was seen, shown on the card, and when they pass
//! the policy's outcome, once: a decision credited to the bridge, or the card marked overdue.

use std::time::Duration;

use approval_bridge::approvals::state::ApprovalState;

use super::{card_of, field, has_buttons, parked_run, replies_to};
use crate::support::{
    app::{TestApp, spawn_app_with},
    fake_scenario::{Endpoint, FlowTemplate},
    postgres::TempSchema,
};

const PAST_DEADLINE: Duration = Duration::from_secs(61);

async fn app_with_deadline(on_deadline: &str, approvals: u8) -> TestApp {
    let on_deadline = on_deadline.to_owned();
    spawn_app_with(move |env| {
        env.insert("DEADLINE", "60s".into());
        env.insert("ON_DEADLINE", on_deadline);
        env.insert("APPROVALS_REQUIRED", approvals.to_string());
    })
    .await
}

#[tokio::test]
async fn a_passed_deadline_that_rejects_sends_one_reject_credited_to_the_bridge_and_its_policy() {
    let app = app_with_deadline("reject", 1).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let description = crate::support::card_view::heading(&card_of(&app, &approval));
    let at = approval.found_at / 1000 + 60;
    assert!(
        description.contains(&format!("Deadline <t:{at}:R> (<t:{at}:f>); then the bridge rejects it.")),
        "{description}"
    );
    app.advance_wall_clock(Duration::from_secs(30));
    assert_eq!(app.poll().await.deadlines, 0);
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0);

    app.advance_wall_clock(PAST_DEADLINE - Duration::from_secs(30));
    assert_eq!(app.poll().await.deadlines, 1);
    let puts = app.scenario.requests_to(Endpoint::UserApproval);
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].body.clone().unwrap()["action"], "reject");
    let decided = app.approval(&job, "review").await;
    assert_eq!(decided.state, ApprovalState::Rejected);
    let decision = field(&card_of(&app, &decided), "Decision").unwrap();
    assert!(decision.starts_with("❌ Rejected by approval-bridge"), "{decision}");
    assert!(decision.contains("The deadline (1m) passed undecided; route policy: 1 approval"), "{decision}");
    let audit = app.store().audit_of(approval.id).await.unwrap();
    let claimed = audit.iter().find(|e| e.action == "claimed").expect("claimed");
    assert_eq!(claimed.actor_name.as_deref(), Some("approval-bridge"));
    assert!(claimed.reason.as_deref().unwrap().contains("deadline 1m, then reject"), "{claimed:?}");

    app.advance_wall_clock(PAST_DEADLINE);
    assert_eq!(app.poll().await.deadlines, 0);
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1, "once");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_passed_deadline_that_approves_approves_whatever_the_tally() {
    let app = app_with_deadline("approve", 2).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let counted = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    assert!(app.answer(&counted).await.starts_with("Your approval is counted: 1 of 2"));

    app.advance_wall_clock(PAST_DEADLINE);
    assert_eq!(app.poll().await.deadlines, 1);
    let puts = app.scenario.requests_to(Endpoint::UserApproval);
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].body.clone().unwrap()["action"], "approve");
    let decided = app.approval(&job, "review").await;
    assert_eq!(decided.state, ApprovalState::Approved);
    assert_eq!(decided.decided_by.as_ref().map(|r| r.name.as_str()), Some("approval-bridge"));
    let decision = field(&card_of(&app, &decided), "Decision").unwrap();
    assert!(
        decision.starts_with("✅ Approved by approval-bridge") && decision.contains("deadline"),
        "{decision}"
    );
}

#[tokio::test]
async fn a_passed_deadline_that_decides_nothing_marks_the_card_overdue_and_pings_once() {
    let app = app_with_deadline("nothing", 1).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    app.advance_wall_clock(PAST_DEADLINE);
    assert_eq!(app.poll().await.deadlines, 1);
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0, "nothing decided");

    let card = card_of(&app, &approval);
    let description = crate::support::card_view::heading(&card);
    assert!(description.contains("⏰ Overdue: the deadline passed"), "{description}");
    assert!(has_buttons(&card), "reviewers can still decide");
    let replies = replies_to(&app, &approval);
    assert_eq!(replies.len(), 1);
    assert!(replies[0]["content"].as_str().unwrap().contains("The deadline of this gate has passed"));
    assert_eq!(replies[0]["mention_roles"], serde_json::json!([app.reviewer_role.to_string()]));

    app.advance_wall_clock(PAST_DEADLINE * 10);
    assert_eq!(app.poll().await.deadlines, 0);
    assert_eq!(replies_to(&app, &approval).len(), 1, "pinged once");
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    assert!(app.answer(&click).await.starts_with("Approved"));
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1);
}

#[tokio::test]
async fn a_restart_across_a_due_deadline_sends_one_decision() {
    let mut app = app_with_deadline("reject", 1).await;
    let job = parked_run(&app).await;
    app.stop().await.expect("clean stop");
    app.advance_wall_clock(PAST_DEADLINE * 5);
    app.start().await;
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1, "the start-up pass decides");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Rejected);
    assert_eq!(app.poll().await.deadlines, 0);
    app.stop().await.expect("clean stop");
    app.advance_wall_clock(PAST_DEADLINE);
    app.start().await;
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1, "once, across restarts");
}

#[tokio::test]
async fn on_postgresql_a_quorum_counts_and_a_passed_deadline_rejects_once() {
    let Some(schema) = TempSchema::create("review::deadlines::postgresql").await else { return };
    let url = schema.url();
    let app = spawn_app_with(move |env| {
        env.insert("DATABASE_URL", url);
        env.insert("APPROVALS_REQUIRED", "2".into());
        env.insert("DEADLINE", "60s".into());
        env.insert("ON_DEADLINE", "reject".into());
    })
    .await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let ana = app.reviewer("ana");
    let counted = app.click(&ana, &approval, "Approve").await;
    assert!(app.answer(&counted).await.starts_with("Your approval is counted: 1 of 2"));
    let again = app.click(&ana, &approval, "Approve").await;
    let answer = app.answer(&again).await;
    assert!(answer.starts_with("You have approved this gate already"), "{answer}");

    app.advance_wall_clock(PAST_DEADLINE);
    assert_eq!(app.poll().await.deadlines, 1);
    assert_eq!(app.poll().await.deadlines, 0);
    let puts = app.scenario.requests_to(Endpoint::UserApproval);
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].body.clone().unwrap()["action"], "reject");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Rejected);
}

#[tokio::test]
async fn a_deadline_that_approves_marks_a_selection_gate_overdue_rather_than_pick() {
    let app = app_with_deadline("approve", 1).await;
    let workflow = app.scenario.add_workflow("Ideas", FlowTemplate::text_selection(&["a", "b", "c"]));
    let job = app.scenario.start_parked_run(&workflow);
    assert_eq!(app.poll().await.cards_posted, 1);
    let approval = app.store().open_approvals().await.unwrap().pop().expect("the selection gate");
    app.advance_wall_clock(PAST_DEADLINE);
    assert_eq!(app.poll().await.deadlines, 1);
    assert_eq!(app.poll().await.deadlines, 0, "once");
    assert_eq!(app.scenario.count(Endpoint::UserSelection), 0, "nothing picked for the reviewers");
    let open = app.store().approval(approval.id).await.unwrap().unwrap();
    assert_eq!((open.state, open.job_id.as_str()), (ApprovalState::Pending, job.as_str()));
    assert_eq!(replies_to(&app, &open).len(), 1, "the reviewers are pinged once");
}
