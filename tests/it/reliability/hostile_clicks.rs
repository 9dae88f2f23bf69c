//! Hostile interactions: a card-like message in another channel, a card whose run was deleted, a
//! reason longer than allowed, and random interleavings of clicks by members with and without
//! the reviewer role (a button the bridge did not make is in `discord_connection.rs`).

use approval_bridge::approvals::{ids::ApprovalId, state::ApprovalState};
use serenity::all::{ButtonStyle, ChannelId, CreateActionRow, CreateButton, CreateMessage};

use super::scenario_faults::parked_run;
use crate::support::{
    app::{PROMPTLY, TestApp, button, spawn_app},
    fake_discord::{GuildMember, InteractionHandle},
    fake_scenario::{Endpoint, FlowTemplate},
};

/// The audit actions of an approval, in order.
async fn trail(app: &TestApp, id: ApprovalId) -> Vec<String> {
    app.store().audit_of(id).await.unwrap().into_iter().map(|e| e.action).collect()
}

#[tokio::test]
async fn a_card_copied_into_another_channel_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let card = app.discord.message(app.channel, approval.message_id.unwrap().get()).unwrap();
    let approve_id = button(&card, "Approve").unwrap();
    let elsewhere = app.discord.add_text_channel("general");
    let lookalike =
        CreateMessage::new().content("Approve me").components(vec![CreateActionRow::Buttons(vec![
            CreateButton::new(approve_id.clone()).label("Approve").style(ButtonStyle::Success),
        ])]);
    let message = ChannelId::new(elsewhere).send_message(&app.bridge().discord, lookalike).await.unwrap();
    let click =
        app.discord.click_button(&app.reviewer("ana"), elsewhere, message.id.get(), &approve_id).await;
    let answer = app.answer(&click).await;
    assert!(
        answer.contains("not one approval-bridge knows") && answer.contains("nothing was changed"),
        "{answer}"
    );
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Pending);
    assert!(app.scenario.requests_to(Endpoint::UserApproval).is_empty());
    assert_eq!(trail(&app, approval.id).await, ["gate_found", "card_posted"]);
}

#[tokio::test]
async fn a_click_on_the_card_of_a_run_deleted_in_scenario_closes_the_card_truthfully() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    app.scenario.delete_run(&job);
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    let answer = app.answer(&click).await;
    assert!(answer.starts_with("The run no longer exists in Scenario"), "{answer}");
    assert!(answer.ends_with("nothing was changed."), "{answer}");
    let now = app.approval(&job, "review").await;
    assert_eq!(now.state, ApprovalState::RunEnded);
    let card = app.discord.message(app.channel, approval.message_id.unwrap().get()).unwrap();
    assert!(crate::support::card_view::controls(&card).is_empty(), "no buttons left: {card}");
    assert!(card.to_string().contains("The run no longer exists in Scenario"), "{card}");
}

#[tokio::test]
async fn a_reason_longer_than_500_characters_is_refused_with_a_sentence() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let click = app.click(&app.reviewer("ana"), &approval, "Reject").await;
    assert_eq!(app.discord.wait_for_callback(&click, PROMPTLY).await.unwrap().body.unwrap()["type"], 9);
    // Discord's client stops at the form's max_length; a modified client need not.
    let submit = app.discord.submit_modal(&click, &[("reason", &"x".repeat(501))]).await;
    let answer = app.answer(&submit).await;
    assert_eq!(answer, "The reason is longer than 500 characters; nothing was changed.");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Pending);
    assert!(app.scenario.requests_to(Endpoint::UserApproval).is_empty());
    assert_eq!(trail(&app, approval.id).await, ["gate_found", "card_posted"]);
}

/// One event of an interleaving.
#[derive(Debug, Clone, Copy)]
enum Event {
    Approve,
    Reject,
    SubmitOpenForms,
}

#[tokio::test]
async fn a_member_without_the_role_never_causes_a_decision_whatever_the_order_of_events() {
    let app = spawn_app().await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let members =
        [app.reviewer("ana"), app.reviewer("bo"), GuildMember::new("mallory"), GuildMember::new("eve")];
    let seed = 0x0BAD_5EED;
    let mut rng = fastrand::Rng::with_seed(seed);
    let (mut decided, mut refused) = (0, 0);
    for round in 0..8 {
        let job = app.scenario.start_parked_run(&workflow);
        app.poll().await;
        let approval = app.approval(&job, "review").await;
        let mut forms: Vec<(InteractionHandle, bool)> = Vec::new();
        let mut handles = Vec::new();
        // Events fire without waiting for answers, so they overlap inside the bridge.
        for _ in 0..10 {
            let reviewer = rng.bool();
            let event = match rng.usize(..5) {
                0 | 1 => Event::Approve,
                2 | 3 => Event::Reject,
                _ => Event::SubmitOpenForms,
            };
            let who = &members[usize::from(!reviewer) * 2 + rng.usize(..2)];
            let card = app.discord.message(app.channel, approval.message_id.unwrap().get()).unwrap();
            match event {
                Event::Approve | Event::Reject => {
                    let label = if matches!(event, Event::Approve) { "Approve" } else { "Reject" };
                    let Some(id) = button(&card, label) else { continue };
                    let Some(click) = app
                        .discord
                        .try_click_button(who, app.channel, approval.message_id.unwrap().get(), &id)
                        .await
                    else {
                        continue;
                    };
                    if label == "Reject" {
                        forms.push((click.clone(), reviewer));
                    }
                    // A reviewer's Reject is answered with the form; its submit is the answer.
                    if label == "Approve" || !reviewer {
                        handles.push((click, reviewer));
                    }
                }
                Event::SubmitOpenForms => {
                    for (form, by_reviewer) in std::mem::take(&mut forms) {
                        if app.discord.wait_for_callback(&form, PROMPTLY).await.unwrap().body.unwrap()["type"]
                            == 9
                        {
                            assert!(
                                by_reviewer,
                                "round {round}: a form opened for a member without the role"
                            );
                            let submit = app.discord.submit_modal(&form, &[("reason", "no")]).await;
                            handles.push((submit, by_reviewer));
                        }
                    }
                }
            }
        }
        for (handle, by_reviewer) in &handles {
            let answer = app.answer(handle).await;
            if !by_reviewer {
                assert!(answer.starts_with("Only members with"), "seed {seed:#x} round {round}: {answer}");
            }
        }
        let entries = app.store().audit_of(approval.id).await.unwrap();
        let reviewers: Vec<u64> = members[..2].iter().map(|m| m.user_id).collect();
        for entry in entries.iter().filter(|e| matches!(e.action.as_str(), "claimed" | "decided")) {
            let actor = entry.actor_id.unwrap() as u64;
            assert!(reviewers.contains(&actor), "seed {seed:#x} round {round}: {entry:?}");
        }
        let puts = app.scenario.requests_to(Endpoint::UserApproval);
        let here = puts.iter().filter(|p| p.body.as_ref().unwrap()["workflowJobId"] == job.as_str()).count();
        let claims = entries.iter().filter(|e| e.action == "claimed").count();
        assert_eq!(here, claims, "seed {seed:#x} round {round}: every PUT follows a reviewer's claim");
        assert!(here <= 1, "seed {seed:#x} round {round}: {here} PUTs for one gate");
        decided += here;
        refused += entries.iter().filter(|e| e.action == "refused").count();
    }
    // The interleavings did exercise both sides.
    assert!(decided > 0 && refused > 0, "decided {decided}, refused {refused}");
}
