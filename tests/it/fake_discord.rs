//! Tests of the fake Discord itself: its payloads deserialize with serenity's types, the real
//! serenity client works against it, and each Discord rule it enforces fires (and lets the valid
//! version of the same request through).

use std::time::Duration;

use serde_json::{Value, json};
use serenity::all::{
    ChannelId, ClientBuilder, Command, CommandInteraction, ComponentInteraction, Context,
    CreateActionRow, CreateAutocompleteResponse, CreateButton, CreateCommand, CreateCommandOption,
    CreateEmbed, CreateInputText, CreateInteractionResponse, CreateInteractionResponseMessage,
    CreateMessage, CreateModal, CurrentApplicationInfo, CurrentUser, Event, EventHandler,
    GatewayEvent, GatewayIntents, GuildChannel, GuildId, Http, HttpBuilder, InputTextStyle,
    Interaction, Member, Message, ModalInteraction, PartialChannel, Ready, Role, User,
};
use tokio::sync::mpsc;

use crate::support::fake_discord::{
    ADMINISTRATOR, ChannelAccess, CommandCall, FakeDiscord, FakeDiscordConfig, GuildMember,
    InteractionHandle, OptionValue, payloads,
};

const SECS_3: Duration = Duration::from_secs(3);

/// serenity's HTTP client pointed at the fake, as production builds it with a base URL set.
fn http_for(fake: &FakeDiscord, token: &str) -> Http {
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest client");
    HttpBuilder::new(token)
        .client(client)
        .proxy(fake.api_base())
        .ratelimiter_disabled(true)
        .application_id(fake.application_id().into())
        .build()
}

