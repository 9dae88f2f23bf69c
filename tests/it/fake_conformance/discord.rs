//! Tests of the fake Discord itself: its payloads deserialize with serenity's types, the real
//! serenity client works against it, and each Discord rule it enforces fires (and lets the valid
//! version of the same request through).

mod client;
mod guild_rules;
mod interaction_rules;
mod layout_rules;
mod message_rules;
mod payload_shapes;
mod reply_rules;
mod thread_rules;
mod uploads;

use std::time::Duration;

use serde_json::{Value, json};
use serenity::all::{
    ChannelId, ClientBuilder, Command, CommandInteraction, ComponentInteraction,
    ComponentInteractionDataKind, Context, CreateActionRow, CreateAutocompleteResponse, CreateButton,
    CreateCommand, CreateCommandOption, CreateEmbed, CreateInputText, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage, CreateModal, CurrentApplicationInfo, CurrentUser, Event,
    EventHandler, GatewayEvent, GatewayIntents, GuildChannel, GuildId, GuildInfo, Http, HttpBuilder,
    InputTextStyle, Interaction, Member, Message, ModalInteraction, PartialChannel, Ready, Role, User,
};
use tokio::sync::mpsc;

use crate::support::fake_discord::{
    ADMINISTRATOR, ChannelAccess, ChannelKind, CommandCall, FakeDiscord, FakeDiscordConfig, GuildMember,
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

/// How Discord refused a call: status, code, and each form error as `path: CODE`.
fn refusal<T: std::fmt::Debug>(result: serenity::Result<T>) -> (u16, isize, Vec<String>) {
    match result {
        Err(serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(e))) => {
            let mut errors: Vec<String> =
                e.error.errors.iter().map(|f| format!("{}: {}", f.path, f.code)).collect();
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
            let update =
                CreateInteractionResponseMessage::new().content("Approved by ana").components(vec![]);
            c.create_response(&ctx.http, CreateInteractionResponse::UpdateMessage(update)).await
        }
        Interaction::Command(c) => {
            let input = CreateInputText::new(InputTextStyle::Paragraph, "Reason", "reason");
            let modal = CreateModal::new("reject-reason", "Why reject?")
                .components(vec![CreateActionRow::InputText(input)]);
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
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .unwrap_or_else(|_| panic!("no {prefix:?} event"))
}

/// A card with Approve and Reject buttons, through serenity's builders.
fn card(approve_id: &str) -> CreateMessage {
    let buttons =
        vec![CreateButton::new(approve_id).label("Approve"), CreateButton::new("reject:1").label("Reject")];
    CreateMessage::new()
        .content("Gate `approve-1` is waiting")
        .embed(
            CreateEmbed::new().title("Run 42").description("A castle at dusk").field("Node", "img-1", true),
        )
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
    let reject =
        CreateCommandOption::new(serenity::all::CommandOptionType::SubCommand, "reject", "Reject a gate")
            .add_sub_option(workflow)
            .add_sub_option(channel)
            .add_sub_option(role)
            .add_sub_option(user);
    let command = CreateCommand::new("approvals").description("Approval gates").add_option(reject);
    let guild = GuildId::new(crate::support::fake_discord::GUILD_ID);
    guild.set_commands(http, vec![command]).await.expect("commands registered")
}
