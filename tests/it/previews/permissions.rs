//! Cards in a server set up for a private review channel: `@everyone` may do nothing and the bot
//! holds exactly the README's invite (the fake's default). A permission a channel takes away
//! later is found at posting: without Attach Files the card goes out without its previews and
//! says so once; without Send Messages the gate waits, named once, and other channels go on.

use approval_bridge::{
    guild::permissions,
    store::{NewWatch, Reviewer},
};
use serenity::all::{ChannelId, UserId};

use super::{assert_images_are_attachments, attachments, card, field, parked, post, real_files};
use crate::support::{
    app::{TestApp, spawn_app},
    fake_discord::permission,
    fake_scenario::{Endpoint, FlowTemplate},
};

/// The number after "permission integer" in the README's set-up steps.
fn readme_invite() -> u64 {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let after = readme.split("(permission integer `").nth(1).expect("the README names the invite's integer");
    after[..after.find('`').expect("closing backtick")].parse().expect("an integer")
}

#[test]
fn the_readme_invite_is_the_bridges_list_and_names_each_permission() {
    assert_eq!(readme_invite(), permissions::required().bits());
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    for need in permissions::NEEDS {
        let name = permissions::name(need.permission);
        // Discord's client says "View Channels" where serenity says "View Channel".
        let shown = if name == "View Channel" { "View Channels" } else { name };
        assert!(readme.contains(&format!("| {shown}")), "README's table lacks {shown}");
    }
    let optional = permissions::with_optional().bits();
    assert!(readme.contains(&format!("integer with it `{optional}`")), "README names {optional}");
}

#[tokio::test]
async fn in_a_server_whose_everyone_may_do_nothing_the_readme_invite_posts_a_card_with_its_previews() {
    let app = spawn_app().await;
    assert_eq!(
        app.discord.bot_permissions_in(app.channel),
        readme_invite(),
        "the bot holds the invite alone"
    );
    let (job, assets) = parked(&app, 2);
    real_files(&app, &assets);
    post(&app).await;

    assert_images_are_attachments(&app, &card(&app, &job).await, 2);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn with_attach_files_denied_the_card_posts_without_files_says_why_once_and_a_click_decides() {
    let app = spawn_app().await;
    app.discord.deny_bot_role(app.channel, permission::ATTACH_FILES);
    let (job, assets) = parked(&app, 2);
    real_files(&app, &assets);
    post(&app).await;

    let refused = app.discord.rejections();
    assert_eq!(refused.len(), 1, "the post with files, refused once");
    assert_eq!((refused[0].status, refused[0].error_code()), (403, Some(50013)));
    let card = card(&app, &job).await;
    assert!(attachments(&card).is_empty(), "{card}");
    let note = field(&card, "Previews");
    assert!(note.contains("may not attach files in this channel") && note.contains("Attach Files"), "{note}");
    let links = field(&card, "More assets");
    assert_eq!(links.lines().count(), 2, "every image is still linked: {links}");
    assert!(!links.contains("not shown"), "said once, not per image: {links}");

    let approval = app.approval(&job, "review").await;
    let answer = app.answer(&app.click(&app.reviewer("rita"), &approval, "Approve").await).await;
    assert!(answer.starts_with("Approved"), "{answer}");
    assert_eq!(app.scenario.requests_to(Endpoint::UserApproval).len(), 1);
    let decided = super::card(&app, &job).await;
    assert!(field(&decided, "Decision").starts_with("✅ Approved by"), "{decided}");
    // A decided card downloads nothing (its answer never waits for an image), so its edit
    // sends no file for Discord to refuse.
    assert_eq!(app.discord.rejections().len(), 1, "the decided card's edit uploaded nothing");
}

/// Routes a new workflow with a parked run to `channel`; returns the run.
async fn parked_in(app: &TestApp, name: &str, channel: u64) -> String {
    let workflow = app.scenario.add_workflow(name, FlowTemplate::single_gate());
    let route = NewWatch {
        workflow_id: workflow.as_str().into(),
        workflow_name: name.into(),
        channel_id: ChannelId::new(channel),
        reviewer_role_id: None,
    };
    let by = Reviewer { id: UserId::new(7), name: "ada".into() };
    app.bridge().routes.set(&route, &by).await.expect("route saved");
    app.scenario.start_parked_run(&workflow)
}

#[tokio::test]
async fn with_send_messages_denied_the_gates_wait_named_once_while_other_channels_get_their_cards() {
    let app = spawn_app().await;
    let art = app.discord.add_text_channel("art-review");
    let first = parked_in(&app, "Lighthouse", art).await;
    let second = parked_in(&app, "Harbour", art).await;
    let elsewhere = parked_in(&app, "Cliffs", app.channel).await;
    // Taken away after the routes were saved: found at posting.
    app.discord.deny_bot_role(art, permission::SEND_MESSAGES);

    // Cards tried in the channel, told apart by their nonces (a card with images is tried with
    // its files, then without).
    let cards_tried_in_art = || {
        let path = format!("/channels/{art}/messages");
        let mut nonces: Vec<String> = app
            .discord
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path.ends_with(&path))
            .map(|r| r.body.unwrap_or_default()["nonce"].to_string())
            .collect();
        nonces.dedup();
        nonces.len()
    };
    let report = app.poll().await;
    assert_eq!(report.cards_posted, 1, "{report:?}");
    assert!(app.approval(&elsewhere, "review").await.message_id.is_some());
    let expected = format!(
        "cards wait: <#{art}>: missing Send Messages — no card can be posted; grant it to the approval-bridge role or the channel"
    );
    assert_eq!(
        report.failures,
        std::slice::from_ref(&expected),
        "one line for the channel, not one per gate"
    );
    assert_eq!(cards_tried_in_art(), 1, "the second gate of the channel is not tried in the same pass");

    let again = app.poll().await;
    assert_eq!(again.failures, [expected], "the same line: the watcher logs a failure when it changes");
    for job in [&first, &second] {
        assert_eq!(app.approval(job, "review").await.message_id, None, "the gate waits");
    }

    app.discord.deny_bot_role(art, 0);
    let granted = app.poll().await;
    assert_eq!((granted.cards_posted, granted.failures.len()), (2, 0), "{granted:?}");
    assert_eq!(app.discord.messages_in(art).len(), 2);
}