/// How Discord refused a call: status, code, and each form error as `path: CODE`.
fn refusal<T: std::fmt::Debug>(result: serenity::Result<T>) -> (u16, isize, Vec<String>) {
    match result {
        Err(serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(e))) => {
            let mut errors: Vec<String> = e
                .error
                .errors
                .iter()
                .map(|f| format!("{}: {}", f.path, f.code))
                .collect();
            errors.sort();
            (e.status_code.as_u16(), e.error.code, errors)
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
            let update = CreateInteractionResponseMessage::new()
                .content("Approved by ana")
                .components(vec![]);
            c.create_response(&ctx.http, CreateInteractionResponse::UpdateMessage(update))
                .await
        }
        Interaction::Command(c) => {
            let input = CreateInputText::new(InputTextStyle::Paragraph, "Reason", "reason");
            let modal = CreateModal::new("reject-reason", "Why reject?")
                .components(vec![CreateActionRow::InputText(input)]);
            c.create_response(&ctx.http, CreateInteractionResponse::Modal(modal))
                .await
        }
        Interaction::Autocomplete(a) => {
            let choices =
                CreateAutocompleteResponse::new().add_string_choice("Workflow one", "wf_1");
            a.create_response(&ctx.http, CreateInteractionResponse::Autocomplete(choices))
                .await
        }
        Interaction::Modal(m) => {
            let reply = CreateInteractionResponseMessage::new()
                .content("Noted.")
                .ephemeral(true);
            m.create_response(&ctx.http, CreateInteractionResponse::Message(reply))
                .await
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
    assert!(
        fake.wait_for_ready(Duration::from_secs(10)).await,
        "the client never identified"
    );
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
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .unwrap_or_else(|_| panic!("no {prefix:?} event"))
}

/// A card with Approve and Reject buttons, through serenity's builders.
fn card(approve_id: &str) -> CreateMessage {
    let buttons = vec![
        CreateButton::new(approve_id).label("Approve"),
        CreateButton::new("reject:1").label("Reject"),
    ];
    CreateMessage::new()
        .content("Gate `approve-1` is waiting")
        .embed(
            CreateEmbed::new()
                .title("Run 42")
                .description("A castle at dusk")
                .field("Node", "img-1", true),
        )
        .components(vec![CreateActionRow::Buttons(buttons)])
}

async fn post_card(fake: &FakeDiscord, http: &Http, channel: u64) -> Message {
    let message = ChannelId::new(channel)
        .send_message(http, card("approve:1"))
        .await;
    let message = message.expect("card posted");
    assert!(fake.message(channel, message.id.get()).is_some());
    message
}

fn member(name: &str) -> GuildMember {
    GuildMember::new(name).with_permissions(ADMINISTRATOR)
}

/// Registers `/approvals reject workflow:<autocomplete> channel role user` in the guild.
async fn register_commands(http: &Http) -> Vec<Command> {
    let workflow = CreateCommandOption::new(
        serenity::all::CommandOptionType::String,
        "workflow",
        "Workflow",
    )
    .required(true)
    .set_autocomplete(true);
    let channel = CreateCommandOption::new(
        serenity::all::CommandOptionType::Channel,
        "channel",
        "Channel",
    );
    let role = CreateCommandOption::new(serenity::all::CommandOptionType::Role, "role", "Role");
    let user = CreateCommandOption::new(serenity::all::CommandOptionType::User, "user", "User");
    let reject = CreateCommandOption::new(
        serenity::all::CommandOptionType::SubCommand,
        "reject",
        "Reject a gate",
    )
    .add_sub_option(workflow)
    .add_sub_option(channel)
    .add_sub_option(role)
    .add_sub_option(user);
    let command = CreateCommand::new("approvals")
        .description("Approval gates")
        .add_option(reject);
    let guild = GuildId::new(crate::support::fake_discord::GUILD_ID);
    guild
        .set_commands(http, vec![command])
        .await
        .expect("commands registered")
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
    serde_json::from_value::<CurrentApplicationInfo>(payloads::application(
        fake.application_id(),
        &bot,
        &owner,
    ))
    .expect("application");
    serde_json::from_value::<Member>(payloads::member(&ana)).expect("member");
    let channel_json = payloads::partial_channel(&fake_channel(channel), fake.guild_id());
    serde_json::from_value::<PartialChannel>(channel_json.clone()).expect("partial channel");
    serde_json::from_value::<GuildChannel>(payloads::channel(
        &fake_channel(channel),
        fake.guild_id(),
    ))
    .expect("channel");
    let role_json = payloads::role(&crate::support::fake_discord::Role {
        id: role,
        name: "r".into(),
        permissions: "0".into(),
        position: 1,
    });
    serde_json::from_value::<Role>(role_json).expect("role");
    let body =
        json!({ "content": "hi", "embeds": [{ "title": "t" }], "nonce": "n1", "components": [] });
    let message = payloads::message(7, channel, Some(fake.guild_id()), &bot, &body);
    serde_json::from_value::<Message>(message.clone()).expect("message");
    let command = payloads::command(
        &json!({ "name": "approvals", "description": "d" }),
        8,
        fake.application_id(),
        Some(fake.guild_id()),
    );
    serde_json::from_value::<Command>(command).expect("command");

    let ready = payloads::ready(
        &bot,
        fake.application_id(),
        fake.guild_id(),
        "s",
        &fake.gateway_url(),
    );
    serde_json::from_value::<Ready>(ready.clone()).expect("ready");
    assert_dispatch(json!({ "op": 0, "s": 1, "t": "READY", "d": ready }), |e| {
        matches!(e, Event::Ready(_))
    });

    let mut click = payloads::interaction(
        3,
        10,
        "t",
        &ana,
        &channel_json,
        payloads::button_data("approve:1"),
    );
    click["message"] = message.clone();
    serde_json::from_value::<ComponentInteraction>(click.clone()).expect("component interaction");
    let modal = payloads::interaction(
        5,
        11,
        "t",
        &ana,
        &channel_json,
        payloads::modal_submit_data("m", &[("reason", "x")]),
    );
    serde_json::from_value::<ModalInteraction>(modal.clone()).expect("modal interaction");
    let call = CommandCall::new("approvals")
        .sub("reject")
        .opt("workflow", OptionValue::String("wf".into()))
        .opt("channel", OptionValue::Channel(channel))
        .opt("role", OptionValue::Role(role))
        .opt("user", OptionValue::User(ana.clone()));
    let command = payloads::interaction(2, 12, "t", &ana, &channel_json, fake.command_data(&call));
    let parsed =
        serde_json::from_value::<CommandInteraction>(command.clone()).expect("command interaction");
    assert_eq!(parsed.data.resolved.roles.len(), 1);
    assert_eq!(parsed.data.resolved.channels.len(), 1);
    assert_eq!(parsed.data.resolved.members.len(), 1);
    let focus = CommandCall::new("approvals")
        .sub("reject")
        .focus("workflow", "w");
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
    crate::support::fake_discord::Channel {
        id,
        name: "c".into(),
        access: ChannelAccess::Post,
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

#[tokio::test]
async fn serenity_client_gets_ready_and_answers_a_button_click_within_three_seconds() {
    let fake = FakeDiscord::start().await;
    let http = http_for(&fake, fake.bot_token());
    let channel = fake.add_text_channel("approvals");
    let card = post_card(&fake, &http, channel).await;
    let mut events = start_bot(&fake, true).await;
    next_event(&mut events, "ready").await;

    let click = fake
        .click_button(&member("ana"), channel, card.id.get(), "approve:1")
        .await;
    let callback = fake
        .wait_for_callback(&click, SECS_3)
        .await
        .expect("the bot answered the click");
    assert_eq!(callback.status, 204);
    assert!(callback.at.duration_since(fake.requests()[0].at) < Duration::from_secs(60));
    assert_eq!(next_event(&mut events, "click").await, "click approve:1");
    assert_eq!(fake.acknowledged_with(&click), Some(7));
    let shown = fake
        .message(channel, card.id.get())
        .expect("card still there");
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
    assert!(
        fake.wait_for_identifies(2, Duration::from_secs(15)).await,
        "no second IDENTIFY"
    );
    let second = next_event(&mut events, "ready").await;
    assert_ne!(first, second, "a new session");
    assert_eq!(
        fake.gateway_counts().resumes,
        1,
        "serenity tried to resume first"
    );

    let click = fake
        .click_button(&member("ana"), channel, card.id.get(), "approve:1")
        .await;
    let callback = fake
        .wait_for_callback(&click, SECS_3)
        .await
        .expect("answered after reconnecting");
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

    let focus = CommandCall::new("approvals")
        .sub("reject")
        .focus("workflow", "wf");
    let auto = fake.autocomplete(&ana, channel, focus).await;
    let answered = fake
        .wait_for_callback(&auto, SECS_3)
        .await
        .expect("autocomplete answered");
    assert_eq!(
        answered.body.expect("body")["data"]["choices"][0]["value"],
        "wf_1"
    );

    let call = CommandCall::new("approvals")
        .sub("reject")
        .opt("workflow", OptionValue::String("wf_1".into()));
    let command = fake.run_command(&ana, channel, call).await;
    assert_eq!(
        fake.wait_for_callback(&command, SECS_3)
            .await
            .expect("modal opened")
            .status,
        204
    );
    let submit = fake.submit_modal(&command, &[("reason", "too dark")]).await;
    assert_eq!(
        fake.wait_for_callback(&submit, SECS_3)
            .await
            .expect("submit answered")
            .status,
        204
    );
    assert_eq!(
        next_event(&mut events, "modal").await,
        "modal reject-reason"
    );
    let reply = fake.original_response(&submit).expect("ephemeral reply");
    assert_eq!(
        (reply["content"].as_str(), reply["flags"].as_u64()),
        (Some("Noted."), Some(64))
    );
    fake.assert_no_rejections();
}

/// A fake with one postable channel, and serenity's `Http` for it.
async fn fake_with_channel() -> (FakeDiscord, Http, u64) {
    let fake = FakeDiscord::start().await;
    let http = http_for(&fake, fake.bot_token());
    let channel = fake.add_text_channel("approvals");
    (fake, http, channel)
}

async fn send(http: &Http, channel: u64, body: &Value) -> serenity::Result<Message> {
    http.send_message(ChannelId::new(channel), vec![], body)
        .await
}

fn buttons(ids: &[String]) -> Value {
    let buttons: Vec<Value> = ids
        .iter()
        .map(|id| json!({ "type": 2, "style": 1, "label": "Go", "custom_id": id }))
        .collect();
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
    assert_eq!(
        errors,
        ["components.0.components.0.custom_id: BASE_TYPE_BAD_LENGTH"]
    );
    send(
        &http,
        channel,
        &json!({ "components": [buttons(&["a".repeat(100)])] }),
    )
    .await
    .expect("100 is fine");
    assert_eq!(fake.rejections().len(), 1);
}

#[tokio::test]
async fn six_action_rows_are_refused_and_five_rows_of_five_buttons_pass() {
    let (_fake, http, channel) = fake_with_channel().await;
    let rows = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|r| buttons(&ids(&format!("r{r}b"), 5)))
            .collect()
    };
    let (status, code, errors) =
        refusal(send(&http, channel, &json!({ "components": rows(6) })).await);
    assert_eq!(
        (status, code, errors),
        (
            400,
            50035,
            vec!["components: BASE_TYPE_BAD_LENGTH".to_owned()]
        )
    );
    let six_buttons = json!({ "components": [buttons(&ids("b", 6))] });
    assert_eq!(refusal(send(&http, channel, &six_buttons).await).1, 50035);
    send(&http, channel, &json!({ "components": rows(5) }))
        .await
        .expect("5 × 5 is fine");
}

#[tokio::test]
async fn a_custom_id_used_twice_in_a_message_is_refused_and_distinct_ones_pass() {
    let (_fake, http, channel) = fake_with_channel().await;
    let twice = json!({ "components": [buttons(&["approve:1".into(), "approve:1".into()])] });
    let (_, code, errors) = refusal(send(&http, channel, &twice).await);
    assert_eq!(
        (code, errors),
        (
            50035,
            vec!["components.0.components.1.custom_id: COMPONENT_CUSTOM_ID_DUPLICATED".to_owned()]
        )
    );
    let distinct = json!({ "components": [buttons(&["approve:1".into(), "reject:1".into()])] });
    send(&http, channel, &distinct)
        .await
        .expect("distinct ids are fine");
}

fn embeds(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({ "title": format!("Asset {i}") }))
        .collect()
}

