//! Who may decide: the reviewer roles, or Manage Server when no role is set.

use approval_bridge::{approvals::state::ApprovalState, discord::refusal::Refusal};
use serenity::all::RoleId;

use super::{assert_ephemeral, card_of, has_buttons, parked_run};
use crate::support::{
    app::{spawn_app, spawn_app_with},
    fake_discord::GuildMember,
    fake_scenario::Endpoint,
};

/// The Manage Server permission bit, as Discord writes a bitfield.
const MANAGE_SERVER: &str = "32";

#[tokio::test]
async fn a_member_without_the_reviewer_role_is_told_which_role_decides_and_nothing_changes() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let outsider = GuildMember::new("olga");

    let refusal = Refusal::NotReviewer { needed: vec![RoleId::new(app.reviewer_role)] };
    for label in ["Approve", "Reject"] {
        let click = app.click(&outsider, &approval, label).await;
        assert_ephemeral(&app, &click).await;
        let answer = app.answer(&click).await;
        assert_eq!(answer, refusal.to_string(), "{label}");
        assert!(answer.contains(&format!("<@&{}>", app.reviewer_role)), "{answer}");
    }
    assert_eq!(app.bridge().metrics.refusals_of(refusal.code()), 2, "counted by kind");

    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0);
    assert_eq!(app.approval(&job, "review").await, approval, "the row is unchanged");
    let audit = app.store().audit_of(approval.id).await.unwrap();
    let refused: Vec<_> = audit.iter().filter(|e| e.action == "refused").collect();
    assert_eq!(refused.len(), 2, "{audit:?}");
    assert!(refused.iter().all(|e| e.actor_id == Some(outsider.user_id as i64)));
    assert!(refused.iter().all(|e| e.from_state.is_none() && e.to_state.is_none()));
    assert!(
        refused.iter().all(|e| e.detail.as_deref() == Some(refusal.code())),
        "stored as its code: {audit:?}"
    );
    assert!(has_buttons(&card_of(&app, &approval)));
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn without_reviewer_roles_members_with_manage_server_decide_and_others_do_not() {
    let app = spawn_app_with(|env| {
        env.remove("REVIEWER_ROLE_IDS");
    })
    .await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;

    let plain = GuildMember::new("pat").with_roles(&[app.reviewer_role]);
    let answer = app.answer(&app.click(&plain, &approval, "Approve").await).await;
    assert!(answer.contains("Manage Server") && answer.contains("nothing was changed"), "{answer}");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0);
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Pending);

    let manager = GuildMember::new("mia").with_permissions(MANAGE_SERVER);
    let answer = app.answer(&app.click(&manager, &approval, "Approve").await).await;
    assert!(answer.starts_with("Approved"), "{answer}");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1);
    let decided = app.approval(&job, "review").await;
    assert_eq!(decided.state, ApprovalState::Approved);
    assert_eq!(decided.decided_by.map(|r| r.id.get()), Some(manager.user_id));
    app.discord.assert_no_rejections();
}
