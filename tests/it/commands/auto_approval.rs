//! An automatic approval is an approval: a deadline that approves may be set only by a member
//! who may both manage the server and approve the route's gates, and a deadline set or shortened
//! counts, for the gates already waiting, from the moment the policy changed (a route reset to a
//! shorter default deadline, or removed, too).

use std::time::Duration;

use approval_bridge::approvals::state::ApprovalState;

use super::{MANAGE_SERVER, admin, approvals, parked, run, text};
use crate::support::{
    app::{TestApp, spawn_app, spawn_app_with},
    fake_discord::OptionValue,
    fake_scenario::Endpoint,
};

/// A parked run of "Lighthouse", its workflow routed to the reviewer role: the workflow and run.
async fn routed_to_reviewers(app: &TestApp) -> (String, String) {
    let (workflow, job) = parked(app, "Lighthouse");
    let watch = approvals("watch")
        .opt("workflow", text(&workflow))
        .opt("channel", OptionValue::Channel(app.channel))
        .opt("reviewer_role", OptionValue::Role(app.reviewer_role));
    run(app, &admin(), watch).await;
    (workflow, job)
}

#[tokio::test]
async fn an_admin_who_may_not_approve_cannot_set_a_deadline_that_approves() {
    let app = spawn_app().await;
    let (workflow, _job) = routed_to_reviewers(&app).await;
    let approving = || {
        approvals("policy")
            .opt("workflow", text(&workflow))
            .opt("deadline", text("2h"))
            .opt("on_deadline", text("approve"))
    };

    let refused = run(&app, &admin(), approving()).await;
    assert!(refused.starts_with("A deadline that approves is an approval"), "{refused}");
    assert!(refused.contains(&format!("<@&{}>", app.reviewer_role)), "names who may: {refused}");
    assert_eq!(app.store().route_audit(10).await.unwrap().len(), 1, "only the watch");
    // Rejecting at the deadline is no approval: an admin may set it.
    let rejecting = approvals("policy")
        .opt("workflow", text(&workflow))
        .opt("deadline", text("2h"))
        .opt("on_deadline", text("reject"));
    assert!(run(&app, &admin(), rejecting).await.contains("now has its own policy"));
    // Nor may the admin turn that deadline into an approval.
    let turned = approvals("policy").opt("workflow", text(&workflow)).opt("on_deadline", text("approve"));
    assert!(run(&app, &admin(), turned).await.starts_with("A deadline that approves is an approval"));

    let reviewing_admin = app.reviewer("rhea").with_permissions(MANAGE_SERVER);
    let accepted = run(&app, &reviewing_admin, approving()).await;
    assert!(accepted.contains("deadline 2h, then approve"), "{accepted}");
}

#[tokio::test]
async fn a_one_second_deadline_set_on_a_gate_waiting_for_an_hour_decides_a_second_after_the_change() {
    let app = spawn_app().await;
    let (workflow, job) = routed_to_reviewers(&app).await;
    app.poll().await;
    let approval = app.approval(&job, "review").await;
    // The gate has waited an hour.
    let an_hour_ago = approval.found_at - 3_600_000;
    app.execute_sql(&format!("UPDATE approvals SET found_at = {an_hour_ago} WHERE id = {}", approval.id))
        .await;

    let reviewing_admin = app.reviewer("rhea").with_permissions(MANAGE_SERVER);
    let call = approvals("policy")
        .opt("workflow", text(&workflow))
        .opt("deadline", text("1s"))
        .opt("on_deadline", text("approve"));
    assert!(run(&app, &reviewing_admin, call).await.contains("deadline 1s, then approve"));
    let report = app.poll().await;
    assert_eq!((report.deadlines, app.scenario.count(Endpoint::UserApproval)), (0, 0), "{report:?}");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Pending);

    app.advance_wall_clock(Duration::from_millis(1500));
    let report = app.poll().await;
    assert_eq!((report.deadlines, app.scenario.count(Endpoint::UserApproval)), (1, 1), "{report:?}");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Approved);
}