#[tokio::test]
async fn eleven_embeds_are_refused_and_ten_pass() {
    let (_fake, http, channel) = fake_with_channel().await;
    let (_, code, errors) = refusal(send(&http, channel, &json!({ "embeds": embeds(11) })).await);
    assert_eq!(
        (code, errors),
        (50035, vec!["embeds: BASE_TYPE_MAX_LENGTH".to_owned()])
    );
    let ten: Vec<CreateEmbed> = (0..10)
        .map(|i| CreateEmbed::new().title(format!("Asset {i}")))
        .collect();
    ChannelId::new(channel)
        .send_message(&http, CreateMessage::new().embeds(ten))
        .await
        .expect("10 are fine");
}

#[tokio::test]
async fn embeds_over_6000_characters_in_total_are_refused_and_6000_pass() {
    let (fake, http, channel) = fake_with_channel().await;
    // Two embeds of 3000 description characters each, plus one title character too many.
    let body = |title: &str| json!({ "embeds": [{ "description": "d".repeat(3000) }, { "title": title, "description": "d".repeat(3000 - 5) }] });
    let (_, code, errors) = refusal(send(&http, channel, &body("123456")).await);
    assert_eq!(
        (code, errors),
        (50035, vec!["embeds: MAX_EMBED_SIZE_EXCEEDED".to_owned()])
    );
    send(&http, channel, &body("12345"))
        .await
        .expect("6000 is fine");
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
        [
            "embeds.0.fields.0.value: BASE_TYPE_MAX_LENGTH",
            "embeds.0.title: BASE_TYPE_MAX_LENGTH"
        ]
    );
    send(&http, channel, &body(256, 1024))
        .await
        .expect("at the limits is fine");
    let content = |n: usize| json!({ "content": "c".repeat(n) });
    assert_eq!(
        refusal(send(&http, channel, &content(2001)).await).2,
        ["content: BASE_TYPE_MAX_LENGTH"]
    );
    send(&http, channel, &content(2000))
        .await
        .expect("2000 characters are fine");
}

