//! Tests of the fake Discord itself: its payloads deserialize with serenity's types, the real
//! serenity client works against it, and each Discord rule it enforces fires (and lets the valid
//! version of the same request through).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use serenity::all::{
    ChannelId, ClientBuilder, Command, CommandInteraction, ComponentInteraction, Context, CreateActionRow,
    CreateAutocompleteResponse, CreateButton, CreateCommand, CreateCommandOption, CreateEmbed,
    CreateInputText, CreateInteractionResponse, CreateInteractionResponseMessage, CreateMessage,
    CreateModal, CurrentApplicationInfo, CurrentUser, EditMessage, Event, EventHandler,
    GatewayEvent, GatewayIntents, GuildChannel, GuildId, Http, HttpBuilder, InputTextStyle,
    Interaction, Member, Message, MessageId, ModalInteraction, PartialChannel, Ready, Role, User,
};
use tokio::sync::mpsc;

use crate::support::fake_discord::{
    ADMINISTRATOR, ChannelAccess, CommandCall, FakeDiscord, FakeDiscordConfig, GuildMember,
    InteractionHandle, OptionValue, payloads,
};

const SECS_3: Duration = Duration::from_secs(3);

/// serenity's HTTP client pointed at the fake, as production builds it with a base URL set.
fn http_for(fake: &FakeDiscord, token: &str) -> Http {
    let client = reqwest::Client::builder().no_proxy().build().expect("reqwest client");
    HttpBuilder::new(token)
        .client(client)
        .proxy(fake.api_base())
        .ratelimiter_disabled(true)
        .application_id(fake.application_id().into())
        .build()
}

/// The (status, Discord code) of a refused call.
fn refusal<T: std::fmt::Debug>(result: serenity::Result<T>) -> (u16, isize) {
    match result {
        Err(serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(e))) => {
            (e.status_code.as_u16(), e.error.code)
        }
        other => panic!("expected Discord to refuse, got {other:?}"),
    }
}

/// A handler that reports what it saw and, when `answer` is set, answers every interaction.
struct Bot {
    seen: mpsc::UnboundedSender<String>,
    answer: bool,
}

#[serenity::async_trait]
impl EventHandler for Bot {
    async fn ready(&self, _: Context, ready: Ready) {
        let _ = self.seen.send(format!("ready {}", ready.session_id));
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let what = match &interaction {
            Interaction::Component(c) => format!("click {}", c.data.custom_id),
            Interaction::Command(c) => format!("command {}", c.data.name),
            Interaction::Autocomplete(c) => format!("autocomplete {}", c.data.name),
            Interaction::Modal(m) => format!("modal {}", m.data.custom_id),
            _ => "other".to_owned(),
        };
        if self.answer {
            let outcome = answer(&ctx, interaction).await;
            assert!(outcome.is_ok(), "the bot's answer failed: {outcome:?}");
        }
        let _ = self.seen.send(what);
    }
}

async fn answer(ctx: &Context, interaction: Interaction) -> serenity::Result<()> {
    match interaction {
        Interaction::Component(c) => {
            let update = CreateInteractionResponseMessage::new().content("Approved by ana").components(vec![]);
            c.create_response(&ctx.http, CreateInteractionResponse::UpdateMessage(update)).await
        }
        Interaction::Command(c) => {
            let input = CreateInputText::new(InputTextStyle::Paragraph, "Reason", "reason");
            let modal = CreateModal::new("reject-reason", "Why reject?").components(vec![CreateActionRow::InputText(input)]);
            c.create_response(&ctx.http, CreateInteractionResponse::Modal(modal)).await
        }
        Interaction::Autocomplete(a) => {
            let choices = CreateAutocompleteResponse::new().add_string_choice("Workflow one", "wf_1");
            a.create_response(&ctx.http, CreateInteractionResponse::Autocomplete(choices)).await
        }
        Interaction::Modal(m) => {
            let reply = CreateInteractionResponseMessage::new().content("Noted.").ephemeral(true);
            m.create_response(&ctx.http, CreateInteractionResponse::Message(reply)).await
        }
        _ => Ok(()),
    }
}

