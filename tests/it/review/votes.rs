//! Approvals towards a quorum count while their reviewer may still decide: at each count (a
//! click, a pass, a restart) each earlier voter is looked up as they are now, and the card's
//! tally shows only the approvals that count.

use approval_bridge::approvals::state::ApprovalState;

use super::{card_of, field, parked_run};
use crate::{
    commands::{admin, approvals, run, text},
    support::{
        app::spawn_app_with,
        fake_discord::{GuildMember, OptionValue},
        fake_scenario::{Endpoint, Fault},
    },
};

#[tokio::test]
async fn a_reviewer_who_lost_the_role_no_longer_counts_and_a_second_approval_does_not_decide() {
    let app = spawn_app_with(|env| _ = env.insert("APPROVALS_REQUIRED", "2".into())).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let (ana, ben) = (app.reviewer("ana"), app.reviewer("ben"));
    let first = app.answer(&app.click(&ana, &approval, "Approve").await).await;
    assert!(first.starts_with("Your approval is counted: 1 of 2"), "{first}");

    // Ana's reviewer role is taken away.
    app.discord.update_member(&ana.clone().with_roles(&[]));
    let second = app.answer(&app.click(&ben, &approval, "Approve").await).await;
    assert!(second.starts_with("Your approval is counted: 1 of 2"), "only Ben's counts: {second}");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0, "no quorum, no PUT");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Pending);
    let tally = format!("Approved 1 of 2: <@{}>", ben.user_id);
    assert_eq!(field(&card_of(&app, &approval), "Approvals"), Some(tally), "the card counts Ben alone");
    app.poll().await;
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0, "nor does a pass approve it");

    // Cy, a reviewer, makes two.
    let third = app.answer(&app.click(&app.reviewer("cy"), &approval, "Approve").await).await;
    assert!(third.starts_with("Approved"), "{third}");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1);
}

#[tokio::test]
async fn after_the_routes_reviewer_role_changed_the_old_roles_approvals_do_not_count() {
    let app = spawn_app_with(|env| _ = env.insert("APPROVALS_REQUIRED", "2".into())).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let workflow = approval.workflow_id.to_string();
    let ana = app.reviewer("ana");
    let first = app.answer(&app.click(&ana, &approval, "Approve").await).await;
    assert!(first.starts_with("Your approval is counted: 1 of 2"), "{first}");

    // The route is given to the leads: Ana, a reviewer of the old role, counts no more.
    let leads = app.discord.add_role("Leads", "0");
    let watch = approvals("watch")
        .opt("workflow", text(&workflow))
        .opt("channel", OptionValue::Channel(app.channel))
        .opt("reviewer_role", OptionValue::Role(leads));
    run(&app, &admin(), watch).await;
    app.poll().await;
    let card = card_of(&app, &approval);
    assert_eq!(field(&card, "Approvals").as_deref(), Some("Approved 0 of 2: no approval yet."), "{card}");

    let lea = GuildMember::new("lea").with_roles(&[leads]);
    let counted = app.answer(&app.click(&lea, &approval, "Approve").await).await;
    assert!(counted.starts_with("Your approval is counted: 1 of 2"), "{counted}");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0, "Ana's old approval did not make two");
    let leo = GuildMember::new("leo").with_roles(&[leads]);
    assert!(app.answer(&app.click(&leo, &approval, "Approve").await).await.starts_with("Approved"));
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1);
}

#[tokio::test]
async fn a_quorum_whose_decision_failed_is_not_sent_after_a_restart_and_waits_for_a_click() {
    let mut app = spawn_app_with(|env| _ = env.insert("APPROVALS_REQUIRED", "2".into())).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let (ana, ben) = (app.reviewer("ana"), app.reviewer("ben"));
    assert!(app.answer(&app.click(&ana, &approval, "Approve").await).await.starts_with("Your approval"));
    app.scenario.inject(Endpoint::UserApproval, Fault::status(503), 1);
    let failed = app.answer(&app.click(&ben, &approval, "Approve").await).await;
    assert!(failed.contains("nothing was decided") && failed.contains("The card is still open"), "{failed}");

    // What the reviewers were told holds across a restart: the start-up pass sends nothing.
    app.stop().await.expect("a clean stop");
    app.start().await;
    app.poll().await;
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1, "not sent behind the reviewers' backs");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Pending);

    let again = app.answer(&app.click(&ben, &approval, "Approve").await).await;
    assert!(again.starts_with("Approved"), "the next click decides: {again}");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 2);
}