#[tokio::test]
async fn a_body_violating_discords_openapi_schema_is_refused_and_recorded() {
    let (fake, http, channel) = fake_with_channel().await;
    let (status, code, errors) =
        refusal(send(&http, channel, &json!({ "content": "hi", "tts": "yes" })).await);
    assert_eq!((status, code), (400, 50035));
    assert!(
        errors.iter().all(|e| e.ends_with("SCHEMA_VALIDATION")) && !errors.is_empty(),
        "{errors:?}"
    );
    let rejected = fake.rejections();
    assert_eq!(rejected.len(), 1);
    assert_eq!(
        rejected[0].body,
        Some(json!({ "content": "hi", "tts": "yes" }))
    );
    send(&http, channel, &json!({ "content": "hi", "tts": false }))
        .await
        .expect("a boolean is fine");
    // What serenity's builders send passes too: a card with embed, buttons and a nonce.
    let built = card("approve:9")
        .nonce(serenity::all::Nonce::String("gate-9".into()))
        .enforce_nonce(true);
    ChannelId::new(channel)
        .send_message(&http, built)
        .await
        .expect("serenity's card passes");
    assert_eq!(fake.rejections().len(), 1);
}

#[tokio::test]
async fn a_wrong_bot_token_gets_401_and_the_right_one_passes() {
    let fake = FakeDiscord::start().await;
    let wrong = http_for(&fake, "not-the-token");
    let (status, code, _) = refusal(wrong.get_current_user().await);
    assert_eq!((status, code), (401, 0));
    let unauthorised = fake.requests().pop().expect("recorded");
    assert_eq!(
        unauthorised.response,
        Some(json!({ "code": 0, "message": "401: Unauthorized" }))
    );
    let me = http_for(&fake, fake.bot_token())
        .get_current_user()
        .await
        .expect("right token");
    assert_eq!(me.id.get(), fake.bot_user_id());
}

