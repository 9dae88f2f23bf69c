//! The gates of one run decided at once: Approve all on a ForEach run's cards and
//! `/approvals decide`, confirmed privately, then one decision per gate through the usual claim.

use approval_bridge::{approvals::state::ApprovalState, store::Approval};

use super::card_of;
use crate::{
    commands::{MANAGE_SERVER, admin, text},
    support::{
        app::{PROMPTLY, TestApp, button, spawn_app, spawn_app_with},
        card_view,
        fake_discord::{CommandCall, GuildMember, InteractionHandle},
        fake_scenario::{Endpoint, Fault, FlowTemplate, Release},
        wait::wait_until,
    },
};

/// A run of "Tiles" parked at the `count` gates of its ForEach, their cards posted; returns the
/// run and its approvals, in iteration order.
async fn for_each_run(app: &TestApp, count: u32) -> (String, Vec<Approval>) {
    let workflow = app.scenario.add_workflow("Tiles", FlowTemplate::for_each_gate(count));
    let job = app.scenario.start_parked_run(&workflow);
    assert_eq!(app.poll().await.cards_posted, count as usize);
    let mut approvals = Vec::new();
    for i in 0..count {
        approvals.push(app.approval(&job, &format!("check_{i}")).await);
    }
    (job, approvals)
}

/// Presses `label` under the private answer to `answered`.
async fn press(app: &TestApp, answered: &InteractionHandle, label: &str) -> InteractionHandle {
    let answer = app.discord.original_response(answered).expect("a private answer");
    let custom_id = button(&answer, label).unwrap_or_else(|| panic!("no {label} under {answer}"));
    app.discord.click_ephemeral_button(answered, &custom_id).await
}

