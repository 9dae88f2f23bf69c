//! Who started a run: the card's "Started by" line, and a linked author refused the approval of
//! their own run (Approve, Approve with note, and their vote under a quorum), while they may
//! approve others' runs and reject their own.

use approval_bridge::approvals::state::ApprovalState;

use super::card_of;
use crate::{
    commands::{admin, text},
    support::{
        app::{PROMPTLY, TestApp, spawn_app, spawn_app_with},
        card_view,
        fake_discord::{CommandCall, GuildMember, OptionValue},
        fake_scenario::{AUTHOR, Endpoint, FlowTemplate},
    },
};

/// Links the Scenario user `user` to `member`, as an admin does.
async fn link(app: &TestApp, user: &str, member: &GuildMember) {
    let call = CommandCall::new("approvals")
        .group("people")
        .sub("link")
        .opt("scenario_user", text(user))
        .opt("member", OptionValue::User(member.clone()));
    let handle = app.discord.run_command(&admin(), app.channel, call).await;
    assert!(app.answer(&handle).await.contains("is now <@"), "linked");
}

/// Runs of "Lighthouse" started by `authors` (`None`: an API key), each parked at its gate
/// `review` with its card posted; returns their ids.
async fn runs_by(app: &TestApp, authors: &[Option<&str>]) -> Vec<String> {
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let jobs: Vec<String> = authors.iter().map(|a| app.scenario.start_parked_run_by(&workflow, *a)).collect();
    assert_eq!(app.poll().await.cards_posted, jobs.len());
    jobs
}

#[tokio::test]
async fn a_linked_author_may_not_approve_their_own_run_but_may_approve_others_and_reject_their_own() {
    let app = spawn_app().await;
    let jobs = runs_by(&app, &[Some(AUTHOR), Some("f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"), Some(AUTHOR)]).await;
    let nina = app.reviewer("nina");
    link(&app, AUTHOR, &nina).await;
    let own = app.approval(&jobs[0], "review").await;

    let click = app.click(&nina, &own, "Approve").await;
    let refused = app.answer(&click).await;
    assert_eq!(
        refused,
        format!(
            "You started this run, and this workflow's gates are approved by someone other than the person who asked: another member with the <@&{}> role approves it. You may still reject it; nothing was changed.",
            app.reviewer_role
        )
    );
    // Approve with note is refused before its form opens.
    let with_note = app.click(&nina, &own, "Approve with note").await;
    let callback = app.discord.wait_for_callback(&with_note, PROMPTLY).await.expect("answered");
    assert_eq!(callback.body.unwrap_or_default()["type"], 4, "a refusal, not the note form");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0);
    assert_eq!(app.approval(&jobs[0], "review").await.state, ApprovalState::Pending);

    let others = app.approval(&jobs[1], "review").await;
    let approved = app.click(&nina, &others, "Approve").await;
    assert!(app.answer(&approved).await.starts_with("Approved"));
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1);

    let rejected = super::reject(&app, &nina, &own, "not what I asked for").await;
    assert!(rejected.starts_with("Rejected"), "{rejected}");
    assert_eq!(app.approval(&jobs[0], "review").await.state, ApprovalState::Rejected);

    // Another reviewer approves the author's other run.
    let third = app.approval(&jobs[2], "review").await;
    let by_rita = app.click(&app.reviewer("rita"), &third, "Approve").await;
    assert!(app.answer(&by_rita).await.starts_with("Approved"));
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 3);
    let refusals = app.store().refusals().await.unwrap();
    assert!(refusals.iter().any(|r| r.why == "own_run"), "{refusals:?}");
}

#[tokio::test]
async fn a_linked_author_may_not_confirm_picks_on_their_own_runs_selection_card() {
    let app = spawn_app().await;
    let template = FlowTemplate::text_selection(&["red", "green"]);
    let workflow = app.scenario.add_workflow("Ideas", template);
    let job = app.scenario.start_parked_run_by(&workflow, Some(AUTHOR));
    app.poll().await;
    let nina = app.reviewer("nina");
    link(&app, AUTHOR, &nina).await;
    let click = app.click(&nina, &app.approval(&job, "pick").await, "Confirm").await;
    assert!(app.answer(&click).await.starts_with("You started this run"));
    assert_eq!(app.scenario.count(Endpoint::UserSelection), 0);
}

