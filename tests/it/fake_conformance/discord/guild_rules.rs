//! The guild as the bot reads it: channel types, the bot's access as overwrites, its member and
//! role, and where messages cannot go.

#[allow(clippy::wildcard_imports)]
use super::*;
use serenity::all::{ChannelType, PermissionOverwriteType, Permissions, UserId};

async fn guild_channel(http: &Http, id: u64) -> GuildChannel {
    http.get_channel(ChannelId::new(id)).await.expect("channel").guild().expect("a guild channel")
}

#[tokio::test]
async fn channels_show_their_type_and_the_bots_access_as_a_member_overwrite() {
    let fake = FakeDiscord::start().await;
    let http = http_for(&fake, fake.bot_token());
    let text = fake.add_text_channel("approvals");
    let read_only = fake.add_channel("announcements", ChannelAccess::ReadOnly);
    let voice = fake.add_channel_of_kind("lounge", ChannelKind::Voice, ChannelAccess::Post);
    let category = fake.add_channel_of_kind("Projects", ChannelKind::Category, ChannelAccess::Post);

    assert_eq!(guild_channel(&http, text).await.kind, ChannelType::Text);
    assert!(guild_channel(&http, text).await.permission_overwrites.is_empty());
    assert_eq!(guild_channel(&http, voice).await.kind, ChannelType::Voice);
    assert_eq!(guild_channel(&http, category).await.kind, ChannelType::Category);
    let overwrites = guild_channel(&http, read_only).await.permission_overwrites;
    assert_eq!(overwrites.len(), 1);
    assert_eq!(overwrites[0].kind, PermissionOverwriteType::Member(UserId::new(fake.bot_user_id())));
    assert_eq!(overwrites[0].deny, Permissions::SEND_MESSAGES);

    let body = json!({ "content": "hi" });
    let (status, code, _) = refusal(http.send_message(ChannelId::new(category), vec![], &body).await);
    assert_eq!((status, code), (400, 50008));
    http.send_message(ChannelId::new(voice), vec![], &body).await.expect("voice channels have a text chat");
}

#[tokio::test]
async fn the_bot_is_a_member_with_its_own_role_and_other_members_are_unknown() {
    let fake = FakeDiscord::start().await;
    let http = http_for(&fake, fake.bot_token());
    let guild = GuildId::new(fake.guild_id());
    let bot = http.get_member(guild, UserId::new(fake.bot_user_id())).await.expect("the bot's member");
    assert_eq!(bot.roles.iter().map(|r| r.get()).collect::<Vec<_>>(), [fake.bot_role()]);
    let roles = http.get_guild_roles(guild).await.expect("roles");
    let role = roles.iter().find(|r| r.id.get() == fake.bot_role()).expect("the bot's role is listed");
    assert!(role.permissions.contains(Permissions::SEND_MESSAGES | Permissions::EMBED_LINKS));
    let (status, code, _) = refusal(http.get_member(guild, UserId::new(12345)).await);
    assert_eq!((status, code), (404, 10007));
}

#[tokio::test]
async fn the_bot_is_in_two_guilds_and_each_has_its_own_channels_and_roles() {
    let fake = FakeDiscord::start().await;
    let http = http_for(&fake, fake.bot_token());
    let (home, other) = (GuildId::new(fake.guild_id()), GuildId::new(fake.foreign_guild_id()));
    let ours = fake.add_text_channel("approvals");
    let theirs = fake.add_foreign_text_channel("takeover");
    let their_role = fake.add_foreign_role("Their reviewers", "0");

    let guilds = http.get_guilds(None, None).await.expect("the bot's guilds");
    let ids: Vec<GuildId> = guilds.iter().map(|g| g.id).collect();
    assert_eq!(ids, [home, other]);
    assert_eq!(guild_channel(&http, theirs).await.guild_id, other);
    assert_eq!(guild_channel(&http, ours).await.guild_id, home);
    let home_roles = http.get_guild_roles(home).await.expect("roles");
    let other_roles = http.get_guild_roles(other).await.expect("roles");
    assert!(!home_roles.iter().any(|r| r.id.get() == their_role));
    assert!(other_roles.iter().any(|r| r.id.get() == their_role));
    let member = http.get_member(other, UserId::new(fake.bot_user_id())).await.expect("the bot is there");
    assert_eq!(member.roles.len(), 1, "its managed role there, from its invite");
    assert_ne!(member.roles[0].get(), fake.bot_role(), "not the home guild's role");
    assert!(other_roles.iter().any(|r| r.id == member.roles[0]));

    let (status, code, _) = refusal(http.get_guild_roles(GuildId::new(12345)).await);
    assert_eq!((status, code), (404, 10004), "a guild the bot is not in");
    let too_many = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("{}/api/v10/users/@me/guilds?limit=201", fake.api_base());
    let answer =
        too_many.get(url).header("Authorization", format!("Bot {}", fake.bot_token())).send().await.unwrap();
    assert_eq!(answer.status(), 400, "limit is 1–200");
}

