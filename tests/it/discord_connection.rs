//! The bridge's connection to Discord: READY, command registration, answers within Discord's
//! 3 s, a lost gateway connection, and a clean stop.

use std::time::Duration;

use serenity::all::{ButtonStyle, ChannelId, CreateActionRow, CreateButton, CreateMessage};

use crate::support::{
    app::{PROMPTLY, spawn_app, spawn_app_with},
    fake_discord::{CommandCall, GuildMember},
};

#[tokio::test]
async fn the_bridge_registers_its_commands_in_the_configured_server() {
    let app = spawn_app().await;
    let registered = app.discord.guild_commands();
    assert_eq!(registered.len(), 1, "{registered:?}");
    assert_eq!(registered[0]["name"], "approvals");
    let subcommands: Vec<&str> =
        registered[0]["options"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert!(subcommands.contains(&"status") && subcommands.contains(&"pending"), "{subcommands:?}");
    assert!(app.discord.global_commands().is_empty());
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn without_a_server_id_the_home_server_is_the_default_channels_and_commands_go_there() {
    let app = spawn_app_with(|env| _ = env.remove("DISCORD_GUILD_ID")).await;
    let home = format!("/guilds/{}/commands", app.discord.guild_id());
    let found =
        app.discord.wait_for_request(|r| r.method == "PUT" && r.path.ends_with(&home), PROMPTLY).await;
    assert!(found.is_some());
    let read = format!("/channels/{}", app.channel);
    assert!(app.discord.requests().iter().any(|r| r.method == "GET" && r.path.ends_with(&read)));
    assert_eq!(app.bridge().home.id().get(), app.discord.guild_id());
    assert_eq!(app.discord.guild_commands().len(), 1);
    assert!(app.discord.global_commands().is_empty(), "never registered globally");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_command_is_answered_privately_within_three_seconds() {
    let app = spawn_app().await;
    let member = GuildMember::new("ana");
    let asked =
        app.discord.run_command(&member, app.channel, CommandCall::new("approvals").sub("status")).await;
    let callback =
        app.discord.wait_for_callback(&asked, Duration::from_secs(3)).await.expect("answered in time");
    assert_eq!(callback.status, 204, "{}", callback.summary());
    let body = callback.body.unwrap();
    assert_eq!(body["type"], 4);
    assert_eq!(body["data"]["flags"], 64, "ephemeral");
    assert!(body["data"]["content"].as_str().unwrap().contains("approval-bridge"));
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_click_on_a_button_the_bridge_did_not_make_gets_a_short_private_answer() {
    let app = spawn_app().await;
    let foreign =
        CreateMessage::new().content("not a card").components(vec![CreateActionRow::Buttons(vec![
            CreateButton::new("another-bot:vote:1").label("Vote").style(ButtonStyle::Primary),
        ])]);
    let message = ChannelId::new(app.channel).send_message(&app.bridge().discord, foreign).await.unwrap();
    let click = app
        .discord
        .click_button(&app.reviewer("ana"), app.channel, message.id.get(), "another-bot:vote:1")
        .await;
    let callback =
        app.discord.wait_for_callback(&click, Duration::from_secs(3)).await.expect("answered in time");
    assert_eq!(callback.status, 204);
    let body = callback.body.unwrap();
    assert_eq!(body["data"]["flags"], 64);
    assert!(body["data"]["content"].as_str().unwrap().contains("not one approval-bridge knows"));
}

#[tokio::test]
async fn the_bridge_reconnects_after_losing_the_gateway_and_keeps_answering() {
    let app = spawn_app().await;
    let before = app.discord.gateway_counts().identifies;
    app.discord.drop_gateway_connections();
    assert!(app.discord.wait_for_identifies(before + 1, Duration::from_secs(20)).await, "no reconnect");
    let asked = app
        .discord
        .run_command(&GuildMember::new("ana"), app.channel, CommandCall::new("approvals").sub("status"))
        .await;
    assert!(app.discord.wait_for_callback(&asked, Duration::from_secs(3)).await.is_some());
    assert_eq!(app.discord.guild_commands().len(), 1, "commands are not registered twice");
}

#[tokio::test]
async fn the_bridge_stops_cleanly_when_asked() {
    let mut app = spawn_app().await;
    let stopped = app.stop().await;
    assert!(stopped.is_ok(), "{stopped:?}");
}
