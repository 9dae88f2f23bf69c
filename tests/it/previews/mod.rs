//! Card previews end to end: images downloaded from the fake CDN, attached to the card's
//! message, kept through decisions and expiry; what cannot be shown is named.

mod edge;
mod failures;
mod full_size;
mod lasting;
mod permissions;
mod slow;

use std::sync::{Arc, OnceLock};

use image::ImageFormat;
use serde_json::Value;

use crate::support::{
    app::TestApp,
    card_view,
    fake_scenario::{FlowTemplate, NodeSpec},
    images,
};

/// A run whose node `gen` made `count` images, parked at gate `review`, not yet polled; returns
/// the run's id and its assets' ids.
fn parked(app: &TestApp, count: usize) -> (String, Vec<String>) {
    let template = FlowTemplate::new()
        .node(NodeSpec::producer("gen").with_prompt("tiles").with_assets(count))
        .node(NodeSpec::gate("review").after(&["gen"]));
    let workflow = app.scenario.add_workflow("Previews", template);
    let job = app.scenario.start_parked_run(&workflow);
    let assets = app.scenario.node_assets(&job, "gen");
    (job, assets)
}

/// A file of the fake CDN: its content type and bytes.
type File = (&'static str, Arc<Vec<u8>>);

/// A PNG, a JPEG and a WebP of 1600 × 1200, made once for all tests.
fn files() -> &'static [File] {
    static FILES: OnceLock<Vec<File>> = OnceLock::new();
    FILES.get_or_init(|| {
        let picture = images::picture(1600, 1200, 1);
        [
            (ImageFormat::Png, "image/png"),
            (ImageFormat::Jpeg, "image/jpeg"),
            (ImageFormat::WebP, "image/webp"),
        ]
        .into_iter()
        .map(|(format, mime)| (mime, images::encoded(&picture, format)))
        .collect()
    })
}

/// Gives the assets real files: PNG, JPEG and WebP in turn, 1600 × 1200.
fn real_files(app: &TestApp, assets: &[String]) {
    for (asset, (mime, file)) in assets.iter().zip(files().iter().cycle()) {
        app.scenario.set_asset_file(asset, mime, file.clone());
    }
}

/// Polls once and asserts that it posted one card.
async fn post(app: &TestApp) {
    let report = app.poll().await;
    assert_eq!(report.cards_posted, 1, "{report:?}");
}

/// The card of gate `review` of `job` as Discord shows it now.
async fn card(app: &TestApp, job: &str) -> Value {
    let approval = app.approval(job, "review").await;
    app.discord
        .message(approval.channel_id.get(), approval.message_id.expect("posted").get())
        .expect("in its channel")
}

/// The URLs of a card's gallery pictures.
fn gallery_images(card: &Value) -> Vec<String> {
    card_view::gallery_urls(card)
}

/// The attachments of a card.
fn attachments(card: &Value) -> Vec<Value> {
    card["attachments"].as_array().cloned().unwrap_or_default()
}

/// Asserts that every gallery picture of `card` is one of its own attachments, a JPEG preview whose
/// longest side is at most 1024 pixels; returns the attachments' ids.
fn assert_images_are_attachments(app: &TestApp, card: &Value, count: usize) -> Vec<String> {
    let attachments = attachments(card);
    let shown = gallery_images(card);
    assert_eq!((shown.len(), attachments.len()), (count, count), "{card}");
    for (url, attachment) in shown.iter().zip(&attachments) {
        assert_eq!(Some(url.as_str()), attachment["url"].as_str(), "{card}");
        let file: Arc<[u8]> = app.discord.attachment_file(attachment).expect("uploaded").data;
        assert_eq!(image::guess_format(&file).unwrap(), ImageFormat::Jpeg);
        let (width, height) = images::dimensions(&file);
        assert!(width.max(height) <= 1024, "{width}×{height}");
    }
    attachments.iter().map(|a| a["id"].as_str().unwrap().to_owned()).collect()
}

/// The value of the section `name` of a card.
fn field(card: &Value, name: &str) -> String {
    card_view::section(card, name).unwrap_or_else(|| panic!("no section {name} on {card}"))
}
