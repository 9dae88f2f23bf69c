//! Previews outlive Scenario's signed URLs, survive the decision without being uploaded again,
//! and fit one message.

use approval_bridge::approvals::state::ApprovalState;

use super::{assert_images_are_attachments, attachments, card, gallery_images, parked, post, real_files};
use crate::support::{app::spawn_app, card_view, fake_scenario::Endpoint, images};

#[tokio::test]
async fn a_card_whose_scenario_urls_expired_still_shows_every_image_from_its_attachments() {
    let app = spawn_app().await;
    let (job, assets) = parked(&app, 3);
    real_files(&app, &assets);
    post(&app).await;
    let bulk_calls = app.scenario.requests_to(Endpoint::GetBulkAssets).len();

    app.scenario.expire_signed_urls();
    let approval = app.approval(&job, "review").await;
    let old_url = &approval.snapshot.assets[0].url;
    let refused = reqwest::get(old_url).await.unwrap().status();
    assert_eq!(refused, 403, "the card's Scenario URLs are expired now");

    let card = card(&app, &job).await;
    assert_images_are_attachments(&app, &card, 3);
    assert!(gallery_images(&card).iter().all(|url| !url.contains("127.0.0.1")), "{card}");
    assert!(bulk_calls >= 2, "URLs were read fresh at posting, not only at discovery");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_decided_card_keeps_its_attachments_without_uploading_them_again() {
    let app = spawn_app().await;
    let (job, assets) = parked(&app, 2);
    real_files(&app, &assets);
    post(&app).await;
    let posted = assert_images_are_attachments(&app, &card(&app, &job).await, 2);
    let downloads: usize = assets.iter().map(|a| app.scenario.cdn_downloads(a)).sum();
    app.scenario.expire_signed_urls();

    let approval = app.approval(&job, "review").await;
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    assert!(app.answer(&click).await.starts_with("Approved"));
    let decided = app.approval(&job, "review").await;
    assert_eq!(decided.state, ApprovalState::Approved);

    let card = card(&app, &job).await;
    assert_eq!(assert_images_are_attachments(&app, &card, 2), posted, "the same attachments");
    let path = format!("/channels/{}/messages/{}", decided.channel_id, decided.message_id.unwrap().get());
    let edits: Vec<_> =
        app.discord.requests().into_iter().filter(|r| r.method == "PATCH" && r.path == path).collect();
    // Two previews go up with the post's placeholder and the card is drawn by an edit; then the
    // decision's edit.
    assert_eq!(edits.len(), 2);
    assert!(edits.iter().all(|e| e.files.is_empty()), "nothing uploaded again");
    let listed: Vec<&str> = edits[1].body.as_ref().unwrap()["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, posted.iter().map(String::as_str).collect::<Vec<_>>());
    let after: usize = assets.iter().map(|a| app.scenario.cdn_downloads(a)).sum();
    assert_eq!(after, downloads, "nothing downloaded again");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn an_image_that_failed_at_posting_is_not_fetched_again_by_the_next_edits_or_the_decision() {
    let app = spawn_app().await;
    let (job, assets) = parked(&app, 2);
    real_files(&app, &assets);
    app.scenario.set_asset_status(&assets[1], 503);
    post(&app).await;
    let before = attachments(&card(&app, &job).await);
    assert_eq!(before.len(), 1);
    let fetches_of = |asset: &str| {
        let requests = app.scenario.requests_to(Endpoint::Cdn);
        requests.iter().filter(|r| r.path.contains(asset)).count()
    };
    assert_eq!(fetches_of(&assets[1]), 1);

    // The file is back, but the failure is recent: two edits of the open card and the decision
    // leave it alone, and the card keeps saying the preview is unavailable.
    real_files(&app, &assets);
    let approval = app.approval(&job, "review").await;
    for _ in 0..2 {
        app.execute_sql(&format!("UPDATE approvals SET card_current = 0 WHERE id = {}", approval.id)).await;
        assert_eq!(app.poll().await.cards_updated, 1);
    }
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    assert!(app.answer(&click).await.starts_with("Approved"));

    assert_eq!(fetches_of(&assets[1]), 1, "not tried again on every edit");
    assert_eq!(fetches_of(&assets[0]), 1, "the attached preview is kept, not fetched again");
    let card = card(&app, &job).await;
    let ids = assert_images_are_attachments(&app, &card, 1);
    assert_eq!(ids[0], before[0]["id"].as_str().unwrap(), "the first preview was kept");
    let links = super::field(&card, "More assets");
    assert!(links.ends_with("(preview unavailable)"), "{links}");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn an_open_card_from_before_previews_moves_to_attachments_on_its_next_edit() {
    let app = spawn_app().await;
    let (job, assets) = parked(&app, 2);
    real_files(&app, &assets);
    post(&app).await;
    let approval = app.approval(&job, "review").await;
    // As an older bridge posted it: embeds on the signed URLs, no attachments.
    let urls: Vec<Option<String>> = approval.snapshot.assets.iter().map(|a| Some(a.url.clone())).collect();
    app.discord.rewrite_message(approval.message_id.unwrap().get(), |message| {
        card_view::as_embed_card(message, &urls);
        message["attachments"] = serde_json::json!([]);
    });
    app.scenario.expire_signed_urls();
    app.execute_sql(&format!("UPDATE approvals SET card_current = 0 WHERE id = {}", approval.id)).await;

    let report = app.poll().await;
    assert_eq!(report.cards_updated, 1, "{report:?}");
    assert_images_are_attachments(&app, &card(&app, &job).await, 2);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn ten_four_mib_pngs_make_one_message_within_the_upload_limit() {
    let app = spawn_app().await;
    let (job, assets) = parked(&app, 10);
    // Two distinct files in turn: making ten costs the test, not the bridge, which
    // downloads and decodes each asset anyway.
    let pngs = [images::png_of_mib(4.0, 1), images::png_of_mib(4.0, 2)];
    for (asset, png) in assets.iter().zip(pngs.iter().cycle()) {
        assert!(png.len() >= 4 * 1024 * 1024 - 64 * 1024, "{} bytes", png.len());
        app.scenario.set_asset_file(asset, "image/png", png.clone());
    }
    post(&app).await;

    let posts: Vec<_> = app
        .discord
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
        .collect();
    assert_eq!(posts.len(), 1, "one message, no retry");
    let uploaded: usize = posts[0].files.iter().map(|f| f.size).sum();
    assert!(uploaded <= 10 * 1024 * 1024, "{uploaded} bytes");
    assert_images_are_attachments(&app, &card(&app, &job).await, 10);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn an_embed_card_of_an_older_bridge_moves_to_the_new_layout_on_its_next_edit_keeping_its_attachments() {
    let app = spawn_app().await;
    let (job, assets) = parked(&app, 3);
    real_files(&app, &assets);
    post(&app).await;
    let approval = app.approval(&job, "review").await;
    let posted = assert_images_are_attachments(&app, &card(&app, &job).await, 3);
    // As the bridge posted cards before the component layout: embeds showing the attachments.
    app.discord.rewrite_message(approval.message_id.unwrap().get(), |message| {
        card_view::as_embed_card(message, &[]);
    });
    let old = card(&app, &job).await;
    assert!(!card_view::is_v2(&old) && old["embeds"].as_array().unwrap().len() == 4, "{old}");
    app.execute_sql(&format!("UPDATE approvals SET card_current = 0 WHERE id = {}", approval.id)).await;

    let report = app.poll().await;
    assert_eq!(report.cards_updated, 1, "{report:?}");
    let card = card(&app, &job).await;
    assert!(card_view::is_v2(&card), "moved over: {card}");
    assert_eq!(assert_images_are_attachments(&app, &card, 3), posted, "the same attachments, kept");
    let path = format!("/channels/{}/messages/{}", approval.channel_id, approval.message_id.unwrap().get());
    let edit =
        app.discord.requests().into_iter().filter(|r| r.method == "PATCH" && r.path == path).last().unwrap();
    assert!(edit.files.is_empty(), "nothing uploaded again");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_ten_image_card_is_one_message_with_one_gallery_of_ten_attachments_and_no_embeds() {
    let app = spawn_app().await;
    let (job, assets) = parked(&app, 10);
    real_files(&app, &assets);
    post(&app).await;
    let card = card(&app, &job).await;
    assert!(card_view::is_v2(&card), "{card}");
    let galleries = crate::support::fake_discord::layout::flatten(&card["components"])
        .into_iter()
        .filter(|c| c["type"] == 12)
        .count();
    assert_eq!(galleries, 1, "one gallery: {card}");
    assert_images_are_attachments(&app, &card, 10);
    let cards_in_channel = app.discord.messages_in(app.approval(&job, "review").await.channel_id.get()).len();
    assert_eq!(cards_in_channel, 1, "one message");
    app.discord.assert_no_rejections();
}
