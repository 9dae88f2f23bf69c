//! What is refused, with nothing started: a cost over the cap, re-runs off, someone who may not
//! decide, a workflow not ready, and Scenario's 429.

use approval_bridge::approvals::state::ApprovalState;

use super::{card_of, field, parked, press, run_puts, submit_form};
use crate::support::{
    app::{button, spawn_app, spawn_app_with},
    fake_discord::GuildMember,
    fake_scenario::{Endpoint, Fault, FlowTemplate},
};

#[tokio::test]
async fn a_re_run_costing_more_than_the_cap_is_refused_with_its_estimate() {
    let app = spawn_app_with(|env| {
        env.insert("RERUN_MAX_COST", "5".into());
    })
    .await;
    let (_, _, approval) = parked(&app, FlowTemplate::single_gate(), "review").await;
    let (submit, answer) = submit_form(&app, &app.reviewer("ana"), &approval, &[("i0", "a fox")]).await;
    assert_eq!(
        answer,
        "This re-run would cost 10 creative units, above this workflow's cap of 5; nothing was started."
    );
    let priced = app.discord.original_response(&submit).unwrap();
    assert_eq!(button(&priced, "Start"), None, "no Start to press");
    assert!(run_puts(&app).is_empty());
}

#[tokio::test]
async fn with_re_runs_off_cards_offer_no_re_run() {
    let app = spawn_app_with(|env| {
        env.insert("RERUNS", "off".into());
    })
    .await;
    let (_, _, approval) = parked(&app, FlowTemplate::single_gate(), "review").await;
    let card = card_of(&app, &approval);
    assert!(button(&card, "Approve").is_some());
    assert_eq!(button(&card, "Re-run"), None, "{card}");
}

#[tokio::test]
async fn someone_who_may_not_decide_cannot_re_run() {
    let app = spawn_app().await;
    let (_, _, approval) = parked(&app, FlowTemplate::single_gate(), "review").await;
    app.scenario.clear_requests();
    let click = app.click(&GuildMember::new("eve"), &approval, "Re-run").await;
    let answer = app.answer(&click).await;
    assert!(answer.starts_with("Only members with the <@&"), "{answer}");
    assert!(app.scenario.requests().is_empty(), "Scenario not even asked");
}

#[tokio::test]
async fn a_workflow_that_is_not_ready_is_not_re_run() {
    let app = spawn_app().await;
    let (workflow, _, approval) = parked(&app, FlowTemplate::single_gate(), "review").await;
    app.scenario.set_workflow_status(&workflow, "draft");
    let click = app.click(&app.reviewer("ana"), &approval, "Re-run").await;
    let answer = app.answer(&click).await;
    assert_eq!(
        answer,
        "Only a ready workflow can re-run, and **Lighthouse** is draft in Scenario; nothing was started."
    );
    assert!(app.scenario.requests_to(Endpoint::RunWorkflow).is_empty());
}

#[tokio::test]
async fn scenario_refusing_the_run_with_429_starts_nothing_and_the_gate_stays_open() {
    let app = spawn_app().await;
    let (workflow, job, approval) = parked(&app, FlowTemplate::single_gate(), "review").await;
    let ana = app.reviewer("ana");
    let (form, _) = submit_form(&app, &ana, &approval, &[("i0", "a fox")]).await;
    app.scenario.inject(Endpoint::RunWorkflow, Fault::status(429), 10);
    let answer = app.answer(&press(&app, &form, "Start").await).await;
    assert!(
        answer.starts_with(
            "Scenario is busy (too many requests or runs at once, HTTP 429); nothing was started."
        ),
        "{answer}"
    );
    app.scenario.clear_faults();
    assert_eq!(app.scenario.runs_of(&workflow).len(), 1, "no run");
    assert!(app.scenario.requests_to(Endpoint::UserApproval).is_empty(), "the gate is not rejected");
    let open = app.approval(&job, "review").await;
    assert_eq!(open.state, ApprovalState::Pending);
    let card = card_of(&app, &open);
    assert!(field(&card, "Re-run").unwrap().contains("was not started: Scenario is busy"), "{card}");
    assert!(button(&card, "Approve").is_some(), "the card stays open");
}

#[tokio::test]
async fn a_route_turned_off_refuses_a_start_already_priced_and_its_cards_lose_re_run() {
    use crate::commands::{admin, approvals, run, text};
    use crate::support::fake_discord::OptionValue;

    let app = spawn_app().await;
    let (workflow, job, approval) = parked(&app, FlowTemplate::single_gate(), "review").await;
    let watch =
        approvals("watch").opt("workflow", text(&workflow)).opt("channel", OptionValue::Channel(app.channel));
    run(&app, &admin(), watch).await;
    let (form, _) = submit_form(&app, &app.reviewer("ana"), &approval, &[("i0", "a fox")]).await;
    let off = approvals("policy").opt("workflow", text(&workflow)).opt("reruns", text("off"));
    assert_eq!(run(&app, &admin(), off).await, "**Lighthouse** now has re-runs off.");

    let answer = app.answer(&press(&app, &form, "Start").await).await;
    assert_eq!(answer, "Re-runs are off for this workflow; nothing was started.");
    assert!(run_puts(&app).is_empty());
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Pending);
    app.poll().await;
    assert_eq!(button(&card_of(&app, &approval), "Re-run"), None, "redrawn without Re-run");

    let capped = approvals("policy")
        .opt("workflow", text(&workflow))
        .opt("reruns", text("on"))
        .opt("rerun_max_cost", OptionValue::Integer(50));
    assert_eq!(
        run(&app, &admin(), capped).await,
        "**Lighthouse** now has re-runs on, at most 50 creative units each."
    );
    app.poll().await;
    assert!(button(&card_of(&app, &approval), "Re-run").is_some());
}
