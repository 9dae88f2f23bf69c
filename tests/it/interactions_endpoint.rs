//! Interactions delivered by Discord's signed POST to the interactions endpoint, with no gateway
//! connection.

use approval_bridge::approvals::state::ApprovalState;
use serde_json::json;

use crate::{
    commands::{admin, approvals, text},
    security::{assert_refused_as_outside, foreign_admin},
    support::{
        app::{PROMPTLY, TestApp, spawn_app_over_http},
        fake_discord::{OptionValue, http_delivery::now_secs},
        fake_scenario::{Endpoint, FlowTemplate},
        postgres::TempSchema,
    },
};

/// A run parked at its `review` gate, with its card posted.
async fn parked_run(app: &TestApp) -> String {
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let job = app.scenario.start_parked_run(&workflow);
    let report = app.poll().await;
    assert_eq!((report.new_gates, report.cards_posted), (1, 1), "{report:?}");
    job
}

#[tokio::test]
async fn over_http_a_click_delivered_by_post_decides_with_no_gateway_connection() {
    let app = spawn_app_over_http(|_| {}).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    let answer = app.answer(&click).await;
    assert!(answer.starts_with("Approved"), "{answer}");

    assert_eq!(app.scenario.requests_to(Endpoint::UserApproval).len(), 1);
    let decided = app.approval(&job, "review").await;
    assert_eq!(decided.state, ApprovalState::Approved);
    let card = app.discord.message(app.channel, decided.message_id.unwrap().get()).unwrap();
    assert!(crate::support::card_view::controls(&card).is_empty(), "buttons gone: {card}");
    assert_eq!(app.discord.gateway_counts().identifies, 0, "no gateway connection was opened");
    assert!(app.discord.failed_deliveries().is_empty(), "{:?}", app.discord.failed_deliveries());
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn over_http_a_reject_opens_its_reason_form_in_the_answer_to_the_post() {
    let app = spawn_app_over_http(|_| {}).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let click = app.click(&app.reviewer("ana"), &approval, "Reject").await;
    let opened = app.discord.wait_for_callback(&click, PROMPTLY).await.expect("answered");
    assert_eq!((opened.method.as_str(), opened.body.as_ref().unwrap()["type"].as_u64()), ("ANSWER", Some(9)));
    let submit = app.discord.submit_modal(&click, &[("reason", "too dark")]).await;
    assert!(app.answer(&submit).await.starts_with("Rejected"));
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Rejected);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn the_endpoint_answers_discords_ping_with_a_pong() {
    let app = spawn_app_over_http(|_| {}).await;
    let answer = app.discord.ping_endpoint().await;
    assert_eq!((answer.status, answer.body), (200, json!({ "type": 1 })));
}

#[tokio::test]
async fn a_post_with_a_bad_signature_is_refused_with_401_and_changes_nothing() {
    let app = spawn_app_over_http(|_| {}).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let forged = forged_click(&app, &approval);
    let answer = app.discord.post_signed(&forged, now_secs(), true).await;
    assert_eq!(answer.status, 401, "{answer:?}");
    let ping = app.discord.post_signed(&json!({ "type": 1 }), now_secs(), true).await;
    assert_eq!(ping.status, 401, "a PING with a bad signature is refused too: {ping:?}");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Pending);
    assert!(app.scenario.requests_to(Endpoint::UserApproval).is_empty());
}

#[tokio::test]
async fn a_post_signed_long_ago_is_refused_as_stale() {
    let app = spawn_app_over_http(|_| {}).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    // Correctly signed, but an hour old: a replay of a captured request.
    let replayed = app.discord.post_signed(&forged_click(&app, &approval), now_secs() - 3_600, false).await;
    assert_eq!(replayed.status, 401, "{replayed:?}");
    let ping = app.discord.post_signed(&json!({ "type": 1 }), now_secs() - 3_600, false).await;
    assert_eq!(ping.status, 401, "{ping:?}");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Pending);
    assert!(app.scenario.requests_to(Endpoint::UserApproval).is_empty());
}

#[tokio::test]
async fn timestamps_past_the_window_or_ahead_of_the_clock_are_refused_and_counted() {
    let app = spawn_app_over_http(|_| {}).await;
    let metrics = &app.bridge().metrics;
    let now = now_secs();
    // Inside the window, at its edges (the bridge reads its clock after the test did).
    assert_eq!(app.discord.ping_endpoint_signed_at(now - 298).await.status, 200);
    assert_eq!(app.discord.ping_endpoint_signed_at(now + 28).await.status, 200);
    // Just past them, and far ahead.
    for at in [now - 301, now + 35, now + 3_600] {
        let answer = app.discord.ping_endpoint_signed_at(at).await;
        assert_eq!(answer.status, 401, "signed at now{:+}: {answer:?}", at - now);
    }
    assert_eq!(metrics.http_refusals("interactions", "stale_timestamp"), 1);
    assert_eq!(metrics.http_refusals("interactions", "future_timestamp"), 2);
    let forged = app.discord.post_signed(&json!({ "type": 1 }), now, true).await;
    assert_eq!(forged.status, 401);
    assert_eq!(metrics.http_refusals("interactions", "bad_signature"), 1);
    let text = metrics.render();
    let line = r#"approval_bridge_http_refusals_total{listener="interactions",reason="future_timestamp"} 2"#;
    assert!(text.contains(line), "{text}");
}

