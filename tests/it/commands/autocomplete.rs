//! Autocomplete of the workflow option: filtered, at most 25 choices, cached between keystrokes.

use super::{admin, approvals, choices, run, stranger, text};
use crate::support::{
    app::spawn_app,
    fake_discord::OptionValue,
    fake_scenario::{Endpoint, FlowTemplate},
};

#[tokio::test]
async fn typing_filters_the_teams_workflows_by_name_and_shows_their_ids() {
    let app = spawn_app().await;
    let lighthouse = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let lightning = app.scenario.add_workflow("Lightning", FlowTemplate::single_gate());
    app.scenario.add_workflow("Harbour", FlowTemplate::single_gate());
    let offered = choices(&app, &admin(), "watch", "LIG").await;
    assert_eq!(
        offered,
        [
            (format!("Lighthouse ({lighthouse})"), lighthouse.clone()),
            (format!("Lightning ({lightning})"), lightning.clone())
        ]
    );
    assert_eq!(choices(&app, &app.reviewer("rita"), "pending", "harb").await.len(), 1, "reviewers too");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn the_next_keystroke_is_answered_from_the_cache() {
    let app = spawn_app().await;
    app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    app.scenario.clear_requests();
    assert_eq!(choices(&app, &admin(), "watch", "l").await.len(), 1);
    assert_eq!(choices(&app, &admin(), "watch", "li").await.len(), 1);
    assert_eq!(choices(&app, &admin(), "history", "lig").await.len(), 1);
    assert_eq!(app.scenario.count(Endpoint::ListWorkflows), 1, "one list for every keystroke of the minute");
}

#[tokio::test]
async fn at_most_25_choices_and_names_cut_to_100_characters() {
    let app = spawn_app().await;
    for n in 0..40 {
        app.scenario.add_workflow(&format!("Batch {n:02} {}", "x".repeat(150)), FlowTemplate::single_gate());
    }
    let offered = choices(&app, &admin(), "watch", "batch").await;
    assert_eq!(offered.len(), 25);
    for (name, id) in &offered {
        assert!(name.chars().count() <= 100, "{name}");
        assert!(name.ends_with(&format!("({id})")), "the id stays visible: {name}");
    }
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn strangers_get_no_choices_and_unwatch_offers_only_routed_workflows() {
    let app = spawn_app().await;
    let lighthouse = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    app.scenario.add_workflow("Lightning", FlowTemplate::single_gate());
    assert!(choices(&app, &stranger(), "watch", "").await.is_empty());
    assert!(choices(&app, &app.reviewer("rita"), "watch", "").await.is_empty(), "watch is for admins");
    assert!(choices(&app, &admin(), "unwatch", "").await.is_empty(), "no route yet");
    let call = approvals("watch")
        .opt("workflow", text(&lighthouse))
        .opt("channel", OptionValue::Channel(app.channel));
    run(&app, &admin(), call).await;
    let offered = choices(&app, &admin(), "unwatch", "light").await;
    assert_eq!(offered, [(format!("Lighthouse ({lighthouse})"), lighthouse)]);
}