#[tokio::test]
async fn a_route_reset_to_a_shorter_default_deadline_counts_it_from_the_reset() {
    let app = spawn_app_with(|env| {
        env.insert("DEADLINE", "1s".into());
        env.insert("ON_DEADLINE", "reject".into());
    })
    .await;
    let (workflow, job) = routed_to_reviewers(&app).await;
    let own = approvals("policy")
        .opt("workflow", text(&workflow))
        .opt("deadline", text("2h"))
        .opt("on_deadline", text("reject"));
    assert!(run(&app, &admin(), own).await.contains("now has its own policy"));
    app.poll().await;
    let approval = app.approval(&job, "review").await;
    // The gate has waited an hour, well within the route's own deadline of two hours.
    let an_hour_ago = approval.found_at - 3_600_000;
    app.execute_sql(&format!("UPDATE approvals SET found_at = {an_hour_ago} WHERE id = {}", approval.id))
        .await;

    // Back to the defaults: a deadline of one second, which the gate passed an hour ago.
    let reset = approvals("policy").opt("workflow", text(&workflow)).opt("reset", OptionValue::Boolean(true));
    assert!(run(&app, &admin(), reset).await.contains("now has the default policy"));
    let report = app.poll().await;
    assert_eq!((report.deadlines, app.scenario.count(Endpoint::UserApproval)), (0, 0), "{report:?}");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Pending);

    app.advance_wall_clock(Duration::from_millis(1500));
    let report = app.poll().await;
    assert_eq!((report.deadlines, app.scenario.count(Endpoint::UserApproval)), (1, 1), "{report:?}");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Rejected);
}

#[tokio::test]
async fn removing_a_route_counts_the_defaults_shorter_deadline_from_the_removal() {
    let app = spawn_app_with(|env| {
        env.insert("DEADLINE", "1s".into());
        env.insert("ON_DEADLINE", "reject".into());
    })
    .await;
    let (workflow, job) = routed_to_reviewers(&app).await;
    let own = approvals("policy")
        .opt("workflow", text(&workflow))
        .opt("deadline", text("2h"))
        .opt("on_deadline", text("reject"));
    assert!(run(&app, &admin(), own).await.contains("now has its own policy"));
    app.poll().await;
    let approval = app.approval(&job, "review").await;
    let an_hour_ago = approval.found_at - 3_600_000;
    app.execute_sql(&format!("UPDATE approvals SET found_at = {an_hour_ago} WHERE id = {}", approval.id))
        .await;

    // Without its route the gate follows the defaults: a deadline of one second, which it passed
    // an hour ago, counted from the removal instead.
    let unwatch = approvals("unwatch").opt("workflow", text(&workflow));
    assert!(run(&app, &admin(), unwatch).await.contains("has no route of its own any more"));
    let report = app.poll().await;
    assert_eq!((report.deadlines, app.scenario.count(Endpoint::UserApproval)), (0, 0), "{report:?}");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Pending);

    app.advance_wall_clock(Duration::from_millis(1500));
    let report = app.poll().await;
    assert_eq!((report.deadlines, app.scenario.count(Endpoint::UserApproval)), (1, 1), "{report:?}");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Rejected);
}

#[tokio::test]
async fn an_admin_who_may_not_approve_cannot_remove_a_route_whose_gates_the_defaults_would_approve() {
    let app = spawn_app_with(|env| {
        env.insert("DEADLINE", "2h".into());
        env.insert("ON_DEADLINE", "approve".into());
    })
    .await;
    let (workflow, job) = routed_to_reviewers(&app).await;
    let no_deadline = approvals("policy").opt("workflow", text(&workflow)).opt("deadline", text("off"));
    assert!(run(&app, &admin(), no_deadline).await.contains("now has its own policy"));

    let unwatch = || approvals("unwatch").opt("workflow", text(&workflow));
    let refused = run(&app, &admin(), unwatch()).await;
    assert!(refused.starts_with("A deadline that approves is an approval"), "{refused}");
    assert!(refused.contains(&format!("<@&{}>", app.reviewer_role)), "names who may: {refused}");
    assert_eq!(app.store().watches().await.unwrap().len(), 1, "the route stays");

    let reviewing_admin = app.reviewer("rhea").with_permissions(MANAGE_SERVER);
    assert!(run(&app, &reviewing_admin, unwatch()).await.contains("has no route of its own any more"));
    app.poll().await;
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Pending, "nothing decided at once");
}