#[tokio::test]
async fn a_signed_click_sent_again_within_the_window_is_refused_and_decides_once() {
    let app = spawn_app_over_http(|_| {}).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    // Sent again once the first POST was answered (the decision may still run), and again after.
    app.discord.wait_for_callback(&click, PROMPTLY).await.expect("answered");
    let replayed = app.discord.post_again(&click).await;
    assert!(app.answer(&click).await.starts_with("Approved"));
    let again = app.discord.post_again(&click).await;
    assert_eq!((replayed.status, again.status), (401, 401), "{replayed:?} {again:?}");

    assert_eq!(app.scenario.requests_to(Endpoint::UserApproval).len(), 1, "one decision");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Approved);
    assert_eq!(app.bridge().metrics.http_refusals("interactions", "replay"), 2);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn on_postgresql_where_replicas_share_the_ids_a_replayed_click_is_refused_too() {
    let Some(schema) = TempSchema::create("interactions_endpoint::postgresql").await else { return };
    let url = schema.url();
    let app = spawn_app_over_http(move |env| _ = env.insert("DATABASE_URL", url)).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    assert!(app.answer(&click).await.starts_with("Approved"));
    assert_eq!(app.discord.post_again(&click).await.status, 401);
    assert_eq!(app.scenario.requests_to(Endpoint::UserApproval).len(), 1);
    assert_eq!(app.bridge().metrics.http_refusals("interactions", "replay"), 1);
}

#[tokio::test]
async fn a_replayed_watch_command_does_not_undo_a_later_one() {
    let app = spawn_app_over_http(|_| {}).await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let (first, second) = (app.discord.add_text_channel("first"), app.discord.add_text_channel("second"));
    let watch = |channel| {
        approvals("watch").opt("workflow", text(&workflow)).opt("channel", OptionValue::Channel(channel))
    };
    let to_first = app.discord.run_command(&admin(), app.channel, watch(first)).await;
    assert!(app.answer(&to_first).await.contains("now go to"));
    let to_second = app.discord.run_command(&admin(), app.channel, watch(second)).await;
    assert!(app.answer(&to_second).await.contains("now go to"));

    let replayed = app.discord.post_again(&to_first).await;
    assert_eq!(replayed.status, 401, "{replayed:?}");
    let watches = app.store().watches().await.unwrap();
    assert_eq!(watches.iter().map(|w| w.channel_id.get()).collect::<Vec<_>>(), [second]);
    assert_eq!(app.store().route_audit(10).await.unwrap().len(), 2, "no third change");
}

#[tokio::test]
async fn over_http_a_foreign_servers_command_and_a_dm_are_refused_as_on_the_gateway() {
    let app = spawn_app_over_http(|_| {}).await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let their_channel = app.discord.add_foreign_text_channel("takeover");
    let call = approvals("watch")
        .opt("workflow", text(&workflow))
        .opt("channel", OptionValue::Channel(their_channel));
    let foreign = app.discord.run_command(&foreign_admin(&app), their_channel, call).await;
    assert_refused_as_outside(&app, &foreign).await;
    let dm_channel = approval_bridge::store::now_ms() as u64;
    let dm = app.discord.run_command(&admin().in_dm(), dm_channel, approvals("status")).await;
    assert_refused_as_outside(&app, &dm).await;

    assert!(app.store().watches().await.unwrap().is_empty(), "nothing saved");
    let counted = app.store().refusals().await.unwrap();
    let mut servers: Vec<i64> = counted.iter().map(|c| c.guild_id).collect();
    servers.sort_unstable();
    assert_eq!(servers, [0, app.discord.foreign_guild_id() as i64], "{counted:?}");
    assert!(app.discord.failed_deliveries().is_empty(), "{:?}", app.discord.failed_deliveries());
    app.discord.assert_no_rejections();
}

/// The JSON of a click on `approval`'s Approve button, as Discord would POST it.
fn forged_click(app: &TestApp, approval: &approval_bridge::store::Approval) -> serde_json::Value {
    let card = app.discord.message(app.channel, approval.message_id.unwrap().get()).unwrap();
    let custom_id = crate::support::app::button(&card, "Approve").unwrap();
    json!({
        "id": "1234", "application_id": app.discord.application_id().to_string(), "type": 3,
        "token": "forged", "version": 1, "guild_id": app.discord.guild_id().to_string(),
        "channel_id": app.channel.to_string(),
        "data": { "custom_id": custom_id, "component_type": 2 },
        "message": card,
    })
}
