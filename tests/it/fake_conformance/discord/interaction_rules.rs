//! Discord's interaction rules: one acknowledgement, in time, with valid modals and choices.

#[allow(clippy::wildcard_imports)]
use super::*;

/// A fake with a connected client that never answers, and a card to click.
async fn silent_bot() -> (FakeDiscord, Http, u64, Message) {
    let fake = FakeDiscord::start().await;
    let http = http_for(&fake, fake.bot_token());
    let channel = fake.add_text_channel("approvals");
    let card = post_card(&fake, &http, channel).await;
    start_bot(&fake, false).await;
    (fake, http, channel, card)
}

async fn ack(http: &Http, h: &InteractionHandle, body: &Value) -> serenity::Result<()> {
    http.create_interaction_response(h.id.into(), &h.token, body, vec![]).await
}

#[tokio::test]
async fn a_second_acknowledgement_gets_40060() {
    let (fake, http, channel, card) = silent_bot().await;
    let click = fake.click_button(&member("ana"), channel, card.id.get(), "approve:1").await;
    ack(&http, &click, &json!({ "type": 6 })).await.expect("first ack");
    let (status, code, _) = refusal(ack(&http, &click, &json!({ "type": 6 })).await);
    assert_eq!((status, code), (400, 40060));
    // Follow-ups and edits of the original (the card, for a deferred update) go on working.
    let followup = json!({ "content": "Approved.", "flags": 64 });
    http.create_followup_message(&click.token, &followup, vec![]).await.expect("follow-up");
    let edit = json!({ "content": "Approved by ana", "components": [] });
    http.edit_original_interaction_response(&click.token, &edit, vec![]).await.expect("edit original");
    assert_eq!(fake.message(channel, card.id.get()).expect("card")["content"], "Approved by ana");
    assert_eq!(fake.followups(&click).len(), 1);
}

#[tokio::test]
async fn an_acknowledgement_after_the_response_window_gets_10062() {
    let (fake, http, channel, card) = silent_bot().await;
    let window = FakeDiscordConfig::default().initial_response_window;
    let ana = member("ana");
    let late = fake.click_button(&ana, channel, card.id.get(), "approve:1").await;
    fake.age(&late, window + Duration::from_millis(1));
    let (status, code, _) = refusal(ack(&http, &late, &json!({ "type": 6 })).await);
    assert_eq!((status, code), (404, 10062));
    let prompt = fake.click_button(&ana, channel, card.id.get(), "approve:1").await;
    ack(&http, &prompt, &json!({ "type": 6 })).await.expect("in time");
}

#[tokio::test]
async fn a_modal_title_over_45_characters_is_refused_and_45_passes() {
    let (fake, http, channel, card) = silent_bot().await;
    let click = fake.click_button(&member("ana"), channel, card.id.get(), "reject:1").await;
    let modal = |title: &str| {
        let input = json!({ "type": 4, "custom_id": "reason", "label": "Reason", "style": 2 });
        json!({ "type": 9, "data": { "custom_id": "why", "title": title, "components": [{ "type": 1, "components": [input] }] } })
    };
    let (_, code, errors) = refusal(ack(&http, &click, &modal(&"t".repeat(46))).await);
    assert_eq!((code, errors), (50035, vec!["data.title: BASE_TYPE_BAD_LENGTH".to_owned()]));
    ack(&http, &click, &modal(&"t".repeat(45))).await.expect("45 is fine");
    let submit = fake.submit_modal(&click, &[("reason", "too dark")]).await;
    let (_, code, errors) = refusal(ack(&http, &submit, &modal("Again?")).await);
    assert_eq!(
        (code, errors),
        (50035, vec!["type: INTERACTION_RESPONSE_TYPE_INVALID".to_owned()]),
        "no modal answers a modal"
    );
    ack(&http, &submit, &json!({ "type": 6 })).await.expect("deferred update of the card");
}

#[tokio::test]
async fn an_autocomplete_result_of_26_choices_is_refused_and_25_pass() {
    let (fake, http, channel, _) = silent_bot().await;
    register_commands(&http).await;
    let focus = CommandCall::new("approvals").sub("reject").focus("workflow", "wf");
    let typing = fake.autocomplete(&member("ana"), channel, focus).await;
    let choices = |n: usize| -> Value {
        let list: Vec<Value> =
            (0..n).map(|i| json!({ "name": format!("wf {i}"), "value": format!("wf_{i}") })).collect();
        json!({ "type": 8, "data": { "choices": list } })
    };
    let (_, code, errors) = refusal(ack(&http, &typing, &choices(26)).await);
    assert_eq!((code, errors), (50035, vec!["data.choices: BASE_TYPE_MAX_LENGTH".to_owned()]));
    ack(&http, &typing, &choices(25)).await.expect("25 are fine");
}

#[tokio::test]
async fn a_deferred_reply_is_made_v2_only_by_editing_the_original_response() {
    let (fake, http, channel, card) = silent_bot().await;
    let click = fake.click_button(&member("ana"), channel, card.id.get(), "approve:1").await;
    let v2 = crate::support::fake_discord::layout::IS_COMPONENTS_V2;
    let deferred_v2 = json!({ "type": 5, "data": { "flags": 64 | v2 } });
    let (status, _, errors) = refusal(ack(&http, &click, &deferred_v2).await);
    assert_eq!((status, errors), (400, vec!["data.flags: INTERACTION_RESPONSE_FLAGS_INVALID".to_owned()]));
    ack(&http, &click, &json!({ "type": 5, "data": { "flags": 64 } })).await.expect("deferred");
    let container = json!({ "type": 17, "components": [{ "type": 10, "content": "Approved." }] });
    let edit = json!({ "flags": v2, "components": [container] });
    http.edit_original_interaction_response(&click.token, &edit, vec![]).await.expect("made V2 by the edit");
}
