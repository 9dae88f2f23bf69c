//! `/approvals watches` and `/approvals unwatch`.

use super::{admin, approvals, parked, run, stranger, text};
use crate::support::{app::spawn_app, fake_discord::OptionValue, fake_scenario::FlowTemplate};

#[tokio::test]
async fn watches_lists_each_route_with_its_channel_and_role_for_reviewers() {
    let app = spawn_app().await;
    let design = app.discord.add_text_channel("design-review");
    let leads = app.discord.add_role("Art leads", "0");
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let empty = run(&app, &app.reviewer("rita"), approvals("watches")).await;
    assert!(empty.starts_with("No workflow has a route of its own."), "{empty}");

    let call = approvals("watch")
        .opt("workflow", text(&workflow))
        .opt("channel", OptionValue::Channel(design))
        .opt("reviewer_role", OptionValue::Role(leads));
    run(&app, &admin(), call).await;
    let listed = run(&app, &app.reviewer("rita"), approvals("watches")).await;
    assert!(listed.starts_with("**1 route**"), "{listed}");
    assert!(
        listed.contains(&format!("**Lighthouse** (`{workflow}`) → <#{design}>, decided by <@&{leads}>")),
        "{listed}"
    );
    assert!(listed.contains(&format!("Other workflows go to <#{}>", app.channel)), "{listed}");

    let refused = run(&app, &stranger(), approvals("watches")).await;
    assert!(refused.contains("is for reviewers and admins"), "{refused}");
}

#[tokio::test]
async fn a_member_with_a_routes_role_only_may_read() {
    let app = spawn_app().await;
    let leads = app.discord.add_role("Art leads", "0");
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let lead = crate::support::fake_discord::GuildMember::new("lea").with_roles(&[leads]);
    assert!(run(&app, &lead, approvals("pending")).await.contains("is for reviewers and admins"));
    let call = approvals("watch")
        .opt("workflow", text(&workflow))
        .opt("channel", OptionValue::Channel(app.channel))
        .opt("reviewer_role", OptionValue::Role(leads));
    run(&app, &admin(), call).await;
    assert_eq!(run(&app, &lead, approvals("pending")).await, "No gate is waiting for a decision.");
}

#[tokio::test]
async fn unwatch_sends_new_gates_to_the_default_channel_and_open_cards_stay_decidable() {
    let app = spawn_app().await;
    let design = app.discord.add_text_channel("design-review");
    let (workflow, first_job) = parked(&app, "Lighthouse");
    let call =
        approvals("watch").opt("workflow", text(&workflow)).opt("channel", OptionValue::Channel(design));
    run(&app, &admin(), call).await;
    app.poll().await;
    assert_eq!(app.discord.messages_in(design).len(), 1);

    let refused = run(&app, &stranger(), approvals("unwatch").opt("workflow", text(&workflow))).await;
    assert!(refused.starts_with("Only members with the Manage Server permission"), "{refused}");
    let answer = run(&app, &admin(), approvals("unwatch").opt("workflow", text(&workflow))).await;
    assert!(answer.contains(&format!("New gates go to the default channel <#{}>", app.channel)), "{answer}");
    assert!(app.store().watches().await.unwrap().is_empty());
    let trail = app.store().route_audit(10).await.unwrap();
    assert_eq!(trail.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["unwatch", "watch"]);

    app.scenario.start_parked_run(&workflow);
    app.poll().await;
    assert_eq!(
        (app.discord.messages_in(design).len(), app.cards().len()),
        (1, 1),
        "the new card goes to the default"
    );
    let old = app.approval(&first_job, "review").await;
    let approved = app.answer(&app.click(&app.reviewer("rita"), &old, "Approve").await).await;
    assert!(approved.starts_with("Approved"), "{approved}");

    let again = run(&app, &admin(), approvals("unwatch").opt("workflow", text(&workflow))).await;
    assert!(again.contains("has no route of its own"), "{again}");
}
