//! Every payload factory deserializes with serenity's own types, so no event vanishes.

#[allow(clippy::wildcard_imports)]
use super::*;

#[tokio::test]
async fn every_payload_factory_deserializes_with_serenity_types() {
    let fake = FakeDiscord::start().await;
    let http = http_for(&fake, fake.bot_token());
    let channel = fake.add_text_channel("approvals");
    let role = fake.add_role("reviewers", "0");
    // The bot's permissions where the payloads carry them: what the invite grants.
    let bot_bits = approval_bridge::guild::permissions::required().bits();
    let ana = member("ana").with_roles(&[role]);
    register_commands(&http).await;

    let bot = payloads::current_user(fake.bot_user_id(), "bot");
    let owner = payloads::user(1, "owner", false);
    serde_json::from_value::<CurrentUser>(bot.clone()).expect("current user");
    serde_json::from_value::<User>(owner.clone()).expect("user");
    serde_json::from_value::<CurrentApplicationInfo>(payloads::application(
        fake.application_id(),
        &bot,
        &owner,
    ))
    .expect("application");
    serde_json::from_value::<Member>(payloads::member(&ana)).expect("member");
    let channel_json = payloads::partial_channel(&fake_channel(channel), "1024");
    serde_json::from_value::<PartialChannel>(channel_json.clone()).expect("partial channel");
    serde_json::from_value::<GuildChannel>(payloads::channel(&fake_channel(channel))).expect("channel");
    let role_json = payloads::role(&crate::support::fake_discord::Role {
        id: role,
        guild_id: fake.guild_id(),
        name: "r".into(),
        permissions: "0".into(),
        position: 1,
    });
    serde_json::from_value::<Role>(role_json).expect("role");
    let body = json!({ "content": "hi", "embeds": [{ "title": "t" }], "nonce": "n1", "components": [] });
    let message = payloads::message(7, channel, Some(fake.guild_id()), &bot, &body);
    serde_json::from_value::<Message>(message.clone()).expect("message");
    let command = payloads::command(
        &json!({ "name": "approvals", "description": "d" }),
        8,
        fake.application_id(),
        Some(fake.guild_id()),
    );
    serde_json::from_value::<Command>(command).expect("command");

    let ready = payloads::ready(&bot, fake.application_id(), "s", &fake.gateway_url());
    let parsed_ready = serde_json::from_value::<Ready>(ready.clone()).expect("ready");
    assert_eq!(parsed_ready.guilds.len(), 2, "the home guild and the other one");
    let guilds = payloads::partial_guild(fake.foreign_guild_id(), "Elsewhere", bot_bits);
    serde_json::from_value::<GuildInfo>(guilds).expect("guild info");
    assert_dispatch(json!({ "op": 0, "s": 1, "t": "READY", "d": ready }), |e| matches!(e, Event::Ready(_)));

    let mut click =
        payloads::interaction(3, 10, "t", &ana, &channel_json, bot_bits, payloads::button_data("approve:1"));
    click["message"] = message.clone();
    serde_json::from_value::<ComponentInteraction>(click.clone()).expect("component interaction");
    let mut choice = payloads::interaction(
        3,
        14,
        "t",
        &ana,
        &channel_json,
        bot_bits,
        payloads::select_data("ab1:p0:1", &["1", "3"]),
    );
    choice["message"] = message.clone();
    let parsed = serde_json::from_value::<ComponentInteraction>(choice).expect("select menu interaction");
    let values = match parsed.data.kind {
        ComponentInteractionDataKind::StringSelect { values } => values,
        other => panic!("a string select, not {other:?}"),
    };
    assert_eq!(values, ["1", "3"]);
    let modal = payloads::interaction(
        5,
        11,
        "t",
        &ana,
        &channel_json,
        bot_bits,
        payloads::modal_submit_data("m", &[("reason", "x")]),
    );
    serde_json::from_value::<ModalInteraction>(modal.clone()).expect("modal interaction");
    let call = CommandCall::new("approvals")
        .sub("reject")
        .opt("workflow", OptionValue::String("wf".into()))
        .opt("channel", OptionValue::Channel(channel))
        .opt("role", OptionValue::Role(role))
        .opt("user", OptionValue::User(ana.clone()));
    let command = payloads::interaction(2, 12, "t", &ana, &channel_json, bot_bits, fake.command_data(&call));
    let parsed = serde_json::from_value::<CommandInteraction>(command.clone()).expect("command interaction");
    assert_eq!(parsed.data.resolved.roles.len(), 1);
    assert_eq!(parsed.data.resolved.channels.len(), 1);
    assert_eq!(parsed.data.resolved.members.len(), 1);
    let focus = CommandCall::new("approvals").sub("reject").focus("workflow", "w");
    let auto = payloads::interaction(4, 13, "t", &ana, &channel_json, bot_bits, fake.command_data(&focus));
    serde_json::from_value::<CommandInteraction>(auto.clone()).expect("autocomplete interaction");
    let stranger = member("sam").in_dm();
    let dm = payloads::dm_channel(99, &stranger);
    let in_dm = payloads::interaction(2, 14, "t", &stranger, &dm, bot_bits, fake.command_data(&call));
    let parsed = serde_json::from_value::<CommandInteraction>(in_dm.clone()).expect("DM command interaction");
    assert_eq!((parsed.guild_id, parsed.user.id.get()), (None, stranger.user_id));
    let foreign = member("eve").in_guild(fake.foreign_guild_id());
    let forged =
        payloads::interaction(3, 15, "t", &foreign, &channel_json, bot_bits, payloads::button_data("x"));
    let mut forged_click = forged.clone();
    forged_click["message"] = message.clone();
    let parsed = serde_json::from_value::<ComponentInteraction>(forged_click.clone()).expect("foreign click");
    assert_eq!(parsed.guild_id.map(|g| g.get()), Some(fake.foreign_guild_id()));
    for (payload, kind) in [(click, 3), (modal, 5), (command, 2), (auto, 4), (in_dm, 2), (forged_click, 3)] {
        let frame = json!({ "op": 0, "s": 2, "t": "INTERACTION_CREATE", "d": payload });
        assert_dispatch(frame, |e| match e {
            Event::InteractionCreate(e) => u8::from(e.interaction.kind()) == kind,
            _ => false,
        });
    }
}

fn fake_channel(id: u64) -> crate::support::fake_discord::Channel {
    crate::support::fake_discord::Channel {
        id,
        guild_id: crate::support::fake_discord::GUILD_ID,
        name: "c".into(),
        kind: ChannelKind::Text,
        overwrites: Vec::new(),
        position: 0,
    }
}

/// The frame parses as serenity's gateway reads it, into the expected event (not `Unknown`).
fn assert_dispatch(frame: Value, expected: impl Fn(&Event) -> bool) {
    match serde_json::from_value::<GatewayEvent>(frame.clone()) {
        Ok(GatewayEvent::Dispatch(_, event)) => {
            assert!(expected(&event), "unexpected event {event:?}")
        }
        other => panic!("frame {frame} parsed as {other:?}"),
    }
}
