//! The Full size button: fresh links at the click, privately, for the route's reviewers only,
//! a few times a minute.

use crate::support::{
    app::PROMPTLY,
    fake_discord::GuildMember,
    fake_scenario::{Endpoint, Fault},
    images,
};

use super::{parked, post, real_files};

/// The markdown link targets in `text`.
fn link_targets(text: &str) -> Vec<String> {
    text.split("](").skip(1).filter_map(|rest| rest.split(')').next().map(str::to_owned)).collect()
}

#[tokio::test]
async fn full_size_gives_a_reviewer_links_to_the_originals_that_work_at_click_time() {
    let (app, (job, assets)) = spawn_app_and_post(2).await;
    app.scenario.expire_signed_urls();

    let approval = app.approval(&job, "review").await;
    let click = app.click(&app.reviewer("ana"), &approval, "Full size").await;
    let callback = app.discord.wait_for_callback(&click, PROMPTLY).await.expect("acknowledged");
    let flags = callback.body.unwrap_or_default()["data"]["flags"].as_u64().unwrap_or(0);
    assert_eq!(flags & (1 << 6), 1 << 6, "only the clicker sees the answer");
    let edit = app.discord.wait_for_original_edit(&click, PROMPTLY).await.expect("answered");
    let description =
        edit.body.unwrap_or_default()["embeds"][0]["description"].as_str().unwrap_or_default().to_owned();

    let links = link_targets(&description);
    assert_eq!(links.len(), 2, "{description}");
    for (link, asset) in links.iter().zip(&assets) {
        assert!(link.contains(asset.as_str()), "{description}");
        let response = reqwest::get(link).await.unwrap();
        assert_eq!(response.status(), 200, "fresh at click time: {link}");
        let original = response.bytes().await.unwrap();
        assert_eq!(images::dimensions(&original), (1600, 1200), "the original, not a preview");
    }
    let state = app.approval(&job, "review").await.state;
    assert_eq!(state, approval.state, "nothing was decided");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn full_size_says_so_when_scenario_cannot_give_links() {
    let (app, (job, _)) = spawn_app_and_post(1).await;
    let approval = app.approval(&job, "review").await;
    app.scenario.inject(Endpoint::GetBulkAssets, Fault::status(500), 10);
    let click = app.click(&app.reviewer("ana"), &approval, "Full size").await;
    let answer = app.answer(&click).await;
    assert!(answer.starts_with("Scenario did not give fresh links"), "{answer}");
    assert!(answer.contains("try again"), "{answer}");
}

#[tokio::test]
async fn full_size_is_refused_to_a_member_who_may_not_decide_and_reads_nothing_from_scenario() {
    let (app, (job, _)) = spawn_app_and_post(1).await;
    let approval = app.approval(&job, "review").await;
    let bulk_calls = app.scenario.count(Endpoint::GetBulkAssets);

    let click = app.click(&GuildMember::new("reader"), &approval, "Full size").await;
    let answer = app.answer(&click).await;
    assert!(answer.starts_with("Only members with"), "the usual refusal: {answer}");
    assert!(answer.ends_with("nothing was changed."), "{answer}");
    assert_eq!(app.scenario.count(Endpoint::GetBulkAssets), bulk_calls, "no quota spent");
}

#[tokio::test]
async fn a_reviewer_clicking_full_size_again_and_again_is_told_to_wait() {
    let (app, (job, _)) = spawn_app_and_post(1).await;
    let approval = app.approval(&job, "review").await;
    let ana = app.reviewer("ana");
    let bulk_calls = app.scenario.count(Endpoint::GetBulkAssets);

    for n in 0..3 {
        let click = app.click(&ana, &approval, "Full size").await;
        let edit = app.discord.wait_for_original_edit(&click, PROMPTLY).await.expect("answered");
        let body = edit.body.unwrap_or_default();
        assert_eq!(body["embeds"][0]["title"], "Full size", "answer {n}: {body}");
    }
    let spam = app.click(&ana, &approval, "Full size").await;
    let answer = app.answer(&spam).await;
    assert!(answer.contains("try again in a minute"), "{answer}");
    assert_eq!(app.scenario.count(Endpoint::GetBulkAssets), bulk_calls + 3, "the refused click read nothing");
    let other = app.click(&app.reviewer("bo"), &approval, "Full size").await;
    let edit = app.discord.wait_for_original_edit(&other, PROMPTLY).await.expect("answered");
    assert_eq!(edit.body.unwrap_or_default()["embeds"][0]["title"], "Full size", "others are counted apart");
}

async fn spawn_app_and_post(images: usize) -> (crate::support::app::TestApp, (String, Vec<String>)) {
    let app = crate::support::app::spawn_app().await;
    let parked = parked(&app, images);
    real_files(&app, &parked.1);
    post(&app).await;
    (app, parked)
}
