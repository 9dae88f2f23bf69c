//! A re-run's Start pressed on two replicas at once: the second Start reaches the other replica
//! while the first one's run PUT is still waiting at Scenario, and still one run is started and
//! one reject sent. Starting a run is billed, so the request row in the shared database is what
//! stands between two replicas and a second bill.

use serde_json::json;

use super::replicas::{
    Fakes, WITHIN, free_port, is_registration, replica_env, wait_for_cards, wait_for_listener,
};
use crate::support::{
    app::button,
    child::ChildBridge,
    fake_discord::{FakeDiscord, InteractionHandle},
    fake_scenario::{Endpoint, Fault, Release},
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_pressed_on_two_replicas_at_once_starts_one_run() {
    let Some(schema) = TempSchema::create("reliability::rerun_replicas").await else { return };
    let Fakes { discord, scenario, channel, role, workflow, reviewer } = Fakes::start().await;
    scenario.set_workflow_inputs(
        &workflow,
        json!([{ "name": "prompt", "type": "string", "prompt": true, "label": "Prompt" }]),
    );
    let (dir_a, dir_b) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let ports = [free_port(), free_port()];
    let replica = |dir: &std::path::Path, port: u16| {
        ChildBridge::new(replica_env((&discord, &scenario), (channel, role), &schema, dir, port), dir)
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

    let job = scenario.start_parked_run_with(&workflow, json!({ "prompt": "a lighthouse at dusk" }));
    wait_for_cards(&discord, channel, 1).await;
    let card = discord.messages_in(channel).remove(0);
    let card_id: u64 = card["id"].as_str().expect("an id").parse().expect("a snowflake");
    let rerun = button(&card, "Re-run").expect("the card offers Re-run");
    let opened = discord.click_button(&reviewer, channel, card_id, &rerun).await;
    let callback = discord.wait_for_callback(&opened, WITHIN).await.expect("acknowledged");
    assert_eq!(callback.body.unwrap_or_default()["type"], 9, "Re-run opens the form");
    let form = discord.submit_modal(&opened, &[("i0", "a lighthouse at dawn")]).await;
    let priced = answer(&discord, &form).await;
    assert!(priced.contains("a lighthouse at dawn"), "{priced}");
    let original = discord.original_response(&form).expect("the priced answer");
    let start = button(&original, "Start").expect("Start under the priced answer");

    // The first Start's run PUT waits at Scenario while the second Start reaches the other
    // replica.
    let release = Release::default();
    scenario.inject(Endpoint::RunWorkflow, Fault::Hold(release.clone()), 1);
    let run_puts = || {
        let puts = scenario.requests_to(Endpoint::RunWorkflow);
        puts.into_iter().filter(|r| r.param("dryRun").is_none()).count()
    };
    let first = discord.click_ephemeral_button(&form, &start).await;
    wait_until("the first run PUT", WITHIN, async || run_puts() == 1).await;
    let second = discord.click_ephemeral_button(&form, &start).await;
    let refused = answer(&discord, &second).await;
    assert!(refused.contains("already requested by <@"), "{refused}");
    release.release();
    let started = answer(&discord, &first).await;
    assert!(started.starts_with("Started run"), "{started}");

    assert_eq!(run_puts(), 1, "one run, whichever replica each Start reached");
    assert_eq!(scenario.runs_of(&workflow).len(), 2, "the first run and its one re-run");
    let rejects = scenario.requests_to(Endpoint::UserApproval);
    assert_eq!(rejects.len(), 1, "one reject of the old gate");
    assert_eq!(rejects[0].body.clone().unwrap_or_default()["workflowJobId"], job.as_str());
    assert!(discord.failed_deliveries().is_empty(), "every POST had a usable answer");
}
