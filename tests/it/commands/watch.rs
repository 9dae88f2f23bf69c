//! `/approvals watch`: routes that take effect at once, and every refusal before anything is saved.

use super::{admin, approvals, parked, run, stranger, text};
use crate::support::{
    app::{spawn_app, spawn_app_with},
    fake_discord::{ChannelAccess, GuildMember, OptionValue, permission},
    fake_scenario::FlowTemplate,
};

#[tokio::test]
async fn a_route_sends_the_next_gate_to_its_channel_decided_by_its_own_role() {
    let app = spawn_app().await;
    let design = app.discord.add_text_channel("design-review");
    let leads = app.discord.add_role("Art leads", "0");
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let call = approvals("watch")
        .opt("workflow", text(&workflow))
        .opt("channel", OptionValue::Channel(design))
        .opt("reviewer_role", OptionValue::Role(leads));
    let answer = run(&app, &admin(), call).await;
    assert!(answer.contains(&format!("now go to <#{design}>, decided by <@&{leads}>")), "{answer}");

    let job = app.scenario.start_parked_run(&workflow);
    assert_eq!(app.poll().await.cards_posted, 1);
    assert_eq!(app.discord.messages_in(design).len(), 1, "the card goes to the route's channel");
    assert!(app.cards().is_empty(), "not to the default channel");

    let approval = app.approval(&job, "review").await;
    let refused = app.answer(&app.click(&app.reviewer("rita"), &approval, "Approve").await).await;
    assert!(refused.contains(&format!("Only members with the <@&{leads}> role")), "{refused}");
    let lead = GuildMember::new("lea").with_roles(&[leads]);
    let approved = app.answer(&app.click(&lead, &approval, "Approve").await).await;
    assert!(approved.starts_with("Approved"), "{approved}");

    let trail = app.store().route_audit(10).await.unwrap();
    assert_eq!((trail.len(), trail[0].action.as_str()), (1, "watch"));
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_route_added_for_a_run_already_seen_takes_effect_without_a_restart() {
    let app = spawn_app_with(|env| _ = env.remove("APPROVAL_CHANNEL_ID")).await;
    let (workflow, job) = parked(&app, "Harbour");
    let first = app.poll().await;
    assert_eq!((first.runs_inspected, first.new_gates), (1, 0), "no route yet: {first:?}");
    assert_eq!(app.poll().await.runs_inspected, 0, "an unchanged run is skipped");

    let design = app.discord.add_text_channel("design-review");
    let call =
        approvals("watch").opt("workflow", text(&workflow)).opt("channel", OptionValue::Channel(design));
    let answer = run(&app, &admin(), call).await;
    assert!(answer.contains("decided by the default reviewers"), "{answer}");
    let report = app.poll().await;
    assert_eq!((report.new_gates, report.cards_posted), (1, 1), "{report:?}");
    assert_eq!(app.approval(&job, "review").await.channel_id, design);
    assert_eq!(app.discord.messages_in(design).len(), 1);
}

#[tokio::test]
async fn only_members_with_manage_server_change_routes() {
    let app = spawn_app().await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let call =
        approvals("watch").opt("workflow", text(&workflow)).opt("channel", OptionValue::Channel(app.channel));
    for member in [stranger(), app.reviewer("rita")] {
        let answer = run(&app, &member, call.clone()).await;
        assert!(answer.starts_with("Only members with the Manage Server permission"), "{answer}");
    }
    assert!(app.store().watches().await.unwrap().is_empty(), "nothing saved");
    let administrator =
        GuildMember::new("root").with_permissions(crate::support::fake_discord::ADMINISTRATOR);
    assert!(
        run(&app, &administrator, call).await.contains("now go to"),
        "Administrator implies Manage Server"
    );
}

#[tokio::test]
async fn an_unknown_workflow_is_refused_with_what_to_do_and_nothing_is_saved() {
    let app = spawn_app().await;
    let call = approvals("watch")
        .opt("workflow", text("wflow_nope"))
        .opt("channel", OptionValue::Channel(app.channel));
    let answer = run(&app, &admin(), call).await;
    assert!(answer.starts_with("Scenario has no workflow `wflow_nope`. Pick one from the list"), "{answer}");
    assert!(app.store().watches().await.unwrap().is_empty());
    assert!(app.store().route_audit(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_workflow_name_typed_by_hand_is_found_when_one_workflow_has_it() {
    let app = spawn_app().await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let call = approvals("watch")
        .opt("workflow", text("lighthouse"))
        .opt("channel", OptionValue::Channel(app.channel));
    let answer = run(&app, &admin(), call).await;
    assert!(answer.contains(&format!("(`{workflow}`)")), "{answer}");
    assert_eq!(app.store().watches().await.unwrap()[0].workflow_id.as_str(), workflow);
}

#[tokio::test]
async fn a_channel_the_bot_cannot_post_in_is_refused_and_nothing_is_saved() {
    let app = spawn_app().await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let read_only = app.discord.add_channel("announcements", ChannelAccess::ReadOnly);
    let hidden = app.discord.add_channel("staff", ChannelAccess::Hidden);
    let watch = |channel| {
        approvals("watch").opt("workflow", text(&workflow)).opt("channel", OptionValue::Channel(channel))
    };
    let answer = run(&app, &admin(), watch(read_only)).await;
    assert!(
        answer.starts_with(&format!(
            "approval-bridge cannot post cards in <#{read_only}>: missing Send Messages — no card can be posted; grant it to the approval-bridge role or the channel"
        )),
        "{answer}"
    );
    let answer = run(&app, &admin(), watch(hidden)).await;
    assert!(
        answer
            .starts_with(&format!("approval-bridge cannot post cards in <#{hidden}>: missing View Channel")),
        "{answer}"
    );
    assert!(app.store().watches().await.unwrap().is_empty());
    let posts =
        app.discord.requests().into_iter().filter(|r| r.method == "POST" && r.path.ends_with("/messages"));
    assert_eq!(posts.count(), 0, "the check posts nothing");
}

#[tokio::test]
async fn a_channel_that_takes_attach_files_from_the_bot_is_refused_naming_it() {
    let app = spawn_app().await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let art = app.discord.add_text_channel("art-review");
    app.discord.deny_bot_role(art, permission::ATTACH_FILES);
    let call = approvals("watch").opt("workflow", text(&workflow)).opt("channel", OptionValue::Channel(art));
    let answer = run(&app, &admin(), call).await;
    assert_eq!(
        answer,
        format!(
            "approval-bridge cannot post cards in <#{art}>: missing Attach Files — previews cannot be posted (cards go out without their images); grant it to the approval-bridge role or the channel. Nothing was saved."
        )
    );
    assert!(app.store().watches().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_bot_that_owns_the_server_may_route_to_a_channel_whose_overwrites_deny_it() {
    let app = spawn_app().await;
    app.discord.make_bot_the_owner();
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let read_only = app.discord.add_channel("announcements", ChannelAccess::ReadOnly);
    let call =
        approvals("watch").opt("workflow", text(&workflow)).opt("channel", OptionValue::Channel(read_only));
    let answer = run(&app, &admin(), call).await;
    assert!(!answer.contains("cannot post cards"), "the owner has every permission: {answer}");
    let watches = app.store().watches().await.unwrap();
    assert_eq!(watches.iter().map(|w| w.channel_id.get()).collect::<Vec<_>>(), [read_only], "{answer}");
}

#[tokio::test]
async fn everyone_as_the_reviewer_role_is_refused() {
    let app = spawn_app().await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let watch = |role| {
        approvals("watch")
            .opt("workflow", text(&workflow))
            .opt("channel", OptionValue::Channel(app.channel))
            .opt("reviewer_role", OptionValue::Role(role))
    };
    let answer = run(&app, &admin(), watch(app.discord.guild_id())).await;
    assert!(answer.starts_with("@everyone cannot be the reviewer role"), "{answer}");
    assert!(app.store().watches().await.unwrap().is_empty());
}

#[tokio::test]
async fn only_text_channels_are_offered_for_the_cards() {
    let app = spawn_app().await;
    let commands = app.discord.guild_commands();
    let watch = commands[0]["options"].as_array().unwrap().iter().find(|o| o["name"] == "watch").unwrap();
    let channel = watch["options"].as_array().unwrap().iter().find(|o| o["name"] == "channel").unwrap();
    assert_eq!(channel["channel_types"], serde_json::json!([0, 5]), "text and announcement channels");
    assert!(commands[0]["default_member_permissions"].is_null(), "the bridge checks each call itself");
}
