//! A slow image stays slow alone: an asset host that never answers delays its own card (by the
//! card's time budget) and nothing else: not the other cards of the pass, not a click's answer,
//! not the reminders that fell due.

use std::time::Duration;

use crate::support::{
    app::{PROMPTLY, spawn_app_with},
    fake_discord::RecordedRequest,
    listener::Silent,
    wait::wait_until,
};

/// The card post whose footer names run `job`.
fn post_of<'r>(requests: &'r [RecordedRequest], job: &str) -> Option<&'r RecordedRequest> {
    requests.iter().find(|r| {
        r.method == "POST"
            && r.path.ends_with("/messages")
            && r.body.as_ref().is_some_and(|b| crate::support::card_view::footer(b).contains(job))
    })
}

#[tokio::test]
async fn an_image_host_that_never_answers_holds_back_only_its_own_card() {
    let silent = Silent::start("127.0.0.1").await;
    let port = silent.port();
    let app = spawn_app_with(|env| {
        env.insert("PREVIEW_HOSTS", format!("{},http://127.0.0.1:{port}", env["PREVIEW_HOSTS"]));
        env.insert("REMIND_AFTER", "1h".to_owned());
    })
    .await;
    // A card posted earlier, whose reminder falls due during the pass below.
    let (earlier, _) = super::parked(&app, 1);
    super::post(&app).await;
    app.advance_wall_clock(Duration::from_secs(2 * 3600));
    let (stuck, assets) = super::parked(&app, 1);
    app.scenario.set_asset_url(&assets[0], &format!("http://127.0.0.1:{port}/never.png"));
    let others: Vec<String> = (0..5).map(|_| super::parked(&app, 1).0).collect();

    let polls = app.bridge().polls.clone();
    let pass = tokio::spawn(async move { polls.now().await });
    let posted = async || {
        let requests = app.discord.requests();
        others.iter().all(|job| post_of(&requests, job).is_some())
    };
    wait_until("the other cards posted", PROMPTLY, posted).await;
    assert_eq!(silent.connections(), 1, "the stuck download is in flight");
    let first = app.approval(&others[0], "review").await;
    let click = app.click(&app.reviewer("ana"), &first, "Approve").await;
    assert!(app.answer(&click).await.starts_with("Approved"));
    let answered = app.discord.wait_for_original_edit(&click, PROMPTLY).await.expect("answered").seq;

    let report = pass.await.expect("no panic").expect("the pass runs");
    assert_eq!((report.cards_posted, report.reminders), (6, 1), "{report:?}");
    let requests = app.discord.requests();
    let stuck_post = post_of(&requests, &stuck).expect("the stuck card is posted too").seq;
    for job in &others {
        assert!(post_of(&requests, job).unwrap().seq < stuck_post, "{job} came before the stuck card");
    }
    let reminder = requests
        .iter()
        .find(|r| {
            r.body
                .as_ref()
                .is_some_and(|b| b["content"].as_str().unwrap_or_default().contains("Reminder 1 of"))
        })
        .expect("the reminder of the earlier card");
    assert!(reminder.seq < stuck_post, "the reminder did not wait for the stuck image");
    assert!(answered < stuck_post, "the click's answer did not wait for the stuck image");
    let stuck_card = super::card(&app, &stuck).await;
    assert_eq!(super::field(&stuck_card, "More assets"), "Image 1 (preview unavailable)");
    assert_ne!(app.approval(&earlier, "review").await.message_id, None);
    app.discord.assert_no_rejections();
}
