//! `/approvals policy`: a route's approvals, reminders and deadline, applied to its open gates
//! from the next pass, audited, and listed by `/approvals watches`.

use std::time::Duration;

use approval_bridge::approvals::state::ApprovalState;
use serde_json::json;

use super::{admin, approvals, parked, run, text};
use crate::support::{
    app::{spawn_app, spawn_app_with},
    fake_discord::OptionValue,
    fake_scenario::Endpoint,
};

#[tokio::test]
async fn a_policy_set_on_a_route_with_an_open_gate_applies_from_the_next_pass_and_is_audited() {
    let app = spawn_app().await;
    let leads = app.discord.add_role("Art leads", "0");
    let (workflow, job) = parked(&app, "Lighthouse");
    let watch = approvals("watch")
        .opt("workflow", text(&workflow))
        .opt("channel", OptionValue::Channel(app.channel))
        .opt("reviewer_role", OptionValue::Role(leads));
    run(&app, &admin(), watch).await;
    assert_eq!(app.poll().await.cards_posted, 1);
    let approval = app.approval(&job, "review").await;

    let call = approvals("policy")
        .opt("workflow", text(&workflow))
        .opt("approvals", OptionValue::Integer(2))
        .opt("remind_after", text("30s"))
        .opt("deadline", text("90s"))
        .opt("on_deadline", text("reject"));
    let answer = run(&app, &admin(), call).await;
    assert_eq!(
        answer,
        "**Lighthouse** now has its own policy: 2 approvals · a reminder every 30s (at most 3) · deadline 1m 30s, then reject. Waiting gates follow it from the next poll."
    );
    let audit = app.store().route_audit(1).await.unwrap();
    assert_eq!((audit[0].action.as_str(), audit[0].actor_name.as_str()), ("watch", "ada"));
    assert_eq!(
        audit[0].policy.as_deref(),
        Some("2 approvals · a reminder every 30s (at most 3) · deadline 1m 30s, then reject")
    );
    let listed = run(&app, &app.reviewer("rita"), approvals("watches")).await;
    assert!(
        listed.contains(&format!("decided by <@&{leads}>; 2 approvals · a reminder every 30s")),
        "{listed}"
    );

    // The next pass redraws the open card under the new policy.
    assert_eq!(app.poll().await.cards_updated, 1);
    let card = app.discord.message(app.channel, approval.message_id.unwrap().get()).unwrap();
    assert!(card.to_string().contains("Approved 0 of 2: no approval yet."), "{card}");
    assert!(card.to_string().contains("then the bridge rejects it"), "{card}");
    let lead = crate::support::fake_discord::GuildMember::new("lea").with_roles(&[leads]);
    let counted = app.click(&lead, &approval, "Approve").await;
    assert!(app.answer(&counted).await.starts_with("Your approval is counted: 1 of 2"));
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0);

    // A reminder pings the route's role; past the deadline, the policy rejects.
    app.advance_wall_clock(Duration::from_secs(31));
    assert_eq!(app.poll().await.reminders, 1);
    let reminder = app.cards().into_iter().last().unwrap();
    assert_eq!(reminder["mention_roles"], json!([leads.to_string()]), "{reminder}");
    app.advance_wall_clock(Duration::from_secs(60));
    let report = app.poll().await;
    assert_eq!((report.deadlines, app.scenario.count(Endpoint::UserApproval)), (1, 1), "{report:?}");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Rejected);

    let reset = run(
        &app,
        &admin(),
        approvals("policy").opt("workflow", text(&workflow)).opt("reset", OptionValue::Boolean(true)),
    )
    .await;
    assert!(
        reset.starts_with("**Lighthouse** now has the default policy: 1 approval · no reminders"),
        "{reset}"
    );
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_policy_needs_a_route_and_a_well_written_duration_and_only_admins_set_it() {
    let app = spawn_app().await;
    let (workflow, _job) = parked(&app, "Lighthouse");
    let unrouted = run(&app, &admin(), approvals("policy").opt("workflow", text(&workflow))).await;
    assert!(
        unrouted.contains("has no route of its own, so it follows the default policy (1 approval"),
        "{unrouted}"
    );
    let watch =
        approvals("watch").opt("workflow", text(&workflow)).opt("channel", OptionValue::Channel(app.channel));
    run(&app, &admin(), watch).await;

    let bad = approvals("policy").opt("workflow", text(&workflow)).opt("deadline", text("soon"));
    let refused = run(&app, &admin(), bad).await;
    assert_eq!(
        refused,
        "deadline: `soon` is not a duration: write it like 90s, 30m, 4h or 2d, or off; nothing was changed."
    );
    let call = approvals("policy").opt("workflow", text(&workflow)).opt("approvals", OptionValue::Integer(3));
    let by_reviewer = run(&app, &app.reviewer("rita"), call).await;
    assert!(by_reviewer.starts_with("Only members with the Manage Server permission"), "{by_reviewer}");
    let shown = run(&app, &admin(), approvals("policy").opt("workflow", text(&workflow))).await;
    assert_eq!(
        shown,
        "**Lighthouse**: 1 approval · no reminders · no deadline; re-runs on, no cost cap; self-approval refused. Nothing was changed."
    );
    assert_eq!(app.store().route_audit(10).await.unwrap().len(), 1, "only the watch");
}

#[tokio::test]
async fn a_quorum_lowered_to_what_an_open_gate_already_has_approves_it_at_the_next_pass() {
    let app = spawn_app_with(|env| _ = env.insert("APPROVALS_REQUIRED", "3".into())).await;
    let (workflow, job) = parked(&app, "Lighthouse");
    let watch =
        approvals("watch").opt("workflow", text(&workflow)).opt("channel", OptionValue::Channel(app.channel));
    run(&app, &admin(), watch).await;
    assert_eq!(app.poll().await.cards_posted, 1);
    let approval = app.approval(&job, "review").await;
    let (ana, ben) = (app.reviewer("ana"), app.reviewer("ben"));
    for reviewer in [&ana, &ben] {
        let click = app.click(reviewer, &approval, "Approve").await;
        assert!(app.answer(&click).await.starts_with("Your approval is counted"));
    }

    let lowered =
        approvals("policy").opt("workflow", text(&workflow)).opt("approvals", OptionValue::Integer(2));
    run(&app, &admin(), lowered).await;
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0, "from the next pass");
    app.poll().await;
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1);
    let decided = app.approval(&job, "review").await;
    assert_eq!(decided.state, ApprovalState::Approved);
    assert_eq!(decided.decided_by.map(|r| r.id.get()), Some(ben.user_id), "the last approval decides");
    app.poll().await;
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1);
}
