//! Previews come from `PREVIEW_HOSTS` alone: an asset URL aimed inside the bridge's network is
//! never requested, whether it names the address, a name that resolves to it, or a listed host's
//! redirect to it; the card says only that the preview is unavailable.

use super::{assert_images_are_attachments, card, field, parked, post, real_files};
use crate::support::{app::spawn_app_with, listener::Silent};

#[tokio::test]
async fn asset_urls_aimed_inside_the_network_are_never_requested_and_the_card_posts_with_the_rest() {
    // The targets: an "admin port" on loopback and one on [::1], each recording every connection.
    let (admin, admin6) = (Silent::start("127.0.0.1").await, Silent::start("::1").await);
    let (port, port6) = (admin.port(), admin6.port());
    // `localhost` is listed (as a careless mirror entry would be): it resolves to loopback, which
    // its entry does not name, so it is refused when connecting.
    let app = spawn_app_with(|env| {
        let listed = format!("{},http://localhost:{port},http://localhost:{port6}", env["PREVIEW_HOSTS"]);
        env.insert("PREVIEW_HOSTS", listed);
    })
    .await;
    let (job, assets) = parked(&app, 8);
    real_files(&app, &assets);
    app.scenario.set_asset_url(&assets[1], &format!("http://127.0.0.1:{port}/admin/render.png"));
    app.scenario.set_asset_url(&assets[2], "http://169.254.169.254/latest/meta-data/iam/credentials");
    app.scenario.set_asset_url(&assets[3], &format!("http://[::1]:{port6}/a.png"));
    app.scenario.set_asset_url(&assets[4], &format!("http://localhost:{port}/a.png"));
    app.scenario.set_asset_redirect(&assets[5], &format!("http://127.0.0.1:{port}/redirected.png"));
    app.scenario.set_asset_redirect(&assets[6], &format!("http://localhost:{port6}/redirected.png"));
    post(&app).await;

    assert_eq!((admin.connections(), admin6.connections()), (0, 0), "nothing reached the targets");
    let card = card(&app, &job).await;
    assert_images_are_attachments(&app, &card, 2);
    let links = field(&card, "More assets");
    let lines: Vec<&str> = links.lines().collect();
    let expected: Vec<String> = (2..=7).map(|n| format!("Image {n} (preview unavailable)")).collect();
    assert_eq!(lines, expected, "{links}");
    let shown = card.to_string();
    for leak in ["169.254", "::1", "localhost", &port.to_string(), "HTTP", "redirect", "admin"] {
        assert!(!shown.contains(leak), "the card shows {leak:?}: {shown}");
    }
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_listed_address_is_fetched_only_on_the_port_its_entry_names() {
    // The fake CDN is listed as http://127.0.0.1:PORT; the same address on another port is not.
    let app = spawn_app_with(|_| {}).await;
    let (job, assets) = parked(&app, 2);
    real_files(&app, &assets);
    let origin = app.scenario.cdn_origin();
    let other_port = origin.rsplit(':').next().unwrap().parse::<u16>().unwrap() + 1;
    app.scenario.set_asset_url(&assets[1], &format!("http://127.0.0.1:{other_port}/cdn/x.png"));
    post(&app).await;

    let card = card(&app, &job).await;
    assert_images_are_attachments(&app, &card, 1);
    assert_eq!(field(&card, "More assets"), "Image 2 (preview unavailable)");
}