/// Starts the real serenity client against the fake; returns what its handler sees.
async fn start_bot(fake: &FakeDiscord, answer: bool) -> mpsc::UnboundedReceiver<String> {
    let (seen, events) = mpsc::unbounded_channel();
    let http = http_for(fake, fake.bot_token());
    let intents = GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES;
    let mut client = ClientBuilder::new_with_http(http, intents)
        .event_handler(Bot { seen, answer })
        .await
        .expect("client builds");
    tokio::spawn(async move { client.start().await });
    assert!(fake.wait_for_ready(Duration::from_secs(10)).await, "the client never identified");
    events
}

async fn next_event(events: &mut mpsc::UnboundedReceiver<String>, prefix: &str) -> String {
    let wait = async {
        while let Some(event) = events.recv().await {
            if event.starts_with(prefix) {
                return event;
            }
        }
        panic!("the client stopped");
    };
    tokio::time::timeout(Duration::from_secs(10), wait).await.unwrap_or_else(|_| panic!("no {prefix:?} event"))
}

/// A card with Approve and Reject buttons, through serenity's builders.
fn card(approve_id: &str) -> CreateMessage {
    let buttons = vec![CreateButton::new(approve_id).label("Approve"), CreateButton::new("reject:1").label("Reject")];
    CreateMessage::new()
        .content("Gate `approve-1` is waiting")
        .embed(CreateEmbed::new().title("Run 42").description("A castle at dusk").field("Node", "img-1", true))
        .components(vec![CreateActionRow::Buttons(buttons)])
}

async fn post_card(fake: &FakeDiscord, http: &Http, channel: u64) -> Message {
    let message = ChannelId::new(channel).send_message(http, card("approve:1")).await;
    let message = message.expect("card posted");
    assert!(fake.message(channel, message.id.get()).is_some());
    message
}

fn member(name: &str) -> GuildMember {
    GuildMember::new(name).with_permissions(ADMINISTRATOR)
}

/// Registers `/approvals reject workflow:<autocomplete> channel role user` in the guild.
async fn register_commands(http: &Http) -> Vec<Command> {
    let workflow = CreateCommandOption::new(serenity::all::CommandOptionType::String, "workflow", "Workflow")
        .required(true)
        .set_autocomplete(true);
    let channel = CreateCommandOption::new(serenity::all::CommandOptionType::Channel, "channel", "Channel");
    let role = CreateCommandOption::new(serenity::all::CommandOptionType::Role, "role", "Role");
    let user = CreateCommandOption::new(serenity::all::CommandOptionType::User, "user", "User");
    let reject = CreateCommandOption::new(serenity::all::CommandOptionType::SubCommand, "reject", "Reject a gate")
        .add_sub_option(workflow)
        .add_sub_option(channel)
        .add_sub_option(role)
        .add_sub_option(user);
    let command = CreateCommand::new("approvals").description("Approval gates").add_option(reject);
    let guild = GuildId::new(crate::support::fake_discord::GUILD_ID);
    guild.set_commands(http, vec![command]).await.expect("commands registered")
}

