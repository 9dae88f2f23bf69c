//! Re-runs against the real binary. Starting a run is billed, so the request row in the database
//! is what stands between a second Start, a second replica or a restart and a second bill: a
//! Start pressed on two replicas at once (the second reaching the other replica while the first
//! one's run PUT waits at Scenario), and a bridge SIGKILLed after Scenario started the run but
//! before its answer arrived, each end with one run and one reject.

use serde_json::json;

use std::time::Duration;

use super::replicas::{
    Fakes, WITHIN, free_port, is_registration, replica_env, wait_for_cards, wait_for_listener,
};
use crate::support::{
    app::button,
    card_view,
    child::{ChildBridge, bridge_env},
    fake_discord::{FakeDiscord, InteractionHandle},
    fake_scenario::{Endpoint, FakeScenario, Fault, Release},
    postgres::TempSchema,
    wait::wait_until,
};

/// What the bridge answered `interaction`: its first message, or the edit of a deferred answer.
async fn answer(discord: &FakeDiscord, interaction: &InteractionHandle) -> String {
    let callback = discord.wait_for_callback(interaction, WITHIN).await.expect("acknowledged");
    let body = callback.body.unwrap_or_default();
    if body["type"] == 4 {
        return body["data"]["content"].as_str().unwrap_or_default().to_owned();
    }
    let edit = discord.wait_for_original_edit(interaction, WITHIN).await.expect("answered");
    edit.body.unwrap_or_default()["content"].as_str().unwrap_or_default().to_owned()
}

/// The run PUTs that were not dry runs.
fn run_puts(scenario: &FakeScenario) -> usize {
    let puts = scenario.requests_to(Endpoint::RunWorkflow);
    puts.into_iter().filter(|r| r.param("dryRun").is_none()).count()
}

/// Sets "Lighthouse" up with one text input and parks a run of it started with "at dusk".
fn parked_run(fakes: &Fakes) -> String {
    fakes.scenario.set_workflow_inputs(
        &fakes.workflow,
        json!([{ "name": "prompt", "type": "string", "prompt": true, "label": "Prompt" }]),
    );
    fakes.scenario.start_parked_run_with(&fakes.workflow, json!({ "prompt": "a lighthouse at dusk" }))
}

