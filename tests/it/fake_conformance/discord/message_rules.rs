//! Discord's message rules: each refuses the bad request and lets the valid one through.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::support::fake_discord::DiscordFault;

/// A fake with one postable channel, and serenity's `Http` for it.
async fn fake_with_channel() -> (FakeDiscord, Http, u64) {
    let fake = FakeDiscord::start().await;
    let http = http_for(&fake, fake.bot_token());
    let channel = fake.add_text_channel("approvals");
    (fake, http, channel)
}

async fn send(http: &Http, channel: u64, body: &Value) -> serenity::Result<Message> {
    http.send_message(ChannelId::new(channel), vec![], body).await
}

fn buttons(ids: &[String]) -> Value {
    let buttons: Vec<Value> =
        ids.iter().map(|id| json!({ "type": 2, "style": 1, "label": "Go", "custom_id": id })).collect();
    json!({ "type": 1, "components": buttons })
}

fn ids(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

#[tokio::test]
async fn a_custom_id_over_100_characters_is_refused_and_one_of_100_passes() {
    let (fake, http, channel) = fake_with_channel().await;
    let bad = json!({ "components": [buttons(&["a".repeat(101)])] });
    let (status, code, errors) = refusal(send(&http, channel, &bad).await);
    assert_eq!((status, code), (400, 50035));
    assert_eq!(errors, ["components.0.components.0.custom_id: BASE_TYPE_BAD_LENGTH"]);
    send(&http, channel, &json!({ "components": [buttons(&["a".repeat(100)])] })).await.expect("100 is fine");
    assert_eq!(fake.rejections().len(), 1);
}

#[tokio::test]
async fn six_action_rows_are_refused_and_five_rows_of_five_buttons_pass() {
    let (_fake, http, channel) = fake_with_channel().await;
    let rows = |n: usize| -> Vec<Value> { (0..n).map(|r| buttons(&ids(&format!("r{r}b"), 5))).collect() };
    let (status, code, errors) = refusal(send(&http, channel, &json!({ "components": rows(6) })).await);
    assert_eq!((status, code, errors), (400, 50035, vec!["components: BASE_TYPE_BAD_LENGTH".to_owned()]));
    let six_buttons = json!({ "components": [buttons(&ids("b", 6))] });
    assert_eq!(refusal(send(&http, channel, &six_buttons).await).1, 50035);
    send(&http, channel, &json!({ "components": rows(5) })).await.expect("5 × 5 is fine");
}

#[tokio::test]
async fn a_custom_id_used_twice_in_a_message_is_refused_and_distinct_ones_pass() {
    let (_fake, http, channel) = fake_with_channel().await;
    let twice = json!({ "components": [buttons(&["approve:1".into(), "approve:1".into()])] });
    let (_, code, errors) = refusal(send(&http, channel, &twice).await);
    assert_eq!(
        (code, errors),
        (50035, vec!["components.0.components.1.custom_id: COMPONENT_CUSTOM_ID_DUPLICATED".to_owned()])
    );
    let distinct = json!({ "components": [buttons(&["approve:1".into(), "reject:1".into()])] });
    send(&http, channel, &distinct).await.expect("distinct ids are fine");
}

fn embeds(n: usize) -> Vec<Value> {
    (0..n).map(|i| json!({ "title": format!("Asset {i}") })).collect()
}

#[tokio::test]
async fn eleven_embeds_are_refused_and_ten_pass() {
    let (_fake, http, channel) = fake_with_channel().await;
    let (_, code, errors) = refusal(send(&http, channel, &json!({ "embeds": embeds(11) })).await);
    assert_eq!((code, errors), (50035, vec!["embeds: BASE_TYPE_MAX_LENGTH".to_owned()]));
    let ten: Vec<CreateEmbed> = (0..10).map(|i| CreateEmbed::new().title(format!("Asset {i}"))).collect();
    ChannelId::new(channel).send_message(&http, CreateMessage::new().embeds(ten)).await.expect("10 are fine");
}

#[tokio::test]
async fn embeds_over_6000_characters_in_total_are_refused_and_6000_pass() {
    let (fake, http, channel) = fake_with_channel().await;
    // Two embeds of 3000 description characters each, plus one title character too many.
    let body = |title: &str| json!({ "embeds": [{ "description": "d".repeat(3000) }, { "title": title, "description": "d".repeat(3000 - 5) }] });
    let (_, code, errors) = refusal(send(&http, channel, &body("123456")).await);
    assert_eq!((code, errors), (50035, vec!["embeds: MAX_EMBED_SIZE_EXCEEDED".to_owned()]));
    send(&http, channel, &body("12345")).await.expect("6000 is fine");
    assert_eq!(fake.rejections().len(), 1);
}

#[tokio::test]
async fn an_embed_title_over_256_or_a_field_over_1024_is_refused_and_the_limits_pass() {
    let (_fake, http, channel) = fake_with_channel().await;
    let body = |title: usize, value: usize| json!({ "embeds": [{ "title": "t".repeat(title), "fields": [{ "name": "Prompt", "value": "v".repeat(value) }] }] });
    let (_, code, errors) = refusal(send(&http, channel, &body(257, 1025)).await);
    assert_eq!(code, 50035);
    assert_eq!(
        errors,
        ["embeds.0.fields.0.value: BASE_TYPE_MAX_LENGTH", "embeds.0.title: BASE_TYPE_MAX_LENGTH"]
    );
    send(&http, channel, &body(256, 1024)).await.expect("at the limits is fine");
    let content = |n: usize| json!({ "content": "c".repeat(n) });
    assert_eq!(refusal(send(&http, channel, &content(2001)).await).2, ["content: BASE_TYPE_MAX_LENGTH"]);
    send(&http, channel, &content(2000)).await.expect("2000 characters are fine");
}

#[tokio::test]
async fn a_body_violating_discords_openapi_schema_is_refused_and_recorded() {
    let (fake, http, channel) = fake_with_channel().await;
    let (status, code, errors) =
        refusal(send(&http, channel, &json!({ "content": "hi", "tts": "yes" })).await);
    assert_eq!((status, code), (400, 50035));
    assert!(errors.iter().all(|e| e.ends_with("SCHEMA_VALIDATION")) && !errors.is_empty(), "{errors:?}");
    let rejected = fake.rejections();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].body, Some(json!({ "content": "hi", "tts": "yes" })));
    send(&http, channel, &json!({ "content": "hi", "tts": false })).await.expect("a boolean is fine");
    // What serenity's builders send passes too: a card with embed, buttons and a nonce.
    let built = card("approve:9").nonce(serenity::all::Nonce::String("gate-9".into())).enforce_nonce(true);
    ChannelId::new(channel).send_message(&http, built).await.expect("serenity's card passes");
    assert_eq!(fake.rejections().len(), 1);
}

