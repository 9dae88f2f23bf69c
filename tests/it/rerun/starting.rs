//! Start: one new run with exactly the edited inputs, the old gate rejected, the two cards linked;
//! and however many Starts arrive at once, one run.

use approval_bridge::{approvals::state::ApprovalState, events::EventKind};
use serde_json::json;

use super::{card_of, field, parked, press, run_puts, submit_form};
use crate::support::{
    app::{PROMPTLY, spawn_app},
    fake_scenario::{Endpoint, Fault, FlowTemplate, Release},
    wait::wait_until,
};

#[tokio::test]
async fn editing_the_prompt_and_starting_rejects_the_gate_and_starts_one_run_with_exactly_those_inputs() {
    let app = spawn_app().await;
    let (workflow, job, approval) = parked(&app, FlowTemplate::single_gate(), "review").await;
    let ana = app.reviewer("ana");
    let (submit, priced) =
        submit_form(&app, &ana, &approval, &[("i0", "a lighthouse at dawn"), ("note", "too dark")]).await;
    assert!(priced.contains("• prompt: “a lighthouse at dusk” → “a lighthouse at dawn”"), "{priced}");
    assert!(priced.contains("Not editable here, kept as they were: steps."), "{priced}");
    assert!(priced.contains("Estimated cost: 10 creative units."), "{priced}");
    assert!(run_puts(&app).is_empty(), "a dry run only, so far");

    let start = press(&app, &submit, "Start").await;
    let answer = app.answer(&start).await;
    assert!(answer.starts_with("Started run `job_"), "{answer}");
    assert!(answer.contains("(round 2)"), "{answer}");
    let puts = run_puts(&app);
    assert_eq!(puts.len(), 1, "one run");
    let edited = json!({ "prompt": "a lighthouse at dawn", "style": "ink", "steps": 30 });
    assert_eq!(puts[0].body, Some(edited.clone()), "exactly the edited inputs, the others as they were");
    let runs = app.scenario.runs_of(&workflow);
    assert_eq!(runs.len(), 2);
    let (new_job, inputs) = runs[1].clone();
    assert_eq!(inputs, edited);

    let rejects = app.scenario.requests_to(Endpoint::UserApproval);
    assert_eq!(rejects.len(), 1, "one reject for the old gate");
    assert_eq!(rejects[0].body.clone().unwrap()["action"], "reject");
    assert_eq!(app.scenario.job_status(&job), "canceled");
    let old = app.approval(&job, "review").await;
    assert_eq!(old.state, ApprovalState::Rejected);
    let reason = old.reason.clone().unwrap_or_default();
    assert!(reason.starts_with("Re-run requested by <@") && reason.ends_with(">: too dark"), "{reason}");
    let line = field(&card_of(&app, &old), "Re-run").expect("the card shows the re-run");
    assert_eq!(line, format!("🔁 Re-run by <@{}> → run `{new_job}` (changed: prompt)", ana.user_id));
    let events = app.store().events(&Default::default()).await.unwrap();
    let of = |kind| events.iter().filter(move |e| e.kind == kind && e.approval == Some(old.id.get()));
    let asked: Vec<_> = of(EventKind::RerunRequested).collect();
    assert_eq!(asked.len(), 1, "{events:?}");
    assert_eq!(asked[0].actor_id, Some(ana.user_id.to_string()));
    assert_eq!(asked[0].detail.as_deref(), Some("inputs changed: prompt"));
    let ended: Vec<_> = of(EventKind::Rerun).collect();
    assert_eq!(ended.len(), 1, "{events:?}");
    assert_eq!(ended[0].detail, Some(format!("run {new_job} started")));

    app.scenario.settle_run(&new_job);
    let report = app.poll().await;
    assert_eq!(report.cards_posted, 1, "{report:?}");
    let new = app.approval(&new_job, "review").await;
    let follows = field(&card_of(&app, &new), "Re-run of").expect("the new card names its predecessor");
    let old_link =
        format!("/channels/{}/{}/{}", app.discord.guild_id(), app.channel, old.message_id.unwrap());
    assert!(follows.starts_with(&format!("Round 2: a re-run of run `{job}`")), "{follows}");
    assert!(follows.contains(&old_link), "{follows}");

    app.poll().await;
    let new_link =
        format!("/channels/{}/{}/{}", app.discord.guild_id(), app.channel, new.message_id.unwrap());
    let line = field(&card_of(&app, &old), "Re-run").unwrap();
    assert!(line.contains(&format!("[Its card](https://discord.com{new_link})")), "{line}");
    assert_eq!(run_puts(&app).len(), 1, "still one run");

    app.answer(&app.click(&ana, &new, "Approve").await).await;
    let history = crate::commands::run(&app, &ana, crate::commands::approvals("history")).await;
    let lines: Vec<&str> = history.lines().skip(1).collect();
    assert!(lines[0].contains(&format!("run `{new_job}` (round 2, re-run of `{job}`)")), "{history}");
    assert!(
        lines[1].contains(&format!("run `{job}`")) && lines[1].ends_with(&format!("🔁 re-run → `{new_job}`")),
        "{history}"
    );
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_double_start_and_two_reviewers_starting_at_once_make_one_run() {
    let app = spawn_app().await;
    let (workflow, job, approval) = parked(&app, FlowTemplate::single_gate(), "review").await;
    let (ana, ben) = (app.reviewer("ana"), app.reviewer("ben"));
    let (ana_form, _) = submit_form(&app, &ana, &approval, &[("i0", "a lighthouse at dawn")]).await;
    let (ben_form, _) = submit_form(&app, &ben, &approval, &[("i0", "a lighthouse in fog")]).await;

    // The first run PUT waits at Scenario while the other Starts arrive.
    let release = Release::default();
    app.scenario.inject(Endpoint::RunWorkflow, Fault::Hold(release.clone()), 1);
    let first = press(&app, &ana_form, "Start").await;
    wait_until("the first run PUT", PROMPTLY, async || run_puts(&app).len() == 1).await;
    let again = press(&app, &ana_form, "Start").await;
    let other = press(&app, &ben_form, "Start").await;
    for late in [&again, &other] {
        let answer = app.answer(late).await;
        assert!(answer.contains("already requested by <@"), "{answer}");
        assert!(answer.ends_with("nothing more was started."), "{answer}");
    }
    release.release();
    let answer = app.answer(&first).await;
    assert!(answer.starts_with("Started run"), "{answer}");
    assert_eq!(run_puts(&app).len(), 1, "one run");
    assert_eq!(app.scenario.runs_of(&workflow).len(), 2);
    assert_eq!(run_puts(&app)[0].body.clone().unwrap()["prompt"], "a lighthouse at dawn");
    assert_eq!(app.scenario.requests_to(Endpoint::UserApproval).len(), 1, "one reject");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Rejected);
}