#[tokio::test]
async fn editing_a_message_a_person_deleted_gets_10008() {
    let (fake, http, channel) = fake_with_channel().await;
    let card = post_card(&fake, &http, channel).await;
    let edit = || {
        serenity::all::EditMessage::new()
            .content("Approved")
            .components(vec![])
    };
    ChannelId::new(channel)
        .edit_message(&http, card.id, edit())
        .await
        .expect("edit while it exists");
    fake.delete_message_by_person(channel, card.id.get());
    let (status, code, _) = refusal(
        ChannelId::new(channel)
            .edit_message(&http, card.id, edit())
            .await,
    );
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
    let other = send(&http, channel, &loose)
        .await
        .expect("post without enforce_nonce");
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
    send(&http, channel, &hello)
        .await
        .expect("postable channel");
    let found = http
        .get_channel(ChannelId::new(read_only))
        .await
        .expect("visible channel");
    assert_eq!(found.id().get(), read_only);
    let (status, code, _) = refusal(
        http.get_guild_roles(GuildId::new(fake.guild_id() + 1))
            .await,
    );
    assert_eq!((status, code), (404, 10004));
    assert!(
        !http
            .get_guild_roles(GuildId::new(fake.guild_id()))
            .await
            .expect("roles")
            .is_empty()
    );
}

/// A fake with a connected client that never answers, and a card to click.
async fn silent_bot() -> (FakeDiscord, Http, u64, Message) {
    silent_bot_with(FakeDiscordConfig::default()).await
}

async fn silent_bot_with(config: FakeDiscordConfig) -> (FakeDiscord, Http, u64, Message) {
    let fake = FakeDiscord::start_with(config).await;
    let http = http_for(&fake, fake.bot_token());
    let channel = fake.add_text_channel("approvals");
    let card = post_card(&fake, &http, channel).await;
    start_bot(&fake, false).await;
    (fake, http, channel, card)
}

async fn ack(http: &Http, h: &InteractionHandle, body: &Value) -> serenity::Result<()> {
    http.create_interaction_response(h.id.into(), &h.token, body, vec![])
        .await
}