#[tokio::test]
async fn a_route_may_allow_self_approval_and_the_policy_shows_it() {
    let app = spawn_app().await;
    let jobs = runs_by(&app, &[Some(AUTHOR)]).await;
    let approval = app.approval(&jobs[0], "review").await;
    let route = CommandCall::new("approvals")
        .sub("watch")
        .opt("workflow", text(approval.workflow_id.as_str()))
        .opt("channel", OptionValue::Channel(app.channel));
    app.answer(&app.discord.run_command(&admin(), app.channel, route).await).await;
    let policy = CommandCall::new("approvals")
        .sub("policy")
        .opt("workflow", text(approval.workflow_id.as_str()))
        .opt("self_approval", text("allowed"));
    let said = app.answer(&app.discord.run_command(&admin(), app.channel, policy).await).await;
    assert_eq!(said, "**Lighthouse** now has self-approval allowed.");
    let audit = app.store().route_audit(1).await.unwrap();
    assert_eq!(audit[0].policy.as_deref(), Some("self-approval allowed"));

    let nina = app.reviewer("nina");
    link(&app, AUTHOR, &nina).await;
    let click = app.click(&nina, &approval, "Approve").await;
    assert!(app.answer(&click).await.starts_with("Approved"));
}

#[tokio::test]
async fn unlinked_and_keyless_runs_are_approved_by_anyone_as_before() {
    let app = spawn_app().await;
    let jobs = runs_by(&app, &[Some(AUTHOR), None]).await;
    let nina = app.reviewer("nina");
    for job in &jobs {
        let approval = app.approval(job, "review").await;
        let click = app.click(&nina, &approval, "Approve").await;
        assert!(app.answer(&click).await.starts_with("Approved"));
    }
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 2);
}

#[tokio::test]
async fn with_self_approval_allowed_a_linked_author_approves_their_own_run() {
    let app = spawn_app_with(|env| _ = env.insert("SELF_APPROVAL", "allowed".into())).await;
    let jobs = runs_by(&app, &[Some(AUTHOR)]).await;
    let nina = app.reviewer("nina");
    link(&app, AUTHOR, &nina).await;
    let click = app.click(&nina, &app.approval(&jobs[0], "review").await, "Approve").await;
    assert!(app.answer(&click).await.starts_with("Approved"));
}

#[tokio::test]
async fn under_a_quorum_the_authors_vote_counts_no_more_once_they_are_linked() {
    let app = spawn_app_with(|env| _ = env.insert("APPROVALS_REQUIRED", "2".into())).await;
    let jobs = runs_by(&app, &[Some(AUTHOR)]).await;
    let approval = app.approval(&jobs[0], "review").await;
    let nina = app.reviewer("nina");
    let counted = app.click(&nina, &approval, "Approve").await;
    assert!(app.answer(&counted).await.starts_with("Your approval is counted: 1 of 2"));
    link(&app, AUTHOR, &nina).await;

    let by_rita = app.click(&app.reviewer("rita"), &approval, "Approve").await;
    let answer = app.answer(&by_rita).await;
    assert!(answer.starts_with("Your approval is counted: 1 of 2"), "{answer}");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0);
    let by_otto = app.click(&app.reviewer("otto"), &approval, "Approve").await;
    assert!(app.answer(&by_otto).await.starts_with("Approved"));
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1);
}

#[tokio::test]
async fn the_card_says_who_started_the_run_a_member_a_scenario_user_or_an_api_key() {
    let app = spawn_app().await;
    let jobs = runs_by(&app, &[Some(AUTHOR), None]).await;
    let heading = |app: &TestApp, approval| card_view::heading(&card_of(app, approval));
    let by_person = app.approval(&jobs[0], "review").await;
    let by_key = app.approval(&jobs[1], "review").await;
    assert!(heading(&app, &by_person).contains(&format!("Started by Scenario user `{AUTHOR}`.")));
    assert!(heading(&app, &by_key).contains("Started with an API key."));

    let nina = GuildMember::new("nina");
    link(&app, AUTHOR, &nina).await;
    assert_eq!(app.poll().await.cards_updated, 1, "only the card of that user's run");
    assert!(heading(&app, &by_person).contains(&format!("Started by <@{}>.", nina.user_id)));
    app.discord.assert_no_rejections();
}
