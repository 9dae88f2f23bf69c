//! Nothing breaks a card: assets that are not images, broken URLs, failed downloads and an
//! upload Discord refuses are named on the card, which is posted with the rest.

use super::{assert_images_are_attachments, card, field, parked, post, real_files};
use crate::support::{
    app::{spawn_app, spawn_app_against},
    fake_discord::FakeDiscordConfig,
};

#[tokio::test]
async fn video_and_3d_assets_are_listed_as_links_and_never_downloaded() {
    let app = spawn_app().await;
    let (job, assets) = parked(&app, 3);
    real_files(&app, &assets);
    app.scenario.set_asset_kind(&assets[1], "video", "video/mp4");
    app.scenario.set_asset_kind(&assets[2], "3d", "model/gltf-binary");
    post(&app).await;

    let card = card(&app, &job).await;
    assert_images_are_attachments(&app, &card, 1);
    let links = field(&card, "More assets");
    assert!(links.contains("[Video 1](http://127.0.0.1:"), "{links}");
    assert!(links.contains("[3D model 2](http://127.0.0.1:"), "{links}");
    assert_eq!(app.scenario.cdn_downloads(&assets[1]) + app.scenario.cdn_downloads(&assets[2]), 0);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn empty_relative_and_overlong_urls_a_404_and_a_text_file_leave_the_card_posted_with_the_rest() {
    let app = spawn_app().await;
    let (job, assets) = parked(&app, 6);
    real_files(&app, &assets);
    app.scenario.set_asset_url(&assets[1], "");
    app.scenario.set_asset_url(&assets[2], "/assets/relative.png");
    app.scenario.set_asset_url(&assets[3], &format!("https://cdn.example/{}", "a".repeat(3000)));
    app.scenario.set_asset_status(&assets[4], 404);
    app.scenario.set_asset_file(&assets[5], "text/plain", std::sync::Arc::new(b"just words".to_vec()));
    post(&app).await;

    let card = card(&app, &job).await;
    assert_images_are_attachments(&app, &card, 1);
    let links = field(&card, "More assets");
    let lines: Vec<&str> = links.lines().collect();
    assert_eq!(lines.len(), 5, "{links}");
    assert_eq!(lines[0], "Image 2 (not shown: no URL)");
    assert_eq!(lines[1], "Image 3 (not shown: relative URL)");
    assert_eq!(lines[2], "Image 4 (not shown: URL too long)");
    // What a fetch met stays in the log: the card says only that the preview is unavailable.
    assert_eq!(lines[3], "Image 5 (preview unavailable)");
    assert_eq!(lines[4], "Image 6 (preview unavailable)");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_server_whose_upload_limit_is_below_the_budget_gets_the_card_without_previews() {
    let config = FakeDiscordConfig { upload_limit: 50_000, ..FakeDiscordConfig::default() };
    let app = spawn_app_against(config, |_| {}).await;
    let (job, assets) = parked(&app, 2);
    real_files(&app, &assets);
    post(&app).await;

    let rejected: Vec<_> = app.discord.rejections();
    assert_eq!(rejected.len(), 1, "the first post was refused as too large");
    assert_eq!((rejected[0].status, rejected[0].error_code()), (413, Some(40005)));
    let card = card(&app, &job).await;
    assert!(super::attachments(&card).is_empty(), "{card}");
    let links = field(&card, "More assets");
    assert!(links.contains("Image 1 (not shown: over Discord's upload limit)"), "{links}");
    assert!(links.contains("Image 2 (not shown: over Discord's upload limit)"), "{links}");
}

#[tokio::test]
async fn a_small_upload_budget_shrinks_previews_to_fit_it() {
    let app = spawn_app_with_budget(1).await;
    let (job, assets) = parked(&app, 6);
    real_files(&app, &assets);
    post(&app).await;

    let posts: Vec<_> = app
        .discord
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
        .collect();
    let uploaded: usize = posts[0].files.iter().map(|f| f.size).sum();
    assert!(uploaded <= 1024 * 1024 - 64 * 1024, "{uploaded} bytes");
    assert_images_are_attachments(&app, &card(&app, &job).await, 6);
    app.discord.assert_no_rejections();
}

async fn spawn_app_with_budget(mib: u64) -> crate::support::app::TestApp {
    crate::support::app::spawn_app_with(|env| {
        env.insert("CARD_UPLOAD_BUDGET_MIB", mib.to_string());
    })
    .await
}
