//! The home server: commands registered there only, stale global commands removed, other
//! servers named, and routes that can only point at its channels and roles.

use serde_json::json;

use crate::{
    commands::{admin, approvals, parked, run, text},
    support::{
        app::{PROMPTLY, spawn_app},
        fake_discord::OptionValue,
    },
};

#[tokio::test]
async fn stale_global_commands_are_removed_at_start_and_commands_live_in_the_home_server() {
    let mut app = spawn_app().await;
    app.stop().await.expect("stops");
    // An earlier version registered the group globally: it reached every server and DMs.
    app.discord.add_stale_global_command(&json!({ "name": "approvals", "description": "old" }));
    app.discord.add_stale_global_command(&json!({ "name": "approve", "description": "older" }));
    assert_eq!(app.discord.global_commands().len(), 2);
    let seq = app.discord.requests().len();
    app.start().await;

    let global = format!("/applications/{}/commands", app.discord.application_id());
    let cleared = app
        .discord
        .wait_for_request(|r| r.seq >= seq && r.method == "PUT" && r.path.ends_with(&global), PROMPTLY)
        .await
        .expect("the global commands are overwritten");
    assert_eq!(cleared.body, Some(json!([])), "with nothing");
    assert!(app.discord.global_commands().is_empty());
    assert_eq!(app.discord.guild_commands().len(), 1);

    // The next start finds nothing to remove and removes nothing.
    app.stop().await.expect("stops");
    let seq = app.discord.requests().len();
    app.start().await;
    let puts = app.discord.requests_since(seq);
    assert!(!puts.iter().any(|r| r.method == "PUT" && r.path.ends_with(&global)), "nothing to remove");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn the_other_servers_the_bot_is_in_are_shown_by_status() {
    let app = spawn_app().await;
    let answer = run(&app, &admin(), approvals("status")).await;
    let foreign = app.discord.foreign_guild_id().to_string();
    assert!(answer.contains("Someone else's server") && answer.contains(&foreign), "{answer}");
    assert!(answer.contains("refused"), "{answer}");
}

#[tokio::test]
async fn a_route_to_a_channel_or_role_of_another_server_is_refused_when_saved() {
    let app = spawn_app().await;
    let (workflow, _) = parked(&app, "Lighthouse");
    let their_channel = app.discord.add_foreign_text_channel("takeover");
    let their_role = app.discord.add_foreign_role("Their reviewers", "0");

    let to_channel = approvals("watch")
        .opt("workflow", text(&workflow))
        .opt("channel", OptionValue::Channel(their_channel));
    let answer = run(&app, &admin(), to_channel).await;
    assert!(
        answer.contains("not a channel of this server") && answer.contains("nothing was saved"),
        "{answer}"
    );
    let with_role = approvals("watch")
        .opt("workflow", text(&workflow))
        .opt("channel", OptionValue::Channel(app.channel))
        .opt("reviewer_role", OptionValue::Role(their_role));
    let answer = run(&app, &admin(), with_role).await;
    assert!(answer.contains("does not exist in this server"), "{answer}");
    assert!(app.bridge().routes.all().is_empty());
    assert!(app.store().route_audit(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_stored_route_to_another_servers_channel_posts_no_card_there() {
    let mut app = spawn_app().await;
    let (workflow, job) = parked(&app, "Lighthouse");
    let their_channel = app.discord.add_foreign_text_channel("takeover");
    // As a route saved by an earlier version would be: straight into the table.
    app.stop().await.expect("stops");
    app.execute_sql(&format!(
        "INSERT INTO watches (workflow_id, workflow_name, channel_id, reviewer_role_id, set_by, set_by_name, set_at)
         VALUES ('{workflow}', 'Lighthouse', {their_channel}, NULL, 1, 'old', 0)"
    ))
    .await;
    app.start().await;
    let report = app.poll().await;

    assert_eq!(report.cards_posted, 0, "{report:?}");
    assert!(report.failures.iter().any(|f| f.contains("not in the home server")), "{report:?}");
    assert!(app.discord.messages_in(their_channel).is_empty());
    let posts = format!("/channels/{their_channel}/messages");
    assert!(!app.discord.requests().iter().any(|r| r.method == "POST" && r.path.ends_with(&posts)));
    let approval = app.approval(&job, "review").await;
    assert_eq!(approval.message_id, None, "the gate waits for a route at home");
}

#[tokio::test]
async fn a_default_channel_outside_the_named_home_server_stops_the_start_naming_it() {
    let app = spawn_app().await;
    let theirs = app.discord.add_foreign_text_channel("takeover");
    let mut env = app.env.clone();
    env.insert("APPROVAL_CHANNEL_ID", theirs.to_string());
    let settings = approval_bridge::config::Settings::from_lookup(|name| env.get(name).cloned()).unwrap();
    let Err(err) = approval_bridge::app::App::build(&settings).await else {
        panic!("the bridge started with a default channel of another server")
    };
    let message = format!("{err:#}");
    assert!(
        message.starts_with(&format!("APPROVAL_CHANNEL_ID {theirs} is not a channel of the home server")),
        "{message}"
    );
    assert!(message.contains("DISCORD_GUILD_ID"), "{message}");
}