#[tokio::test]
async fn a_wrong_bot_token_gets_401_and_the_right_one_passes() {
    let fake = FakeDiscord::start().await;
    let wrong = http_for(&fake, "not-the-token");
    let (status, code, _) = refusal(wrong.get_current_user().await);
    assert_eq!((status, code), (401, 0));
    let unauthorised = fake.requests().pop().expect("recorded");
    assert_eq!(unauthorised.response, Some(json!({ "code": 0, "message": "401: Unauthorized" })));
    let me = http_for(&fake, fake.bot_token()).get_current_user().await.expect("right token");
    assert_eq!(me.id.get(), fake.bot_user_id());
}

#[tokio::test]
async fn editing_a_message_a_person_deleted_gets_10008() {
    let (fake, http, channel) = fake_with_channel().await;
    let card = post_card(&fake, &http, channel).await;
    let edit = || serenity::all::EditMessage::new().content("Approved").components(vec![]);
    ChannelId::new(channel).edit_message(&http, card.id, edit()).await.expect("edit while it exists");
    fake.delete_message_by_person(channel, card.id.get());
    let (status, code, _) = refusal(ChannelId::new(channel).edit_message(&http, card.id, edit()).await);
    assert_eq!((status, code), (404, 10008));
}

#[tokio::test]
async fn the_same_nonce_with_enforce_nonce_returns_the_existing_message() {
    let (fake, http, channel) = fake_with_channel().await;
    let enforced = json!({ "content": "card", "nonce": "gate-1", "enforce_nonce": true });
    let first = send(&http, channel, &enforced).await.expect("first post");
    let again = send(&http, channel, &enforced).await.expect("second post");
    assert_eq!(first.id, again.id);
    assert_eq!(fake.messages_in(channel).len(), 1);
    let loose = json!({ "content": "card", "nonce": "gate-1" });
    let other = send(&http, channel, &loose).await.expect("post without enforce_nonce");
    assert_ne!(other.id, first.id);
    assert_eq!(fake.messages_in(channel).len(), 2);
}

#[tokio::test]
async fn channels_the_bot_cannot_post_in_or_does_not_know_are_refused() {
    let (fake, http, channel) = fake_with_channel().await;
    let read_only = fake.add_channel("announcements", ChannelAccess::ReadOnly);
    let hidden = fake.add_channel("staff", ChannelAccess::Hidden);
    let hello = json!({ "content": "hello" });
    assert_eq!(refusal(send(&http, read_only, &hello).await).1, 50013);
    assert_eq!(refusal(send(&http, hidden, &hello).await).1, 50001);
    assert_eq!(refusal(send(&http, 42, &hello).await).1, 10003);
    assert_eq!(refusal(send(&http, channel, &json!({})).await).1, 50006);
    send(&http, channel, &hello).await.expect("postable channel");
    let found = http.get_channel(ChannelId::new(read_only)).await.expect("visible channel");
    assert_eq!(found.id().get(), read_only);
    let (status, code, _) = refusal(http.get_guild_roles(GuildId::new(fake.guild_id() + 1)).await);
    assert_eq!((status, code), (404, 10004));
    assert!(!http.get_guild_roles(GuildId::new(fake.guild_id())).await.expect("roles").is_empty());
}