#[tokio::test]
async fn the_bots_permissions_follow_roles_and_overwrites_and_each_missing_one_is_refused_as_discord_does() {
    use crate::support::fake_discord::{Overwrite, OverwriteKind, permission};
    use serenity::all::{CreateAttachment, CreateMessage, GetMessages};

    let fake = FakeDiscord::start().await;
    let http = http_for(&fake, fake.bot_token());
    let invite = approval_bridge::guild::permissions::required().bits();
    let channel = fake.add_text_channel("approvals");
    assert_eq!(fake.bot_permissions_in(channel), invite, "@everyone may do nothing: the invite alone");
    let id = ChannelId::new(channel);
    let with_file =
        || CreateMessage::new().content("card").add_file(CreateAttachment::bytes(vec![1u8; 10], "a.jpg"));
    let first = id.send_message(&http, with_file()).await.expect("the invite allows files");

    fake.deny_bot_role(channel, permission::ATTACH_FILES);
    let (status, code, _) = refusal(id.send_message(&http, with_file()).await);
    assert_eq!((status, code), (403, 50013), "files without Attach Files");
    id.send_message(&http, CreateMessage::new().content("no files")).await.expect("text still goes");

    fake.deny_bot_role(channel, permission::READ_MESSAGE_HISTORY);
    let reply = CreateMessage::new().content("reminder").reference_message(&first);
    let (status, code, _) = refusal(id.send_message(&http, reply).await);
    assert_eq!((status, code), (403, 50013), "a reply without Read Message History");
    let listed = id.messages(&http, GetMessages::new().limit(10)).await.expect("listing answers");
    assert!(listed.is_empty(), "without Read Message History no message is returned");
    let (status, code, _) = refusal(id.message(&http, first.id).await);
    assert_eq!((status, code), (403, 50013));

    // A member overwrite for the bot wins over its role's.
    let allow = permission::READ_MESSAGE_HISTORY | permission::ATTACH_FILES;
    let bot = Overwrite { id: fake.bot_user_id(), kind: OverwriteKind::Member, allow, deny: 0 };
    fake.set_overwrite(channel, bot);
    assert_eq!(fake.bot_permissions_in(channel), invite);
    // Without Send Messages, files and embeds go too (Discord's implicit permissions).
    fake.set_overwrite(channel, Overwrite { deny: permission::SEND_MESSAGES, allow: 0, ..bot });
    let left = fake.bot_permissions_in(channel);
    assert_eq!(left & (permission::SEND_MESSAGES | permission::ATTACH_FILES | permission::EMBED_LINKS), 0);
    // Without View Channel, nothing.
    fake.set_overwrite(channel, Overwrite { deny: permission::VIEW_CHANNEL, allow: 0, ..bot });
    assert_eq!(fake.bot_permissions_in(channel), 0);
    let (status, code, _) = refusal(http.get_channel(id).await);
    assert_eq!((status, code), (403, 50001));

    // The guild's owner has every permission, overwrites or not.
    fake.make_bot_the_owner();
    assert_eq!(fake.bot_permissions_in(channel), permission::ALL);
}
