//! Replies and mentions: a reply must name a message of its channel, `allowed_mentions` may not
//! both parse and list roles, and a message pings only the roles it is allowed to.

#[allow(clippy::wildcard_imports)]
use super::*;

async fn send(http: &Http, channel: u64, body: &Value) -> serenity::Result<Message> {
    http.send_message(ChannelId::new(channel), vec![], body).await
}

#[tokio::test]
async fn a_reply_to_an_unknown_message_is_refused_and_a_reply_to_a_message_of_the_channel_passes() {
    let fake = FakeDiscord::start().await;
    let http = http_for(&fake, fake.bot_token());
    let (channel, other) = (fake.add_text_channel("approvals"), fake.add_text_channel("elsewhere"));
    let card = post_card(&fake, &http, channel).await;

    let unknown = json!({ "content": "Still waiting.", "message_reference": { "message_id": "999" } });
    let (status, code, errors) = refusal(send(&http, channel, &unknown).await);
    assert_eq!((status, code), (400, 50035));
    assert_eq!(errors, ["message_reference: MESSAGE_REFERENCE_UNKNOWN_MESSAGE"]);
    let elsewhere =
        json!({ "content": "Still waiting.", "message_reference": { "message_id": card.id.to_string() } });
    assert_eq!(refusal(send(&http, other, &elsewhere).await).1, 50035, "the card is not in that channel");
    let lenient = json!({ "content": "Still waiting.",
        "message_reference": { "message_id": "999", "fail_if_not_exists": false } });
    send(&http, channel, &lenient).await.expect("a missing message may be allowed");

    let reply =
        json!({ "content": "Still waiting.", "message_reference": { "message_id": card.id.to_string() } });
    let sent = send(&http, channel, &reply).await.expect("a reply to the card passes");
    assert_eq!(sent.kind, serenity::all::MessageType::InlineReply);
    assert_eq!(sent.message_reference.and_then(|r| r.message_id), Some(card.id));
}

#[tokio::test]
async fn allowed_mentions_may_not_parse_and_list_roles_and_only_the_allowed_roles_are_pinged() {
    let fake = FakeDiscord::start().await;
    let http = http_for(&fake, fake.bot_token());
    let channel = fake.add_text_channel("approvals");
    let both = json!({ "content": "<@&5> hi", "allowed_mentions": { "parse": ["roles"], "roles": ["5"] } });
    let (_, code, errors) = refusal(send(&http, channel, &both).await);
    assert_eq!(
        (code, errors),
        (50035, vec!["allowed_mentions: MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE".to_owned()])
    );

    let listed = json!({ "content": "<@&5> <@&6> hi", "allowed_mentions": { "parse": [], "roles": ["5"] } });
    let sent = send(&http, channel, &listed).await.expect("a list of roles passes");
    assert_eq!(sent.mention_roles, [serenity::all::RoleId::new(5)], "only the listed role is pinged");
    let none = json!({ "content": "<@&5> hi", "allowed_mentions": { "parse": [] } });
    assert!(send(&http, channel, &none).await.expect("passes").mention_roles.is_empty());
    let unlimited = send(&http, channel, &json!({ "content": "<@&5> <@&6> hi" })).await.expect("passes");
    assert_eq!(unlimited.mention_roles.len(), 2, "without allowed_mentions every mention pings");
}