/// Each gate's node, in the order their PUTs came.
fn puts(app: &TestApp) -> Vec<String> {
    let puts = app.scenario.requests_to(Endpoint::UserApproval);
    puts.iter().map(|p| p.body.clone().unwrap()["nodeId"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn approve_all_on_a_foreach_run_sends_one_put_per_gate_and_closes_every_card() {
    let app = spawn_app().await;
    let (job, approvals) = for_each_run(&app, 8).await;
    let card = card_of(&app, &approvals[0]);
    let labels: Vec<String> =
        card_view::controls(&card).iter().filter_map(|c| c["label"].as_str().map(str::to_owned)).collect();
    assert!(labels.contains(&"Approve all 8".to_owned()), "{labels:?}");

    let ana = app.reviewer("ana");
    let asked = app.click(&ana, &approvals[0], "Approve all 8").await;
    let listing = app.answer(&asked).await;
    assert!(listing.starts_with("**Confirm** approves each of these 8 gates of run"), "{listing}");
    assert!(listing.contains("gate `check_7` (iteration 8)"), "{listing}");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0, "nothing before Confirm");

    let confirmed = press(&app, &asked, "Confirm").await;
    assert_eq!(app.answer(&confirmed).await, "Approved 8 gates of the run.");
    let mut sent = puts(&app);
    sent.sort();
    let expected: Vec<String> = (0..8).map(|i| format!("check_{i}")).collect();
    assert_eq!(sent, expected, "one PUT per gate");
    for (i, approval) in approvals.iter().enumerate() {
        let decided = app.approval(&job, &format!("check_{i}")).await;
        assert_eq!(decided.state, ApprovalState::Approved);
        assert!(card_view::controls(&card_of(&app, approval)).is_empty(), "card {i} closed");
        let audit = app.store().audit_of(approval.id).await.unwrap();
        assert!(audit.iter().any(|e| e.action == "decided"), "gate {i}'s own entry");
    }
    let first = app.store().audit_of(approvals[0].id).await.unwrap();
    let bulk: Vec<_> = first.iter().filter(|e| e.action == "run_decided").collect();
    assert_eq!(bulk.len(), 1, "one entry for the bulk action");
    assert!(bulk[0].detail.as_deref().unwrap_or_default().starts_with("approve run"), "{bulk:?}");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn after_one_gate_is_decided_the_other_cards_count_one_gate_fewer() {
    let app = spawn_app().await;
    let (_, approvals) = for_each_run(&app, 3).await;
    let click = app.click(&app.reviewer("ana"), &approvals[0], "Approve").await;
    assert!(app.answer(&click).await.starts_with("Approved"));
    assert_eq!(app.poll().await.cards_updated, 2);
    for approval in &approvals[1..] {
        assert!(button(&card_of(&app, approval), "Approve all 2").is_some(), "{}", approval.node_id);
    }
}

#[tokio::test]
async fn a_single_click_racing_approve_all_on_one_gate_still_makes_eight_puts() {
    let app = spawn_app().await;
    let (_, approvals) = for_each_run(&app, 8).await;
    let ana = app.reviewer("ana");
    let asked = app.click(&ana, &approvals[0], "Approve all 8").await;
    app.answer(&asked).await;

    // Ben's click on one gate is in flight (its PUT held) when Ana confirms.
    let held = Release::default();
    app.scenario.inject(Endpoint::UserApproval, Fault::Hold(held.clone()), 1);
    let single = app.click(&app.reviewer("ben"), &approvals[3], "Approve").await;
    wait_until("ben's PUT", PROMPTLY, async || app.scenario.count(Endpoint::UserApproval) == 1).await;
    let confirmed = press(&app, &asked, "Confirm").await;
    let answer = app.answer(&confirmed).await;
    held.release();
    assert!(app.answer(&single).await.starts_with("Approved"));
    assert_eq!(answer, "Approved 7 gates of the run.");
    let mut sent = puts(&app);
    sent.sort();
    let expected: Vec<String> = (0..8).map(|i| format!("check_{i}")).collect();
    assert_eq!(sent, expected, "8 PUTs, one per gate, not 9");
}

#[tokio::test]
async fn under_a_quorum_approve_all_counts_one_vote_per_gate_and_leaves_them_open() {
    let app = spawn_app_with(|env| _ = env.insert("APPROVALS_REQUIRED", "2".into())).await;
    let (job, approvals) = for_each_run(&app, 3).await;
    let asked = app.click(&app.reviewer("ana"), &approvals[0], "Approve all 3").await;
    app.answer(&asked).await;
    let confirmed = press(&app, &asked, "Confirm").await;
    let answer = app.answer(&confirmed).await;
    assert_eq!(
        answer,
        "Approved 0 gates of the run. Your approval is counted on 3 gates that need more approvals."
    );
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0, "not forced through");
    for i in 0..3 {
        let gate = app.approval(&job, &format!("check_{i}")).await;
        assert_eq!(gate.state, ApprovalState::Pending);
        let card = card_of(&app, &gate);
        assert!(card_view::section(&card, "Approvals").unwrap().starts_with("Approved 1 of 2"), "{card}");
    }
    let second = app.click(&app.reviewer("ben"), &approvals[1], "Approve all 3").await;
    app.answer(&second).await;
    let confirmed = press(&app, &second, "Confirm").await;
    assert_eq!(app.answer(&confirmed).await, "Approved 3 gates of the run.");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 3);
}

/// `/approvals decide run:<job> decision:<decision>` typed by `member`.
async fn decide(app: &TestApp, member: &GuildMember, job: &str, decision: &str) -> InteractionHandle {
    let call =
        CommandCall::new("approvals").sub("decide").opt("run", text(job)).opt("decision", text(decision));
    app.discord.run_command(member, app.channel, call).await
}

#[tokio::test]
async fn an_admin_who_reviews_rejects_a_whole_run_with_approvals_decide() {
    let app = spawn_app().await;
    let (job, _) = for_each_run(&app, 3).await;
    let lead = app.reviewer("lea").with_permissions(MANAGE_SERVER);
    let asked = decide(&app, &lead, &job, "reject").await;
    let listing = app.answer(&asked).await;
    assert!(listing.starts_with("**Confirm** rejects each of these 3 gates"), "{listing}");
    let confirmed = press(&app, &asked, "Confirm").await;
    assert_eq!(app.answer(&confirmed).await, "Rejected 3 gates of the run.");
    let sent = app.scenario.requests_to(Endpoint::UserApproval);
    assert_eq!(sent.len(), 3);
    assert!(sent.iter().all(|p| p.body.clone().unwrap()["action"] == "reject"));
    for i in 0..3 {
        assert_eq!(app.approval(&job, &format!("check_{i}")).await.state, ApprovalState::Rejected);
    }
}

#[tokio::test]
async fn approvals_decide_is_refused_to_a_non_admin_and_to_an_admin_who_may_not_decide() {
    let app = spawn_app().await;
    let (job, _) = for_each_run(&app, 2).await;
    let refused = app.answer(&decide(&app, &app.reviewer("rita"), &job, "approve").await).await;
    assert_eq!(
        refused,
        "Only members with the Manage Server permission can use `/approvals decide`; nothing was changed."
    );
    let not_reviewer = app.answer(&decide(&app, &admin(), &job, "approve").await).await;
    assert!(not_reviewer.starts_with("Only members with the <@&"), "{not_reviewer}");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0);
}
