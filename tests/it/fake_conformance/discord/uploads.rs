//! Files with messages: `files[n]` parts, the `attachments` list, `attachment://` names, the
//! upload limit; stored as attachments and served back with their own URLs.

#[allow(clippy::wildcard_imports)]
use super::*;
use serenity::all::{CreateAttachment, CreateEmbed, CreateMessage, EditAttachments, EditMessage};

async fn fake_with(config: FakeDiscordConfig) -> (FakeDiscord, Http, ChannelId) {
    let fake = FakeDiscord::start_with(config).await;
    let http = http_for(&fake, fake.bot_token());
    let channel = ChannelId::new(fake.add_text_channel("approvals"));
    (fake, http, channel)
}

fn file(name: &str, bytes: usize) -> CreateAttachment {
    CreateAttachment::bytes(vec![7u8; bytes], name)
}

fn embed_of(name: &str) -> CreateEmbed {
    CreateEmbed::new().title("t").image(format!("attachment://{name}"))
}

#[tokio::test]
async fn files_become_attachments_with_their_own_urls_and_embeds_point_at_them() {
    let (fake, http, channel) = fake_with(FakeDiscordConfig::default()).await;
    let message = CreateMessage::new()
        .embed(embed_of("a.jpg"))
        .add_file(file("a.jpg", 1000))
        .add_file(file("b.jpg", 10));
    let sent = channel.send_message(&http, message).await.expect("accepted");
    assert_eq!(sent.attachments.len(), 2);
    let stored = fake.message(channel.get(), sent.id.get()).unwrap();
    let a = &stored["attachments"][0];
    assert_eq!((a["filename"].as_str(), a["size"].as_u64()), (Some("a.jpg"), Some(1000)));
    assert_eq!(stored["embeds"][0]["image"]["url"], a["url"]);
    assert!(a["url"].as_str().unwrap().ends_with("/a.jpg"));
    assert_eq!(fake.attachment_file(a).expect("the bytes are kept").data.len(), 1000);
    let request = &fake.requests()[fake.requests().len() - 1];
    assert_eq!(request.files.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["files[0]", "files[1]"]);
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_with_413_and_code_40005() {
    let config = FakeDiscordConfig { upload_limit: 2_000, ..FakeDiscordConfig::default() };
    let (fake, http, channel) = fake_with(config).await;
    let over = CreateMessage::new().content("x").add_file(file("a.jpg", 1_500)).add_file(file("b.jpg", 501));
    let (status, code, _) = refusal(channel.send_message(&http, over).await);
    assert_eq!((status, code), (413, 40005));
    let at_limit =
        CreateMessage::new().content("x").add_file(file("a.jpg", 1_500)).add_file(file("b.jpg", 500));
    channel.send_message(&http, at_limit).await.expect("exactly the limit passes");
    assert_eq!(fake.rejections().len(), 1);
}

#[tokio::test]
async fn an_attachment_name_that_names_no_file_is_refused() {
    let (fake, http, channel) = fake_with(FakeDiscordConfig::default()).await;
    let wrong = CreateMessage::new().embed(embed_of("missing.jpg")).add_file(file("a.jpg", 10));
    let (status, code, errors) = refusal(channel.send_message(&http, wrong).await);
    assert_eq!((status, code), (400, 50035));
    assert_eq!(errors, ["embeds.0.image.url: ATTACHMENT_NOT_FOUND"]);
    assert_eq!(fake.rejections().len(), 1);
}

#[tokio::test]
async fn an_edit_keeps_listed_attachments_by_id_may_point_embeds_at_them_and_drops_the_rest() {
    let (fake, http, channel) = fake_with(FakeDiscordConfig::default()).await;
    let message =
        CreateMessage::new().embed(embed_of("a.jpg")).add_file(file("a.jpg", 10)).add_file(file("b.jpg", 10));
    let sent = channel.send_message(&http, message).await.unwrap();
    let kept = sent.attachments.iter().find(|a| a.filename == "a.jpg").unwrap().id;
    let edit = EditMessage::new()
        .embeds(vec![embed_of("a.jpg"), embed_of("c.jpg")])
        .attachments(EditAttachments::new().keep(kept).add(file("c.jpg", 10)));
    let edited = channel.edit_message(&http, sent.id, edit).await.expect("accepted");
    let names: Vec<&str> = edited.attachments.iter().map(|a| a.filename.as_str()).collect();
    assert_eq!(names, ["a.jpg", "c.jpg"]);
    assert_eq!(edited.attachments[0].id, kept, "kept, not uploaded again");
    let request = fake.requests().into_iter().rev().find(|r| r.method == "PATCH").unwrap();
    assert_eq!(request.files.len(), 1, "only the new file is sent");

    // A dropped attachment can no longer be named, nor an id that is not the message's.
    let stale = EditMessage::new().embed(embed_of("b.jpg")).attachments(EditAttachments::new().keep(kept));
    let (_, _, errors) = refusal(channel.edit_message(&http, sent.id, stale).await);
    assert_eq!(errors, ["embeds.0.image.url: ATTACHMENT_NOT_FOUND"]);
    let foreign = EditMessage::new()
        .attachments(EditAttachments::new().keep(serenity::all::AttachmentId::new(123_456_789)));
    let (_, _, errors) = refusal(channel.edit_message(&http, sent.id, foreign).await);
    assert_eq!(errors, ["attachments.0.id: ATTACHMENT_NOT_FOUND"]);
}

#[tokio::test]
async fn an_edit_without_an_attachments_list_keeps_every_attachment() {
    let (fake, http, channel) = fake_with(FakeDiscordConfig::default()).await;
    let sent = channel
        .send_message(&http, CreateMessage::new().embed(embed_of("a.jpg")).add_file(file("a.jpg", 10)))
        .await
        .unwrap();
    let edited =
        channel.edit_message(&http, sent.id, EditMessage::new().embed(embed_of("a.jpg"))).await.unwrap();
    assert_eq!(edited.attachments.len(), 1);
    assert_eq!(
        edited.embeds[0].image.as_ref().map(|i| i.url.clone()),
        Some(edited.attachments[0].url.clone())
    );
    fake.assert_no_rejections();
}

#[tokio::test]
async fn an_interaction_answer_over_the_upload_limit_is_refused_with_413_as_a_message_is() {
    let config = FakeDiscordConfig { upload_limit: 2_000, ..FakeDiscordConfig::default() };
    let (fake, http, channel) = fake_with(config).await;
    let card = post_card(&fake, &http, channel.get()).await;
    start_bot(&fake, false).await;
    let click = fake.click_button(&member("ana"), channel.get(), card.id.get(), "approve:1").await;
    let defer = json!({ "type": 5, "data": { "flags": 64 } });
    http.create_interaction_response(click.id.into(), &click.token, &defer, vec![]).await.expect("deferred");
    let edit = json!({ "content": "Your export." });
    let over =
        http.edit_original_interaction_response(&click.token, &edit, vec![file("a.jsonl", 2_001)]).await;
    assert_eq!(refusal(over).0, 413);
    let followup = json!({ "content": "x", "flags": 64 });
    let over = http.create_followup_message(&click.token, &followup, vec![file("a.jsonl", 2_001)]).await;
    assert_eq!(refusal(over).0, 413);
    http.edit_original_interaction_response(&click.token, &edit, vec![file("a.jsonl", 2_000)])
        .await
        .expect("exactly the limit passes");
    assert_eq!(fake.rejections().len(), 2);
}
