//! Threads started from a card: one per message, with the message's id, only with Create Public
//! Threads; messages into a thread need Send Messages in Threads and an open thread; the bot
//! archives and reopens the threads it started.

use serenity::all::{AutoArchiveDuration, ChannelType, CreateThread, EditThread, MessageId};

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::support::fake_discord::permission::{CREATE_PUBLIC_THREADS, SEND_MESSAGES_IN_THREADS};

fn one_day(name: &str) -> CreateThread<'static> {
    CreateThread::new(name).auto_archive_duration(AutoArchiveDuration::OneDay)
}

#[tokio::test]
async fn a_thread_needs_create_public_threads_and_its_message_and_is_started_once_with_the_message_id() {
    let fake = FakeDiscord::start().await;
    let http = http_for(&fake, fake.bot_token());
    let channel = fake.add_text_channel("approvals");
    let card = post_card(&fake, &http, channel).await;
    let start = |message: MessageId, builder: CreateThread<'static>| {
        ChannelId::new(channel).create_thread_from_message(&http, message, builder)
    };

    let (status, code, _) = refusal(start(card.id, one_day("Portraits · run 7")).await);
    assert_eq!((status, code), (403, 50013), "the bot's invite holds no Create Public Threads");
    fake.allow_bot_role(channel, CREATE_PUBLIC_THREADS);
    let (status, code, _) = refusal(start(MessageId::new(999), one_day("Portraits · run 7")).await);
    assert_eq!((status, code), (404, 10008), "no such message");
    for (bad, path) in [(json!({ "name": "" }), "name"), (json!({ "name": "x".repeat(101) }), "name")] {
        let refused = http.create_thread_from_message(ChannelId::new(channel), card.id, &bad, None).await;
        let (status, code, errors) = refusal(refused);
        assert_eq!((status, code), (400, 50035), "{bad}");
        assert!(errors.iter().all(|e| e.starts_with(path)), "{errors:?}");
    }
    let odd = json!({ "name": "Portraits", "auto_archive_duration": 100 });
    let refused = http.create_thread_from_message(ChannelId::new(channel), card.id, &odd, None).await;
    assert_eq!(refusal(refused).1, 50035, "60, 1440, 4320 or 10080 minutes only");

    let thread = start(card.id, one_day("Portraits · run 7")).await.expect("a valid start passes");
    assert_eq!(thread.id.get(), card.id.get(), "a thread started from a message has its id");
    assert_eq!((thread.kind, thread.parent_id), (ChannelType::PublicThread, Some(ChannelId::new(channel))));
    let metadata = thread.thread_metadata.expect("thread metadata");
    assert!(!metadata.archived && !metadata.locked);
    assert_eq!(metadata.auto_archive_duration, AutoArchiveDuration::OneDay);
    assert_eq!(fake.thread(card.id.get()).expect("stored")["name"], "Portraits · run 7");
    let (status, code, _) = refusal(start(card.id, one_day("again")).await);
    assert_eq!((status, code), (400, 160_004), "one thread per message");
}

#[tokio::test]
async fn a_message_in_a_thread_needs_send_messages_in_threads_and_an_open_thread() {
    let fake = FakeDiscord::start().await;
    let http = http_for(&fake, fake.bot_token());
    let channel = fake.add_text_channel("approvals");
    let card = post_card(&fake, &http, channel).await;
    fake.allow_bot_role(channel, CREATE_PUBLIC_THREADS);
    let thread = ChannelId::new(channel).create_thread_from_message(&http, card.id, one_day("t")).await;
    let thread = thread.expect("started").id;
    let say = |to: ChannelId| to.send_message(&http, CreateMessage::new().content("Reminder 1 of 3"));

    assert_eq!(refusal(say(thread).await).1, 50013, "Send Messages in Threads is missing");
    assert_eq!(refusal(say(ChannelId::new(12_345)).await), (404, 10003, vec![]), "no such thread");
    fake.allow_bot_role(channel, CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS);
    let sent = say(thread).await.expect("a message into an open thread passes");
    assert_eq!(sent.channel_id, thread);
    assert_eq!(fake.messages_in(thread.get()).len(), 1);
    assert_eq!(fake.messages_in(channel).len(), 1, "the channel holds the card alone");

    let archived = thread.edit_thread(&http, EditThread::new().archived(true)).await.expect("archived");
    assert!(archived.thread_metadata.expect("metadata").archived);
    assert_eq!(refusal(say(thread).await), (400, 50083, vec![]), "an archived thread takes nothing");
    let edit = ChannelId::new(12_345).edit_thread(&http, EditThread::new().archived(true)).await;
    assert_eq!(refusal(edit).1, 10003);
    thread.edit_thread(&http, EditThread::new().archived(false)).await.expect("reopened");
    say(thread).await.expect("a reopened thread takes messages again");
}