#[tokio::test]
async fn every_payload_factory_deserializes_with_serenity_types() {
    let fake = FakeDiscord::start().await;
    let http = http_for(&fake, fake.bot_token());
    let channel = fake.add_text_channel("approvals");
    let role = fake.add_role("reviewers", "0");
    let ana = member("ana").with_roles(&[role]);
    register_commands(&http).await;

    let bot = payloads::current_user(fake.bot_user_id(), "bot");
    let owner = payloads::user(1, "owner", false);
    serde_json::from_value::<CurrentUser>(bot.clone()).expect("current user");
    serde_json::from_value::<User>(owner.clone()).expect("user");
    serde_json::from_value::<CurrentApplicationInfo>(payloads::application(fake.application_id(), &bot, &owner)).expect("application");
    serde_json::from_value::<Member>(payloads::member(&ana)).expect("member");
    let channel_json = payloads::partial_channel(&fake_channel(channel), fake.guild_id());
    serde_json::from_value::<PartialChannel>(channel_json.clone()).expect("partial channel");
    serde_json::from_value::<GuildChannel>(payloads::channel(&fake_channel(channel), fake.guild_id())).expect("channel");
    let role_json = payloads::role(&crate::support::fake_discord::Role { id: role, name: "r".into(), permissions: "0".into(), position: 1 });
    serde_json::from_value::<Role>(role_json).expect("role");
    let body = json!({ "content": "hi", "embeds": [{ "title": "t" }], "nonce": "n1", "components": [] });
    let message = payloads::message(7, channel, Some(fake.guild_id()), &bot, &body);
    serde_json::from_value::<Message>(message.clone()).expect("message");
    let command = payloads::command(&json!({ "name": "approvals", "description": "d" }), 8, fake.application_id(), Some(fake.guild_id()));
    serde_json::from_value::<Command>(command).expect("command");

    let ready = payloads::ready(&bot, fake.application_id(), fake.guild_id(), "s", &fake.gateway_url());
    serde_json::from_value::<Ready>(ready.clone()).expect("ready");
    assert_dispatch(json!({ "op": 0, "s": 1, "t": "READY", "d": ready }), |e| matches!(e, Event::Ready(_)));

    let mut click = payloads::interaction(3, 10, "t", &ana, &channel_json, payloads::button_data("approve:1"));
    click["message"] = message.clone();
    serde_json::from_value::<ComponentInteraction>(click.clone()).expect("component interaction");
    let modal = payloads::interaction(5, 11, "t", &ana, &channel_json, payloads::modal_submit_data("m", &[("reason", "x")]));
    serde_json::from_value::<ModalInteraction>(modal.clone()).expect("modal interaction");
    let call = CommandCall::new("approvals").sub("reject").opt("workflow", OptionValue::String("wf".into()))
        .opt("channel", OptionValue::Channel(channel)).opt("role", OptionValue::Role(role))
        .opt("user", OptionValue::User(ana.clone()));
    let command = payloads::interaction(2, 12, "t", &ana, &channel_json, fake.command_data(&call));
    let parsed = serde_json::from_value::<CommandInteraction>(command.clone()).expect("command interaction");
    assert_eq!(parsed.data.resolved.roles.len(), 1);
    assert_eq!(parsed.data.resolved.channels.len(), 1);
    assert_eq!(parsed.data.resolved.members.len(), 1);
    let focus = CommandCall::new("approvals").sub("reject").focus("workflow", "w");
    let auto = payloads::interaction(4, 13, "t", &ana, &channel_json, fake.command_data(&focus));
    serde_json::from_value::<CommandInteraction>(auto.clone()).expect("autocomplete interaction");
    for (payload, kind) in [(click, 3), (modal, 5), (command, 2), (auto, 4)] {
        let frame = json!({ "op": 0, "s": 2, "t": "INTERACTION_CREATE", "d": payload });
        assert_dispatch(frame, |e| match e {
            Event::InteractionCreate(e) => u8::from(e.interaction.kind()) == kind,
            _ => false,
        });
    }
}

fn fake_channel(id: u64) -> crate::support::fake_discord::Channel {
    crate::support::fake_discord::Channel { id, name: "c".into(), access: ChannelAccess::Post, position: 0 }
}

/// The frame parses as serenity's gateway reads it, into the expected event (not `Unknown`).
fn assert_dispatch(frame: Value, expected: impl Fn(&Event) -> bool) {
    match serde_json::from_value::<GatewayEvent>(frame.clone()) {
        Ok(GatewayEvent::Dispatch(_, event)) => assert!(expected(&event), "unexpected event {event:?}"),
        other => panic!("frame {frame} parsed as {other:?}"),
    }
}

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

    let call = CommandCall::new("approvals").sub("reject").opt("workflow", OptionValue::String("wf_1".into()));
    let command = fake.run_command(&ana, channel, call).await;
    assert_eq!(fake.wait_for_callback(&command, SECS_3).await.expect("modal opened").status, 204);
    let submit = fake.submit_modal(&command, &[("reason", "too dark")]).await;
    assert_eq!(fake.wait_for_callback(&submit, SECS_3).await.expect("submit answered").status, 204);
    assert_eq!(next_event(&mut events, "modal").await, "modal reject-reason");
    let reply = fake.original_response(&submit).expect("ephemeral reply");
    assert_eq!((reply["content"].as_str(), reply["flags"].as_u64()), (Some("Noted."), Some(64)));
    fake.assert_no_rejections();
}