#[tokio::test]
async fn an_armed_server_error_answers_only_valid_requests_and_only_as_often_as_armed() {
    let (fake, http, channel) = fake_with_channel().await;
    fake.inject("POST", "/channels/{channel_id}/messages", DiscordFault::Status(500), 1);
    let too_long = json!({ "embeds": [{ "title": "t".repeat(257) }] });
    let (status, code, _) = refusal(send(&http, channel, &too_long).await);
    assert_eq!((status, code), (400, 50035), "an invalid form is refused before the outage");
    let hello = json!({ "content": "hello" });
    let (status, code, _) = refusal(send(&http, channel, &hello).await);
    assert_eq!((status, code), (500, 0));
    assert!(fake.messages_in(channel).is_empty(), "nothing was posted");
    send(&http, channel, &hello).await.expect("armed once, so the next post works");
    assert_eq!(fake.messages_in(channel).len(), 1);
    let rejected: Vec<u16> = fake.rejections().iter().map(|r| r.status).collect();
    assert_eq!(rejected, [400], "the armed failure is not a refusal");
    assert!(fake.requests().iter().any(|r| r.injected && r.status == 500));
}

#[tokio::test]
async fn listing_messages_takes_a_limit_between_one_and_a_hundred() {
    let (fake, _http, channel) = fake_with_channel().await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let list = |limit: u32| {
        client
            .get(format!("{}/api/v10/channels/{channel}/messages?limit={limit}", fake.api_base()))
            .header("Authorization", format!("Bot {}", fake.bot_token()))
            .send()
    };
    let refused = list(101).await.unwrap();
    assert_eq!(refused.status(), 400);
    assert_eq!(refused.json::<Value>().await.unwrap()["code"], 50035);
    assert_eq!(list(100).await.unwrap().status(), 200);
    assert_eq!(list(0).await.unwrap().status(), 400);
}

fn menu(options: usize, min: u64, max: u64) -> Value {
    let options: Vec<Value> = (0..options)
        .map(|i| json!({ "label": format!("{}. Option", i + 1), "value": i.to_string() }))
        .collect();
    json!({ "type": 1, "components": [{
        "type": 3, "custom_id": "menu", "options": options, "min_values": min, "max_values": max
    }] })
}

#[tokio::test]
async fn a_string_select_breaking_discords_limits_is_refused_and_one_at_the_limits_passes() {
    let (_fake, http, channel) = fake_with_channel().await;
    let too_many_options = json!({ "components": [menu(26, 0, 25)] });
    let (_, code, errors) = refusal(send(&http, channel, &too_many_options).await);
    assert_eq!(
        (code, errors),
        (50035, vec!["components.0.components.0.options: BASE_TYPE_BAD_LENGTH".to_owned()])
    );
    let more_values_than_options = json!({ "components": [menu(4, 1, 5)] });
    let (_, _, errors) = refusal(send(&http, channel, &more_values_than_options).await);
    assert_eq!(errors, ["components.0.components.0.max_values: SELECT_COMPONENT_TOO_MANY_VALUES"]);
    let mut long_label = menu(2, 1, 1);
    long_label["components"][0]["options"][1]["label"] = json!("x".repeat(101));
    let (_, _, errors) = refusal(send(&http, channel, &json!({ "components": [long_label] })).await);
    assert_eq!(errors, ["components.0.components.0.options.1.label: BASE_TYPE_BAD_LENGTH"]);
    let mut twice = menu(2, 1, 1);
    twice["components"][0]["options"][1]["value"] = json!("0");
    let (_, _, errors) = refusal(send(&http, channel, &json!({ "components": [twice] })).await);
    assert_eq!(
        errors,
        ["components.0.components.0.options.1.value: SELECT_COMPONENT_OPTION_VALUE_DUPLICATED"]
    );
    let mut beside_a_button = menu(2, 1, 1);
    beside_a_button["components"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "type": 2, "style": 1, "label": "Go", "custom_id": "b" }));
    assert_eq!(refusal(send(&http, channel, &json!({ "components": [beside_a_button] })).await).1, 50035);
    send(&http, channel, &json!({ "components": [menu(25, 0, 25), second_menu()] }))
        .await
        .expect("25 options, 0 to 25 values, is fine");
}

/// A second menu with its own custom_id.
fn second_menu() -> Value {
    let mut second = menu(5, 0, 5);
    second["components"][0]["custom_id"] = json!("menu2");
    second
}
