//! `/approvals repost`, `sync` and `status`.

use super::{admin, approvals, parked, run, stranger, text};
use crate::support::{app::spawn_app, fake_discord::permission};

#[tokio::test]
async fn repost_posts_a_deleted_card_again_with_a_fresh_nonce() {
    let app = spawn_app().await;
    let (_, job) = parked(&app, "Lighthouse");
    app.poll().await;
    let before = app.approval(&job, "review").await;
    app.discord.delete_message_by_person(app.channel, before.message_id.unwrap().get());
    app.store().card_deleted(before.id).await.unwrap();
    let pending = run(&app, &app.reviewer("rita"), approvals("pending")).await;
    assert!(pending.contains(&format!("card deleted: `/approvals repost job:{job}`")), "{pending}");

    let refused = run(&app, &stranger(), approvals("repost").opt("job", text(&job))).await;
    assert!(refused.starts_with("Only members with the Manage Server permission"), "{refused}");
    let answer = run(&app, &admin(), approvals("repost").opt("job", text(&job))).await;
    let after = app.approval(&job, "review").await;
    let message = after.message_id.expect("a new card").get();
    let link = format!("https://discord.com/channels/{}/{}/{message}", app.discord.guild_id(), app.channel);
    assert_eq!(answer, format!("Card posted again: {link}"));
    assert_ne!(after.card_nonce, before.card_nonce, "the old nonce would return the deleted message");
    assert_eq!(app.cards().len(), 1);
    let approved = app.answer(&app.click(&app.reviewer("rita"), &after, "Approve").await).await;
    assert!(approved.starts_with("Approved"), "the new card works: {approved}");

    let again = run(&app, &admin(), approvals("repost").opt("job", text("job_unknown"))).await;
    assert!(again.starts_with("approval-bridge has no gate of run `job_unknown`"), "{again}");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn sync_polls_now_and_says_what_it_found() {
    let app = spawn_app().await;
    parked(&app, "Lighthouse");
    let refused = run(&app, &app.reviewer("rita"), approvals("sync")).await;
    assert!(refused.starts_with("Only members with the Manage Server permission"), "{refused}");
    let answer = run(&app, &admin(), approvals("sync")).await;
    assert!(answer.starts_with("Polled Scenario: 1 run read, 1 new gate, 1 card posted"), "{answer}");
    assert_eq!(app.cards().len(), 1);
}

#[tokio::test]
async fn status_shows_the_last_poll_open_gates_and_routes_to_reviewers_only() {
    let app = spawn_app().await;
    parked(&app, "Lighthouse");
    app.poll().await;
    let answer = run(&app, &app.reviewer("rita"), approvals("status")).await;
    assert!(answer.starts_with(&format!("**approval-bridge {}**", env!("CARGO_PKG_VERSION"))), "{answer}");
    assert!(answer.contains("Last successful poll: <t:"), "{answer}");
    assert!(answer.contains("Open gates: 1."), "{answer}");
    // The test bridge polls at one cadence, POLL_INTERVAL_SECS=3600, its budget at 60000.
    assert!(answer.contains("Polling every 3600 s: no run is in flight."), "{answer}");
    assert!(
        answer.contains("Scenario requests in the last minute: ") && answer.contains(" of 60000."),
        "{answer}"
    );
    assert!(answer.contains(&format!("Routes: 0; other workflows go to <#{}>.", app.channel)), "{answer}");
    assert!(answer.contains("Permissions: cards can be posted in 1 channel."), "{answer}");
    let refused = run(&app, &stranger(), approvals("status")).await;
    assert!(refused.contains("is for reviewers and admins"), "{refused}");
}

#[tokio::test]
async fn status_names_a_permission_missing_in_a_card_channel_and_what_to_grant() {
    let app = spawn_app().await;
    app.discord.deny_bot_role(app.channel, permission::ATTACH_FILES);
    let answer = run(&app, &app.reviewer("rita"), approvals("status")).await;
    let expected = format!(
        "⚠️ <#{}>: missing Attach Files — previews cannot be posted (cards go out without their images); grant it to the approval-bridge role or the channel.",
        app.channel
    );
    assert!(answer.contains(&expected), "{answer}");
    assert!(!answer.contains("Permissions: cards can be posted"), "{answer}");
}