/// Opens the re-run form on the one card in `channel` as `fakes.reviewer`, submits a new prompt,
/// and returns the submission (whose priced answer holds Start) and Start's `custom_id`.
async fn priced_form(fakes: &Fakes) -> (InteractionHandle, String) {
    let Fakes { discord, channel, reviewer, .. } = fakes;
    wait_for_cards(discord, *channel, 1).await;
    let card = discord.messages_in(*channel).remove(0);
    let card_id: u64 = card["id"].as_str().expect("an id").parse().expect("a snowflake");
    let rerun = button(&card, "Re-run").expect("the card offers Re-run");
    let opened = discord.click_button(reviewer, *channel, card_id, &rerun).await;
    let callback = discord.wait_for_callback(&opened, WITHIN).await.expect("acknowledged");
    assert_eq!(callback.body.unwrap_or_default()["type"], 9, "Re-run opens the form");
    let form = discord.submit_modal(&opened, &[("i0", "a lighthouse at dawn")]).await;
    let priced = answer(discord, &form).await;
    assert!(priced.contains("a lighthouse at dawn"), "{priced}");
    let original = discord.original_response(&form).expect("the priced answer");
    let start = button(&original, "Start").expect("Start under the priced answer");
    (form, start)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_pressed_on_two_replicas_at_once_starts_one_run() {
    let Some(schema) = TempSchema::create("reliability::reruns").await else { return };
    let fakes = Fakes::start().await;
    let Fakes { discord, scenario, channel, role, workflow, .. } = &fakes;
    let (channel, role) = (*channel, *role);
    let (dir_a, dir_b) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let ports = [free_port(), free_port()];
    let replica = |dir: &std::path::Path, port: u16| {
        ChildBridge::new(replica_env((discord, scenario), (channel, role), &schema, dir, port), dir)
    };
    let mut a = replica(dir_a.path(), ports[0]);
    let mut b = replica(dir_b.path(), ports[1]);
    a.start();
    let registered = discord.wait_for_requests(is_registration, 1, WITHIN).await;
    assert!(registered.is_some(), "the first replica took the lease:\n{}", a.log_tail(30));
    b.start();
    wait_for_listener(ports[1]).await;
    let urls: Vec<String> = ports.iter().map(|p| format!("http://127.0.0.1:{p}/interactions")).collect();
    // Each POST goes to the next replica in turn, as behind a round-robin load balancer: Re-run
    // to A, the form to B, the first Start to A, the second to B.
    discord.deliver_interactions_to_each(&urls);

    let job = parked_run(&fakes);
    let (form, start) = priced_form(&fakes).await;

    // The first Start's run PUT waits at Scenario while the second Start reaches the other
    // replica.
    let release = Release::default();
    scenario.inject(Endpoint::RunWorkflow, Fault::Hold(release.clone()), 1);
    let first = discord.click_ephemeral_button(&form, &start).await;
    wait_until("the first run PUT", WITHIN, async || run_puts(scenario) == 1).await;
    let second = discord.click_ephemeral_button(&form, &start).await;
    let refused = answer(discord, &second).await;
    assert!(refused.contains("already requested by <@"), "{refused}");
    release.release();
    let started = answer(discord, &first).await;
    assert!(started.starts_with("Started run"), "{started}");

    assert_eq!(run_puts(scenario), 1, "one run, whichever replica each Start reached");
    assert_eq!(scenario.runs_of(workflow).len(), 2, "the first run and its one re-run");
    let rejects = scenario.requests_to(Endpoint::UserApproval);
    assert_eq!(rejects.len(), 1, "one reject of the old gate");
    assert_eq!(rejects[0].body.clone().unwrap_or_default()["workflowJobId"], job.as_str());
    assert!(discord.failed_deliveries().is_empty(), "every POST had a usable answer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bridge_killed_after_scenario_started_the_run_adopts_it_after_a_restart_and_sends_nothing_again() {
    let fakes = Fakes::start().await;
    let Fakes { discord, scenario, channel, role, workflow, .. } = &fakes;
    let dir = tempfile::tempdir().expect("dir");
    let mut env = bridge_env(discord, scenario, *channel, *role, &dir.path().join("bridge.db"));
    env.insert("LEASE_SECS".into(), "3".into());
    let mut bridge = ChildBridge::new(env, dir.path());
    bridge.start();
    let registered = discord.wait_for_requests(is_registration, 1, WITHIN).await;
    assert!(registered.is_some(), "the bridge registered its commands:\n{}", bridge.log_tail(30));
    let job = parked_run(&fakes);
    let (form, start) = priced_form(&fakes).await;

    // Scenario starts the run at once and answers late; the bridge dies before the answer.
    scenario.inject(Endpoint::RunWorkflow, Fault::SlowAnswer(Duration::from_secs(600)), 1);
    discord.click_ephemeral_button(&form, &start).await;
    wait_until("the run started in Scenario", WITHIN, async || scenario.runs_of(workflow).len() == 2).await;
    bridge.kill();
    assert_eq!(scenario.requests_to(Endpoint::UserApproval).len(), 0, "nothing rejected before the kill");

    bridge.start();
    wait_until("the old gate rejected after the restart", WITHIN, async || {
        scenario.requests_to(Endpoint::UserApproval).len() == 1
    })
    .await;
    let new_job = scenario.runs_of(workflow)[1].0.clone();
    wait_until("the old card naming the run it started", WITHIN, async || {
        let card = discord.messages_in(*channel).into_iter().find(|c| card_view::footer(c).contains(&job));
        card.and_then(|c| card_view::section(&c, "Re-run")).is_some_and(|line| line.contains(&new_job))
    })
    .await;
    assert_eq!(run_puts(scenario), 1, "the run was adopted, never asked for again");
    assert_eq!(scenario.runs_of(workflow).len(), 2, "the first run and its one re-run");
    let rejects = scenario.requests_to(Endpoint::UserApproval);
    assert_eq!(rejects[0].body.clone().unwrap_or_default()["workflowJobId"], job.as_str());
    assert_eq!(rejects[0].body.clone().unwrap_or_default()["action"], "reject");
}
