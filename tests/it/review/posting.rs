//! What a card shows, what the watcher asks Scenario for, and runs it cannot fully read.

use serde_json::{Value, json};

use super::{card_of, field, has_buttons, reject};
use crate::support::{
    app::{TestApp, spawn_app},
    card_view,
    fake_scenario::{Endpoint, FlowTemplate, NodeSpec},
};

/// Parks one run of a workflow with `template`, posts its cards, returns the run's id.
async fn posted(app: &TestApp, name: &str, template: FlowTemplate) -> String {
    let workflow = app.scenario.add_workflow(name, template);
    let job = app.scenario.start_parked_run(&workflow);
    let report = app.poll().await;
    assert!(report.cards_posted >= 1 && report.failures.is_empty(), "{report:?}");
    job
}

/// `gen` making `images` images (prompt `prompt`) → gate `review`.
fn gate_after_images(images: usize, prompt: &str) -> FlowTemplate {
    FlowTemplate::new()
        .node(NodeSpec::producer("gen").with_prompt(prompt).with_assets(images))
        .node(NodeSpec::gate("review").after(&["gen"]))
}

#[tokio::test]
async fn a_card_shows_the_workflow_the_run_the_prompt_and_the_image() {
    let app = spawn_app().await;
    let job = posted(&app, "Lighthouse", FlowTemplate::single_gate()).await;
    let approval = app.approval(&job, "review").await;
    let card = card_of(&app, &approval);

    assert!(card_view::is_v2(&card), "one card in the component layout, nothing in embeds: {card}");
    let heading = card_view::heading(&card);
    assert!(heading.lines().next().unwrap().contains("Lighthouse"), "{card}");
    assert!(heading.contains(&job) && heading.contains("`review`"), "{heading}");
    assert_eq!(field(&card, "Prompt (gen)").as_deref(), Some("a lighthouse at dusk"));
    let asset = &app.scenario.node_assets(&job, "gen")[0];
    let pictures = card_view::gallery_urls(&card);
    assert_eq!(pictures.len(), 1, "{card}");
    assert!(pictures[0].contains(asset.as_str()), "{card}");
    let labels: Vec<Value> = card_view::controls(&card).iter().map(|c| c["label"].clone()).collect();
    assert_eq!(labels[..3], ["Approve", "Approve with note", "Reject"]);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_run_with_more_than_ten_images_shows_ten_and_numbers_links_to_the_rest() {
    let app = spawn_app().await;
    let job = posted(&app, "Tiles", gate_after_images(13, "tiles")).await;
    let card = card_of(&app, &app.approval(&job, "review").await);

    assert_eq!(card_view::gallery_urls(&card).len(), 10, "{card}");
    let links = field(&card, "More assets").expect("the other images are linked");
    let assets = app.scenario.node_assets(&job, "gen");
    for (n, asset) in assets.iter().enumerate().skip(10) {
        let line = links.lines().find(|l| l.starts_with(&format!("[Image {}](", n + 1))).unwrap();
        assert!(line.contains(asset.as_str()), "{links}");
    }
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_gate_with_no_asset_before_it_says_so() {
    let app = spawn_app().await;
    let job = posted(&app, "Words", gate_after_images(0, "just words")).await;
    let card = card_of(&app, &app.approval(&job, "review").await);

    let assets = field(&card, "Assets").expect("an Assets field");
    assert!(assets.contains("no asset"), "{assets}");
    assert!(card_view::gallery(&card).is_empty(), "{card}");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn the_largest_card_stays_within_discords_limits_before_and_after_a_decision() {
    let app = spawn_app().await;
    let mut template = FlowTemplate::new();
    let producers: Vec<String> = (0..7).map(|i| format!("p{i}")).collect();
    for id in &producers {
        template = template.node(NodeSpec::producer(id).with_prompt(&"é".repeat(2_000)).with_assets(3));
    }
    let after: Vec<&str> = producers.iter().map(String::as_str).collect();
    template = template.node(NodeSpec::gate("review").after(&after));
    let job = posted(&app, &"W".repeat(300), template).await;
    let approval = app.approval(&job, "review").await;
    assert_eq!(card_view::gallery_urls(&card_of(&app, &approval)).len(), 10);

    let answer = reject(&app, &app.reviewer("ana"), &approval, &"no ".repeat(166)).await;

    assert!(answer.starts_with("Rejected"), "{answer}");
    let card = card_of(&app, &app.approval(&job, "review").await);
    assert!(!has_buttons(&card));
    assert!(field(&card, "Decision").unwrap().contains("no no"), "{card}");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn unknown_node_types_and_statuses_and_a_malformed_job_do_not_stop_other_cards() {
    let app = spawn_app().await;
    let odd = FlowTemplate::new()
        .node(NodeSpec::of_type("x", "hologram").with_status("dreaming"))
        .node(NodeSpec::producer("gen").with_prompt("odd"))
        .node(NodeSpec::gate("review").after(&["gen"]))
        .node(NodeSpec::gate("blocked").after(&["x"]));
    app.scenario.insert_raw_job(json!({
        "jobId": "job_malformed", "jobType": "workflow", "status": "in-progress", "metadata": 42
    }));
    let odd = app.scenario.add_workflow("Odd", odd);
    let odd = app.scenario.start_parked_run(&odd);
    let plain = app.scenario.add_workflow("Plain", FlowTemplate::single_gate());
    let plain = app.scenario.start_parked_run(&plain);

    let report = app.poll().await;

    assert_eq!((report.runs, report.unreadable), (2, 1), "{report:?}");
    assert_eq!((report.new_gates, report.cards_posted), (2, 2), "{report:?}");
    assert!(report.failures.is_empty(), "{report:?}");
    for job in [&odd, &plain] {
        assert!(has_buttons(&card_of(&app, &app.approval(job, "review").await)));
    }
    let blocked = app.store().approval_by_gate(&odd.as_str().into(), &"blocked".into()).await.unwrap();
    assert!(blocked.is_none(), "a gate after a node that never finishes is not ready");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn once_cards_are_posted_quiet_polls_only_read_the_job_list() {
    let app = spawn_app().await;
    posted(&app, "Lighthouse", FlowTemplate::single_gate()).await;
    posted(&app, "Foxes", FlowTemplate::two_producers_two_gates()).await;
    posted(&app, "Tiles", FlowTemplate::for_each_gate(2)).await;
    assert_eq!(app.cards().len(), 5);
    app.scenario.clear_requests();
    let discord_requests = app.discord.requests().len();

    for _ in 0..3 {
        let report = app.poll().await;
        assert_eq!((report.runs, report.runs_inspected), (3, 0), "{report:?}");
    }

    let asked: Vec<String> =
        app.scenario.requests().iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    assert_eq!(asked, vec!["GET /jobs".to_owned(); 3], "only the list, one page per pass");
    assert_eq!(app.scenario.count(Endpoint::ListJobs), 3);
    assert_eq!(app.discord.requests().len(), discord_requests, "nothing sent to Discord");
}
