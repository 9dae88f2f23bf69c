//! `/approvals people`: admins link the Scenario users who start runs to members, unlink and
//! list them; the changes are audited, and others are refused.

use serde_json::Value;

use super::{admin, approvals, parked, run, stranger, text};
use crate::support::{
    app::spawn_app,
    fake_discord::{CommandCall, GuildMember, OptionValue},
    fake_scenario::AUTHOR,
};

/// `/approvals people <sub>`.
fn people(sub: &str) -> CommandCall {
    CommandCall::new("approvals").group("people").sub(sub)
}

fn link(user: &str, member: &GuildMember) -> CommandCall {
    people("link").opt("scenario_user", text(user)).opt("member", OptionValue::User(member.clone()))
}

#[tokio::test]
async fn an_admin_links_lists_and_unlinks_a_scenario_user_and_each_change_is_audited() {
    let app = spawn_app().await;
    parked(&app, "Lighthouse");
    app.poll().await;
    let pending = run(&app, &app.reviewer("rita"), approvals("pending")).await;
    assert!(pending.contains(&format!("started by Scenario user `{AUTHOR}`")), "{pending}");

    let nina = GuildMember::new("nina");
    let linked = run(&app, &admin(), link(AUTHOR, &nina)).await;
    assert!(linked.starts_with(&format!("Scenario user `{AUTHOR}` is now <@{}>", nina.user_id)), "{linked}");
    let listed = run(&app, &admin(), people("list")).await;
    assert!(listed.contains(&format!("`{AUTHOR}` → <@{}> (linked by ada", nina.user_id)), "{listed}");

    // The open card of that user's run names the member from the next pass.
    assert_eq!(app.poll().await.cards_updated, 1);
    let card = app.cards().into_iter().next().unwrap();
    assert!(heading_of(&card).contains(&format!("Started by <@{}>.", nina.user_id)), "{card}");

    let unlinked = run(&app, &admin(), people("unlink").opt("scenario_user", text(AUTHOR))).await;
    assert!(unlinked.contains(&format!("is no longer linked to <@{}>", nina.user_id)), "{unlinked}");
    let again = run(&app, &admin(), people("unlink").opt("scenario_user", text(AUTHOR))).await;
    assert!(again.contains("was not linked; nothing was changed"), "{again}");
    let empty = run(&app, &admin(), people("list")).await;
    assert!(empty.starts_with("No Scenario user is linked to a member."), "{empty}");

    let audit = app.store().people_audit(10).await.unwrap();
    let trail: Vec<(&str, &str, Option<i64>)> =
        audit.iter().map(|e| (e.action.as_str(), e.actor_name.as_str(), e.member_id)).collect();
    let member = Some(nina.user_id as i64);
    assert_eq!(trail, [("unlink", "ada", member), ("link", "ada", member)]);
}

#[tokio::test]
async fn members_without_manage_server_may_not_link_unlink_or_list_people() {
    let app = spawn_app().await;
    let nina = GuildMember::new("nina");
    for (who, call) in [
        (stranger(), link(AUTHOR, &nina)),
        (app.reviewer("rita"), link(AUTHOR, &nina)),
        (app.reviewer("rita"), people("unlink").opt("scenario_user", text(AUTHOR))),
        (app.reviewer("rita"), people("list")),
    ] {
        let answer = run(&app, &who, call).await;
        assert_eq!(
            answer,
            "Only members with the Manage Server permission can use `/approvals people`; nothing was changed."
        );
    }
    assert!(app.store().people().await.unwrap().is_empty());
    assert!(app.store().people_audit(10).await.unwrap().is_empty());
}

fn heading_of(card: &Value) -> String {
    crate::support::card_view::heading(card)
}
