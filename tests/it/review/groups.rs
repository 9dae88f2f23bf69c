//! Sign-off from each of several groups (`each_of`): one approval from a member of each role,
//! a member holding two of the roles signing for one, the groups missing shown on the card.

use approval_bridge::approvals::state::ApprovalState;

use super::{card_of, field, reject};
use crate::{
    commands::{admin, approvals, parked, run, text},
    support::{
        app::{TestApp, spawn_app},
        fake_discord::{GuildMember, OptionValue},
        fake_scenario::Endpoint,
    },
};

/// A routed workflow whose policy wants an approval from each of two new roles, its run parked
/// and its card posted; returns (art role, legal role, run id).
async fn art_and_legal(app: &TestApp) -> (u64, u64, String) {
    let (art, legal) = (app.discord.add_role("Art leads", "0"), app.discord.add_role("Legal", "0"));
    let (workflow, job) = parked(app, "Lighthouse");
    let watch =
        approvals("watch").opt("workflow", text(&workflow)).opt("channel", OptionValue::Channel(app.channel));
    run(app, &admin(), watch).await;
    let groups = format!("<@&{art}>, <@&{legal}>");
    let policy = approvals("policy").opt("workflow", text(&workflow)).opt("each_of", text(&groups));
    let answer = run(app, &admin(), policy).await;
    assert!(answer.contains(&format!(": 1 approval · each of {groups} · no reminders")), "{answer}");
    let listed = run(app, &admin(), approvals("watches")).await;
    assert!(listed.contains(&format!("1 approval · each of {groups}")), "{listed}");
    assert_eq!(app.poll().await.cards_posted, 1);
    (art, legal, job)
}

#[tokio::test]
async fn each_group_must_sign_two_members_of_one_group_are_not_enough_and_the_card_names_the_missing_one() {
    let app = spawn_app().await;
    let (art, legal, job) = art_and_legal(&app).await;
    let approval = app.approval(&job, "review").await;
    let tally = field(&card_of(&app, &approval), "Approvals");
    let missing_both =
        format!("Approved 0 of 2: no approval yet.\nSigned: none yet. Missing: <@&{art}>, <@&{legal}>.");
    assert_eq!(tally, Some(missing_both));

    let (ana, ari) = (GuildMember::new("ana").with_roles(&[art]), GuildMember::new("ari").with_roles(&[art]));
    let first = app.answer(&app.click(&ana, &approval, "Approve").await).await;
    assert!(first.starts_with("Your approval is counted: 1 of 2."), "{first}");
    assert!(first.contains(&format!("(still to sign: <@&{legal}>)")), "{first}");
    let second = app.answer(&app.click(&ari, &approval, "Approve").await).await;
    assert!(
        second.contains(&format!("once 1 more reviewer approves (still to sign: <@&{legal}>)")),
        "{second}"
    );
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0, "two art leads do not sign for legal");
    let tally = field(&card_of(&app, &approval), "Approvals").unwrap();
    assert!(
        tally.ends_with(&format!("Signed: <@&{art}> (<@{}>). Missing: <@&{legal}>.", ana.user_id)),
        "{tally}"
    );

    let leo = GuildMember::new("leo").with_roles(&[legal]);
    let decided = app.answer(&app.click(&leo, &approval, "Approve").await).await;
    assert_eq!(decided, "Approved. The run goes on.");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1, "one PUT once every group signed");
    let now = app.approval(&job, "review").await;
    assert_eq!(now.state, ApprovalState::Approved);
    let tally = field(&card_of(&app, &now), "Approvals").unwrap();
    assert!(tally.ends_with("Missing: none."), "{tally}");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_member_holding_both_roles_signs_for_one_and_a_member_of_either_group_completes_it() {
    let app = spawn_app().await;
    let (art, legal, job) = art_and_legal(&app).await;
    let approval = app.approval(&job, "review").await;
    let both = GuildMember::new("bo").with_roles(&[art, legal]);
    let first = app.answer(&app.click(&both, &approval, "Approve").await).await;
    assert!(first.starts_with("Your approval is counted: 1 of 2."), "{first}");
    let again = app.answer(&app.click(&both, &approval, "Approve").await).await;
    assert!(again.starts_with("You have approved this gate already (1 of 2 so far)"), "{again}");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0, "a member with both roles counts once");

    // Bo signs for whichever group the next approval leaves open: here, legal.
    let ari = GuildMember::new("ari").with_roles(&[art]);
    assert_eq!(app.answer(&app.click(&ari, &approval, "Approve").await).await, "Approved. The run goes on.");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1);
    let tally = field(&card_of(&app, &app.approval(&job, "review").await), "Approvals").unwrap();
    let signed = format!("Signed: <@&{art}> (<@{}>), <@&{legal}> (<@{}>)", ari.user_id, both.user_id);
    assert!(tally.contains(&signed), "{tally}");
}

#[tokio::test]
async fn under_groups_one_reject_rejects_at_once_and_a_member_of_no_group_may_not_decide() {
    let app = spawn_app().await;
    let (art, _legal, job) = art_and_legal(&app).await;
    let approval = app.approval(&job, "review").await;
    let sam = GuildMember::new("sam");
    let refused = app.answer(&app.click(&sam, &approval, "Approve").await).await;
    assert!(refused.starts_with("Only members with"), "{refused}");
    let ana = GuildMember::new("ana").with_roles(&[art]);
    assert!(
        app.answer(&app.click(&ana, &approval, "Approve").await)
            .await
            .starts_with("Your approval is counted")
    );
    let answer = reject(&app, &app.reviewer("rita"), &approval, "not yet").await;
    assert!(answer.starts_with("Rejected"), "{answer}");
    let puts = app.scenario.requests_to(Endpoint::UserApproval);
    assert_eq!((puts.len(), puts[0].body.clone().unwrap()["action"].clone()), (1, "reject".into()));
}

#[tokio::test]
async fn each_of_refuses_roles_of_no_server_and_more_than_five() {
    let app = spawn_app().await;
    let (workflow, _) = parked(&app, "Lighthouse");
    let watch =
        approvals("watch").opt("workflow", text(&workflow)).opt("channel", OptionValue::Channel(app.channel));
    run(&app, &admin(), watch).await;
    let set =
        |groups: &str| approvals("policy").opt("workflow", text(&workflow)).opt("each_of", text(groups));
    let unknown = run(&app, &admin(), set("<@&123456>")).await;
    assert_eq!(
        unknown,
        "The role 123456 does not exist in this server. Pick an existing role; nothing was saved."
    );
    let many = run(&app, &admin(), set("1 2 3 4 5 6")).await;
    assert!(many.starts_with("each_of: give 1 to 5 roles"), "{many}");
    assert!(app.store().watches().await.unwrap()[0].policy.is_none(), "nothing saved");
}