#[tokio::test]
async fn a_second_acknowledgement_gets_40060() {
    let (fake, http, channel, card) = silent_bot().await;
    let click = fake
        .click_button(&member("ana"), channel, card.id.get(), "approve:1")
        .await;
    ack(&http, &click, &json!({ "type": 6 }))
        .await
        .expect("first ack");
    let (status, code, _) = refusal(ack(&http, &click, &json!({ "type": 6 })).await);
    assert_eq!((status, code), (400, 40060));
    // Follow-ups and edits of the original (the card, for a deferred update) go on working.
    let followup = json!({ "content": "Approved.", "flags": 64 });
    http.create_followup_message(&click.token, &followup, vec![])
        .await
        .expect("follow-up");
    let edit = json!({ "content": "Approved by ana", "components": [] });
    http.edit_original_interaction_response(&click.token, &edit, vec![])
        .await
        .expect("edit original");
    assert_eq!(
        fake.message(channel, card.id.get()).expect("card")["content"],
        "Approved by ana"
    );
    assert_eq!(fake.followups(&click).len(), 1);
}

#[tokio::test]
async fn an_acknowledgement_after_the_response_window_gets_10062() {
    let window = Duration::from_millis(300);
    let config = FakeDiscordConfig {
        initial_response_window: window,
        ..FakeDiscordConfig::default()
    };
    let (fake, http, channel, card) = silent_bot_with(config).await;
    let ana = member("ana");
    let late = fake
        .click_button(&ana, channel, card.id.get(), "approve:1")
        .await;
    tokio::time::sleep(window + Duration::from_millis(100)).await;
    let (status, code, _) = refusal(ack(&http, &late, &json!({ "type": 6 })).await);
    assert_eq!((status, code), (404, 10062));
    let prompt = fake
        .click_button(&ana, channel, card.id.get(), "approve:1")
        .await;
    ack(&http, &prompt, &json!({ "type": 6 }))
        .await
        .expect("in time");
}

#[tokio::test]
async fn a_modal_title_over_45_characters_is_refused_and_45_passes() {
    let (fake, http, channel, card) = silent_bot().await;
    let click = fake
        .click_button(&member("ana"), channel, card.id.get(), "reject:1")
        .await;
    let modal = |title: &str| {
        let input = json!({ "type": 4, "custom_id": "reason", "label": "Reason", "style": 2 });
        json!({ "type": 9, "data": { "custom_id": "why", "title": title, "components": [{ "type": 1, "components": [input] }] } })
    };
    let (_, code, errors) = refusal(ack(&http, &click, &modal(&"t".repeat(46))).await);
    assert_eq!(
        (code, errors),
        (50035, vec!["data.title: BASE_TYPE_BAD_LENGTH".to_owned()])
    );
    ack(&http, &click, &modal(&"t".repeat(45)))
        .await
        .expect("45 is fine");
    let submit = fake.submit_modal(&click, &[("reason", "too dark")]).await;
    let (_, code, errors) = refusal(ack(&http, &submit, &modal("Again?")).await);
    assert_eq!(
        (code, errors),
        (
            50035,
            vec!["type: INTERACTION_RESPONSE_TYPE_INVALID".to_owned()]
        ),
        "no modal answers a modal"
    );
    ack(&http, &submit, &json!({ "type": 6 }))
        .await
        .expect("deferred update of the card");
}

#[tokio::test]
async fn an_autocomplete_result_of_26_choices_is_refused_and_25_pass() {
    let (fake, http, channel, _) = silent_bot().await;
    register_commands(&http).await;
    let focus = CommandCall::new("approvals")
        .sub("reject")
        .focus("workflow", "wf");
    let typing = fake.autocomplete(&member("ana"), channel, focus).await;
    let choices = |n: usize| -> Value {
        let list: Vec<Value> = (0..n)
            .map(|i| json!({ "name": format!("wf {i}"), "value": format!("wf_{i}") }))
            .collect();
        json!({ "type": 8, "data": { "choices": list } })
    };
    let (_, code, errors) = refusal(ack(&http, &typing, &choices(26)).await);
    assert_eq!(
        (code, errors),
        (50035, vec!["data.choices: BASE_TYPE_MAX_LENGTH".to_owned()])
    );
    ack(&http, &typing, &choices(25))
        .await
        .expect("25 are fine");
}