#[tokio::test]
async fn a_run_put_applied_whose_answer_is_lost_is_found_and_never_sent_again() {
    let app = spawn_app().await;
    let (workflow, job, approval) = parked(&app, FlowTemplate::single_gate(), "review").await;
    let ana = app.reviewer("ana");
    let (form, _) = submit_form(&app, &ana, &approval, &[("i0", "a lighthouse at dawn")]).await;
    app.scenario.inject(Endpoint::RunWorkflow, Fault::ApplyThenClose, 1);
    let start = press(&app, &form, "Start").await;
    let answer = app.answer(&start).await;
    let runs = app.scenario.runs_of(&workflow);
    assert_eq!(runs.len(), 2, "the PUT was applied once");
    let found = &runs[1].0;
    assert_eq!(
        answer,
        format!(
            "Scenario's answer was lost, but the run was found: run `{found}` started (round 2). This run's gate \
             is rejected; its card links to the new run's card once that is posted."
        )
    );
    assert_eq!(run_puts(&app).len(), 1, "not sent again");
    let old = app.approval(&job, "review").await;
    assert_eq!(old.state, ApprovalState::Rejected);
    let line = field(&card_of(&app, &old), "Re-run").unwrap();
    assert!(line.contains(&format!("→ run `{found}`")), "{line}");

    app.scenario.settle_run(found);
    app.poll().await;
    app.poll().await;
    let new = app.approval(found, "review").await;
    assert!(field(&card_of(&app, &new), "Re-run of").unwrap().starts_with("Round 2"));
    let line = field(&card_of(&app, &old), "Re-run").unwrap();
    assert!(line.contains("[Its card]("), "the card is linked: {line}");
    assert_eq!(run_puts(&app).len(), 1, "the watcher sent nothing either");
}

#[tokio::test]
async fn a_selection_cards_re_run_works_the_same_way() {
    let app = spawn_app().await;
    let (workflow, job, approval) = parked(&app, FlowTemplate::image_selection(3, 1, 1), "pick").await;
    let ana = app.reviewer("ana");
    let (form, priced) = submit_form(&app, &ana, &approval, &[("i1", "watercolour")]).await;
    assert!(priced.contains("• style: “ink” → “watercolour”"), "{priced}");
    let answer = app.answer(&press(&app, &form, "Start").await).await;
    assert!(answer.starts_with("Started run"), "{answer}");
    assert_eq!(run_puts(&app).len(), 1);
    assert_eq!(app.scenario.runs_of(&workflow)[1].1["style"], "watercolour");
    let rejects = app.scenario.requests_to(Endpoint::UserSelection);
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0].body.clone().unwrap()["action"], "reject");
    let old = app.approval(&job, "pick").await;
    assert_eq!(old.state, ApprovalState::Rejected);
    assert!(field(&card_of(&app, &old), "Re-run").unwrap().contains("(changed: style)"));
}

#[tokio::test]
async fn a_lost_answer_of_a_re_run_with_nothing_changed_is_never_taken_for_the_run_re_run() {
    let app = spawn_app().await;
    let (workflow, job, approval) = parked(&app, FlowTemplate::single_gate(), "review").await;
    let (form, priced) = submit_form(&app, &app.reviewer("ana"), &approval, &[]).await;
    assert!(priced.contains("No input changed: the run starts again with the same inputs."), "{priced}");
    app.scenario.inject(Endpoint::RunWorkflow, Fault::ApplyThenClose, 1);
    let answer = app.answer(&press(&app, &form, "Start").await).await;
    let runs = app.scenario.runs_of(&workflow);
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].1, runs[1].1, "the same inputs");
    let made = &runs[1].0;
    assert!(answer.contains(&format!("the run was found: run `{made}` started")), "{answer}");
    assert!(!answer.contains(&job), "{answer}");
    assert_eq!(run_puts(&app).len(), 1);
}
