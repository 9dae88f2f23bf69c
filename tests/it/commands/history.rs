//! `/approvals history`: who decided what, when and why, from the audit trail.

use super::{approvals, parked, run, stranger};
use crate::support::{app::spawn_app, fake_discord::OptionValue};

#[tokio::test]
async fn history_shows_approvals_and_rejections_newest_first_with_their_reasons() {
    let app = spawn_app().await;
    let (_, approved_job) = parked(&app, "Lighthouse");
    let (_, rejected_job) = parked(&app, "Harbour");
    app.poll().await;
    let ana = app.reviewer("ana");
    let bob = app.reviewer("bob");
    let first = app.approval(&approved_job, "review").await;
    app.answer(&app.click(&ana, &first, "Approve").await).await;
    let second = app.approval(&rejected_job, "review").await;
    let click = app.click(&bob, &second, "Reject").await;
    app.discord.wait_for_callback(&click, crate::support::app::PROMPTLY).await;
    app.answer(&app.discord.submit_modal(&click, &[("reason", "the sea is too flat")]).await).await;

    let answer = run(&app, &ana, approvals("history")).await;
    assert!(answer.starts_with("**Last 2 decisions**, newest first:"), "{answer}");
    let lines: Vec<&str> = answer.lines().skip(1).collect();
    assert!(
        lines[0].contains(&format!(
            "<@{}> rejected · **Harbour** · run `{rejected_job}` · “the sea is too flat”",
            bob.user_id
        )),
        "{answer}"
    );
    assert!(
        lines[1].contains(&format!("<@{}> approved · **Lighthouse** · run `{approved_job}`", ana.user_id)),
        "{answer}"
    );

    let by_ana = run(&app, &ana, approvals("history").opt("reviewer", OptionValue::User(ana.clone()))).await;
    assert!(by_ana.starts_with(&format!("**Last 1 decision** by <@{}>", ana.user_id)), "{by_ana}");
    let one = run(&app, &ana, approvals("history").opt("limit", OptionValue::Integer(1))).await;
    assert_eq!(one.lines().count(), 2, "{one}");

    let refused = run(&app, &stranger(), approvals("history")).await;
    assert!(refused.contains("is for reviewers and admins"), "{refused}");
}
