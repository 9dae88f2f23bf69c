//! The real serenity client against the fake: READY, clicks, commands, modals, reconnects.

#[allow(clippy::wildcard_imports)]
use super::*;

#[tokio::test]
async fn serenity_client_gets_ready_and_answers_a_button_click_within_three_seconds() {
    let fake = FakeDiscord::start().await;
    let http = http_for(&fake, fake.bot_token());
    let channel = fake.add_text_channel("approvals");
    let card = post_card(&fake, &http, channel).await;
    let mut events = start_bot(&fake, true).await;
    next_event(&mut events, "ready").await;

    let click = fake.click_button(&member("ana"), channel, card.id.get(), "approve:1").await;
    let callback = fake.wait_for_callback(&click, SECS_3).await.expect("the bot answered the click");
    assert_eq!(callback.status, 204);
    assert!(callback.at.duration_since(fake.requests()[0].at) < Duration::from_secs(60));
    assert_eq!(next_event(&mut events, "click").await, "click approve:1");
    assert_eq!(fake.acknowledged_with(&click), Some(7));
    let shown = fake.message(channel, card.id.get()).expect("card still there");
    assert_eq!(shown["content"], "Approved by ana");
    assert_eq!(shown["components"], json!([]));
    fake.assert_no_rejections();
}

#[tokio::test]
async fn a_dropped_gateway_connection_is_followed_by_a_new_identify_and_ready() {
    let fake = FakeDiscord::start().await;
    let http = http_for(&fake, fake.bot_token());
    let channel = fake.add_text_channel("approvals");
    let card = post_card(&fake, &http, channel).await;
    let mut events = start_bot(&fake, true).await;
    let first = next_event(&mut events, "ready").await;

    fake.drop_gateway_connections();
    assert!(fake.wait_for_identifies(2, Duration::from_secs(15)).await, "no second IDENTIFY");
    let second = next_event(&mut events, "ready").await;
    assert_ne!(first, second, "a new session");
    assert_eq!(fake.gateway_counts().resumes, 1, "serenity tried to resume first");

    let click = fake.click_button(&member("ana"), channel, card.id.get(), "approve:1").await;
    let callback = fake.wait_for_callback(&click, SECS_3).await.expect("answered after reconnecting");
    assert_eq!(callback.status, 204);
    fake.assert_no_rejections();
}

#[tokio::test]
async fn slash_command_modal_submit_and_autocomplete_reach_the_handler() {
    let fake = FakeDiscord::start().await;
    let http = http_for(&fake, fake.bot_token());
    let channel = fake.add_text_channel("approvals");
    let stored = register_commands(&http).await;
    assert_eq!(stored[0].name, "approvals");
    assert_eq!(fake.guild_commands().len(), 1);
    let mut events = start_bot(&fake, true).await;
    let ana = member("ana");

    let focus = CommandCall::new("approvals").sub("reject").focus("workflow", "wf");
    let auto = fake.autocomplete(&ana, channel, focus).await;
    let answered = fake.wait_for_callback(&auto, SECS_3).await.expect("autocomplete answered");
    assert_eq!(answered.body.expect("body")["data"]["choices"][0]["value"], "wf_1");

    let call =
        CommandCall::new("approvals").sub("reject").opt("workflow", OptionValue::String("wf_1".into()));
    let command = fake.run_command(&ana, channel, call).await;
    assert_eq!(fake.wait_for_callback(&command, SECS_3).await.expect("modal opened").status, 204);
    let submit = fake.submit_modal(&command, &[("reason", "too dark")]).await;
    assert_eq!(fake.wait_for_callback(&submit, SECS_3).await.expect("submit answered").status, 204);
    assert_eq!(next_event(&mut events, "modal").await, "modal reject-reason");
    let reply = fake.original_response(&submit).expect("ephemeral reply");
    assert_eq!((reply["content"].as_str(), reply["flags"].as_u64()), (Some("Noted."), Some(64)));
    fake.assert_no_rejections();
}
