//! Commands, autocomplete, clicks and forms from another server or a DM are refused with one
//! sentence, change nothing, reach neither Scenario nor any channel, and are counted.

use approval_bridge::{approvals::state::ApprovalState, store::NewWatch};
use serenity::all::{ChannelId, UserId};

use super::{assert_refused_as_outside, foreign_admin, only_answers_since};
use crate::{
    commands::{admin, approvals, parked, text},
    support::{
        app::{PROMPTLY, button, spawn_app},
        fake_discord::{CommandCall, OptionValue},
        fake_scenario::Endpoint,
    },
};

#[tokio::test]
async fn a_foreign_admins_commands_are_each_refused_with_nothing_changed_and_nothing_sent() {
    let app = spawn_app().await;
    let (workflow, job) = parked(&app, "Lighthouse");
    app.poll().await;
    let home_route = NewWatch {
        workflow_id: workflow.as_str().into(),
        workflow_name: "Lighthouse".into(),
        channel_id: ChannelId::new(app.channel),
        reviewer_role_id: None,
    };
    let by = approval_bridge::store::Reviewer { id: UserId::new(1), name: "ada".into() };
    app.bridge().routes.set(&home_route, &by).await.unwrap();
    let routes = app.bridge().routes.all();
    let their_channel = app.discord.add_foreign_text_channel("takeover");
    let their_role = app.discord.add_foreign_role("Their reviewers", "0");
    let mallory = foreign_admin(&app);
    let before = app.approval(&job, "review").await;
    app.scenario.clear_requests();
    let seq = app.discord.requests().len();

    let calls: Vec<CommandCall> = vec![
        approvals("watch")
            .opt("workflow", text(&workflow))
            .opt("channel", OptionValue::Channel(their_channel))
            .opt("reviewer_role", OptionValue::Role(their_role)),
        approvals("unwatch").opt("workflow", text(&workflow)),
        approvals("repost").opt("job", text(&job)),
        approvals("pending"),
        approvals("history"),
        approvals("status"),
        approvals("sync"),
        approvals("watches"),
    ];
    for call in calls {
        let handle = app.discord.run_command(&mallory, their_channel, call).await;
        assert_refused_as_outside(&app, &handle).await;
    }

    assert_eq!(app.bridge().routes.all(), routes, "the routes are as they were");
    assert_eq!(app.approval(&job, "review").await, before, "the gate is as it was");
    assert!(app.scenario.requests().is_empty(), "nothing asked of Scenario");
    assert_eq!(only_answers_since(&app, seq), Vec::<String>::new(), "nothing but the answers");
    assert!(app.discord.messages_in(their_channel).is_empty());
    let counted = app.store().refusals().await.unwrap();
    assert!(counted.iter().all(|c| c.guild_id as u64 == app.discord.foreign_guild_id()));
    assert!(counted.iter().all(|c| c.actor_id as u64 == mallory.user_id && c.approval_id == 0));
    let attempts: Vec<&str> = counted.iter().map(|c| c.attempt.as_str()).collect();
    assert!(
        attempts.contains(&"/approvals watch") && attempts.contains(&"/approvals status"),
        "{attempts:?}"
    );
    assert_eq!(counted.iter().map(|c| c.attempts).sum::<i64>(), 8);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_foreign_autocomplete_gets_no_choices_and_asks_nothing_of_scenario() {
    let app = spawn_app().await;
    parked(&app, "Lighthouse");
    app.scenario.clear_requests();
    let their_channel = app.discord.add_foreign_text_channel("takeover");
    let call = approvals("watch").focus("workflow", "Li");
    let handle = app.discord.autocomplete(&foreign_admin(&app), their_channel, call).await;
    let callback = app.discord.wait_for_callback(&handle, PROMPTLY).await.expect("answered");
    assert!(!callback.is_rejected(), "{:?}", callback.response);
    let body = callback.body.unwrap_or_default();
    assert_eq!(body["type"], 8, "{body}");
    assert_eq!(body["data"]["choices"].as_array().map(Vec::len), Some(0), "{body}");
    assert_eq!(app.scenario.count(Endpoint::ListWorkflows), 0, "the workflow list is not read");
    let counted = app.store().refusals().await.unwrap();
    assert_eq!(counted.len(), 1);
    assert_eq!(counted[0].attempt, "autocomplete");
}

#[tokio::test]
async fn a_forged_click_and_form_naming_another_server_change_nothing_and_send_no_put() {
    let app = spawn_app().await;
    let (_, job) = parked(&app, "Lighthouse");
    app.poll().await;
    let approval = app.approval(&job, "review").await;
    let card = app.discord.message(app.channel, approval.message_id.unwrap().get()).unwrap();
    let approve = button(&card, "Approve").unwrap();
    // A real reviewer's id and roles, but the interaction names the other server.
    let forged = app.reviewer("rita").in_guild(app.discord.foreign_guild_id());

    let click =
        app.discord.click_button(&forged, app.channel, approval.message_id.unwrap().get(), &approve).await;
    assert_refused_as_outside(&app, &click).await;
    // The form: opened by a genuine Reject click, submitted by a forged interaction.
    let rita = app.reviewer("rita");
    let reject = app.click(&rita, &approval, "Reject").await;
    let opened = app.discord.wait_for_callback(&reject, PROMPTLY).await.expect("answered");
    assert_eq!(opened.body.unwrap_or_default()["type"], 9, "the reason form opens");
    let submit = app.discord.submit_modal_as(&forged, &reject, &[("reason", "no")]).await;
    assert_refused_as_outside(&app, &submit).await;

    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0, "no PUT");
    let now = app.approval(&job, "review").await;
    assert_eq!((now.state, now.decided_by), (ApprovalState::Pending, None));
    let attempts: Vec<String> =
        app.store().refusals().await.unwrap().into_iter().map(|c| c.attempt).collect();
    assert_eq!(attempts, ["button", "form"]);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_dm_interaction_is_refused_and_counted_without_a_server() {
    let app = spawn_app().await;
    let stranger = admin().in_dm();
    let dm_channel = approval_bridge::store::now_ms() as u64;
    let handle = app.discord.run_command(&stranger, dm_channel, approvals("status")).await;
    assert_refused_as_outside(&app, &handle).await;
    let counted = app.store().refusals().await.unwrap();
    assert_eq!((counted.len(), counted[0].guild_id), (1, 0), "{counted:?}");
}
