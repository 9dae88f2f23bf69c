//! Approve with a note: the note is on the card, in `/approvals history` and in the audit, and
//! the approval is one PUT; under a quorum the note goes with its vote.

use approval_bridge::{approvals::state::ApprovalState, store::Approval};

use super::{assert_ephemeral, card_of, field, parked_run};
use crate::{
    commands::{approvals, run},
    support::{
        app::{PROMPTLY, TestApp, spawn_app, spawn_app_with},
        fake_discord::GuildMember,
        fake_scenario::Endpoint,
    },
};

/// Clicks Approve with note on the card of `approval` as `member`, writes `note` in the form
/// that opens, and returns the bridge's final answer.
async fn approve_with_note(app: &TestApp, member: &GuildMember, approval: &Approval, note: &str) -> String {
    let click = app.click(member, approval, "Approve with note").await;
    let callback = app.discord.wait_for_callback(&click, PROMPTLY).await.expect("acknowledged");
    let form = callback.body.unwrap_or_default();
    assert_eq!(form["type"], 9, "Approve with note opens a form: {form}");
    let input = &form["data"]["components"][0]["components"][0];
    assert_eq!((input["max_length"].as_u64(), input["required"].as_bool()), (Some(500), Some(true)));
    let submit = app.discord.submit_modal(&click, &[("note", note)]).await;
    assert_ephemeral(app, &submit).await;
    app.answer(&submit).await
}

#[tokio::test]
async fn an_approval_with_a_note_is_one_put_and_the_note_is_on_the_card_in_history_and_in_the_audit() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let ana = app.reviewer("ana");

    let answer = approve_with_note(&app, &ana, &approval, "fix the hands in the next pass").await;
    assert_eq!(answer, "Approved. The run goes on.");
    let puts = app.scenario.requests_to(Endpoint::UserApproval);
    assert_eq!(puts.len(), 1, "one PUT");
    assert_eq!(puts[0].body.clone().unwrap()["action"], "approve");
    let decided = app.approval(&job, "review").await;
    assert_eq!(decided.state, ApprovalState::Approved);
    assert_eq!(decided.reason.as_deref(), Some("fix the hands in the next pass"));
    let decision = field(&card_of(&app, &decided), "Decision").unwrap();
    assert!(decision.starts_with(&format!("✅ Approved by <@{}>", ana.user_id)), "{decision}");
    assert!(decision.ends_with("\nNote: fix the hands in the next pass"), "{decision}");

    let history = run(&app, &ana, approvals("history")).await;
    assert!(history.contains(&format!("<@{}> approved", ana.user_id)), "{history}");
    assert!(history.contains("· “fix the hands in the next pass”"), "{history}");
    let audit = app.store().audit_of(approval.id).await.unwrap();
    let noted: Vec<&str> = audit
        .iter()
        .filter(|e| e.reason.as_deref() == Some("fix the hands in the next pass"))
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(noted, ["claimed", "decided"], "{audit:?}");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_note_longer_than_500_characters_is_refused_and_plain_approve_stays_one_click() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let ana = app.reviewer("ana");

    let refused = approve_with_note(&app, &ana, &approval, &"x".repeat(501)).await;
    assert_eq!(refused, "The note is longer than 500 characters; nothing was changed.");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0);
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Pending);

    let click = app.click(&ana, &approval, "Approve").await;
    assert_eq!(app.answer(&click).await, "Approved. The run goes on.");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1);
    assert_eq!(app.approval(&job, "review").await.reason, None);
}

#[tokio::test]
async fn under_a_quorum_each_note_goes_with_its_vote_and_the_card_shows_them() {
    let app = spawn_app_with(|env| _ = env.insert("APPROVALS_REQUIRED", "2".into())).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let (ana, ben) = (app.reviewer("ana"), app.reviewer("ben"));

    let counted = approve_with_note(&app, &ana, &approval, "the sky *is* fine").await;
    assert!(counted.starts_with("Your approval is counted: 1 of 2."), "{counted}");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0);
    let card = card_of(&app, &approval);
    // Shown as written: the reviewer's markdown is escaped.
    assert_eq!(field(&card, "Notes"), Some(format!("<@{}>: the sky \\*is\\* fine", ana.user_id)), "{card}");

    let decided = approve_with_note(&app, &ben, &approval, "ship it").await;
    assert_eq!(decided, "Approved. The run goes on.");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1, "one PUT once two approved");
    let now = app.approval(&job, "review").await;
    assert_eq!((now.state, now.reason.as_deref()), (ApprovalState::Approved, Some("ship it")));
    let card = card_of(&app, &now);
    let notes = field(&card, "Notes").unwrap();
    assert_eq!(notes, format!("<@{}>: the sky \\*is\\* fine\n<@{}>: ship it", ana.user_id, ben.user_id));
    let audit = app.store().audit_of(approval.id).await.unwrap();
    let counted: Vec<_> =
        audit.iter().filter(|e| e.action == "approval_counted").map(|e| e.reason.as_deref()).collect();
    assert_eq!(counted, [Some("the sky *is* fine"), Some("ship it")], "{audit:?}");
}
