//! Discord's rules for messages in the component layout (flag `IS_COMPONENTS_V2`): each refuses
//! the bad request and lets the valid one through, through serenity's own client.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::support::fake_discord::layout::IS_COMPONENTS_V2;

async fn fake_with_channel() -> (FakeDiscord, Http, u64) {
    let fake = FakeDiscord::start().await;
    let http = http_for(&fake, fake.bot_token());
    let channel = fake.add_text_channel("approvals");
    (fake, http, channel)
}

fn text(content: &str) -> Value {
    json!({ "type": 10, "content": content })
}

fn card(components: Vec<Value>) -> Value {
    json!({ "flags": IS_COMPONENTS_V2, "components": [{ "type": 17, "accent_color": 0xF1C40F, "components": components }] })
}

async fn send(http: &Http, channel: u64, body: &Value) -> serenity::Result<Message> {
    http.send_message(ChannelId::new(channel), vec![], body).await
}

#[tokio::test]
async fn with_the_flag_content_and_embeds_are_refused_and_components_alone_pass() {
    let (fake, http, channel) = fake_with_channel().await;
    let mut with_content = card(vec![text("hello")]);
    with_content["content"] = json!("also text");
    let (status, _, errors) = refusal(send(&http, channel, &with_content).await);
    assert_eq!(
        (status, errors),
        (400, vec!["content: MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2".to_owned()])
    );
    let mut with_embed = card(vec![text("hello")]);
    with_embed["embeds"] = json!([{ "title": "old" }]);
    let (_, _, errors) = refusal(send(&http, channel, &with_embed).await);
    assert_eq!(errors, ["embeds: MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2"]);
    send(&http, channel, &card(vec![text("hello")])).await.expect("components alone");
    assert_eq!(fake.rejections().len(), 2);
}

#[tokio::test]
async fn forty_one_components_are_refused_and_forty_pass_nested_ones_counted() {
    let (_fake, http, channel) = fake_with_channel().await;
    // The container counts: 1 + 39 text displays is 40.
    let texts = |n: usize| (0..n).map(|i| text(&format!("line {i}"))).collect::<Vec<_>>();
    let (_, _, errors) = refusal(send(&http, channel, &card(texts(40))).await);
    assert!(errors.contains(&"components: BASE_TYPE_MAX_LENGTH".to_owned()), "{errors:?}");
    send(&http, channel, &card(texts(39))).await.expect("40 components");
}

#[tokio::test]
async fn text_displays_over_4000_characters_in_all_are_refused_and_4000_pass() {
    let (_fake, http, channel) = fake_with_channel().await;
    let over = card(vec![text(&"a".repeat(2_000)), text(&"b".repeat(2_001))]);
    let (_, _, errors) = refusal(send(&http, channel, &over).await);
    assert_eq!(errors, ["components: COMPONENT_TEXT_DISPLAY_TOTAL_LENGTH_EXCEEDED"]);
    send(&http, channel, &card(vec![text(&"a".repeat(2_000)), text(&"b".repeat(2_000))]))
        .await
        .expect("4000");
}

#[tokio::test]
async fn a_gallery_of_eleven_pictures_or_of_none_is_refused_and_ten_pass() {
    let (_fake, http, channel) = fake_with_channel().await;
    let gallery = |n: usize| {
        let items: Vec<Value> =
            (0..n).map(|i| json!({ "media": { "url": format!("https://cdn.example/{i}.png") } })).collect();
        card(vec![json!({ "type": 12, "items": items })])
    };
    assert_eq!(refusal(send(&http, channel, &gallery(11)).await).0, 400);
    assert_eq!(refusal(send(&http, channel, &gallery(0)).await).0, 400);
    send(&http, channel, &gallery(10)).await.expect("ten pictures");
}

#[tokio::test]
async fn a_picture_naming_no_file_is_refused_and_one_naming_an_uploaded_file_shows_it() {
    let (fake, http, channel) = fake_with_channel().await;
    let gallery = card(vec![json!({ "type": 12, "items": [{ "media": { "url": "attachment://a.jpg" } }] })]);
    let (_, _, errors) = refusal(send(&http, channel, &gallery).await);
    assert_eq!(errors, ["components: ATTACHMENT_NOT_FOUND"]);
    let file = serenity::all::CreateAttachment::bytes(vec![1u8; 10], "a.jpg");
    let posted = http.send_message(ChannelId::new(channel), vec![file], &gallery).await.expect("named file");
    let stored = fake.message(channel, posted.id.get()).unwrap();
    let shown = &stored["components"][0]["components"][0]["items"][0]["media"];
    assert_eq!(shown["url"], stored["attachments"][0]["url"], "the picture is the attachment: {stored}");
}

#[tokio::test]
async fn the_flag_cannot_be_removed_and_an_older_message_moves_over_when_its_text_and_embeds_are_cleared() {
    let (_fake, http, channel) = fake_with_channel().await;
    let old = send(&http, channel, &json!({ "content": "old card", "embeds": [{ "title": "Review" }] }))
        .await
        .unwrap();
    let (channel_id, id) = (ChannelId::new(channel), old.id);
    let keeping_text =
        json!({ "flags": IS_COMPONENTS_V2, "components": card(vec![text("new")])["components"] });
    let (_, _, errors) = refusal(http.edit_message(channel_id, id, &keeping_text, vec![]).await);
    assert_eq!(
        errors,
        [
            "content: MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "embeds: MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2"
        ]
    );
    let mut moved = card(vec![text("new")]);
    moved["content"] = Value::Null;
    moved["embeds"] = json!([]);
    http.edit_message(channel_id, id, &moved, vec![]).await.expect("moved over");
    let removing = json!({ "flags": 0, "content": "back to text" });
    let (_, _, errors) = refusal(http.edit_message(channel_id, id, &removing, vec![]).await);
    assert_eq!(errors, ["flags: MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG"]);
    let text_without_flag = json!({ "content": "sneaked in" });
    let (_, _, errors) = refusal(http.edit_message(channel_id, id, &text_without_flag, vec![]).await);
    assert_eq!(errors, ["content: MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2"]);
}
