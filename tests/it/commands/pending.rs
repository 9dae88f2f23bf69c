//! `/approvals pending`: the gates waiting now, a page at a time, with links to their cards.

use super::{approvals, run, stranger, text};
use crate::support::{app::spawn_app, fake_discord::OptionValue, fake_scenario::FlowTemplate};

#[tokio::test]
async fn more_gates_than_fit_one_answer_are_paged_with_a_jump_link_to_each_card() {
    let app = spawn_app().await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let jobs: Vec<String> = (0..8).map(|_| app.scenario.start_parked_run(&workflow)).collect();
    assert_eq!(app.poll().await.cards_posted, 8);
    let reviewer = app.reviewer("rita");

    let first = run(&app, &reviewer, approvals("pending")).await;
    assert!(first.starts_with("**8 gates waiting**, oldest first:"), "{first}");
    assert!(first.ends_with("Page 1 of 2 · next: `/approvals pending page:2`"), "{first}");
    let second = run(&app, &reviewer, approvals("pending").opt("page", OptionValue::Integer(2))).await;
    assert!(second.ends_with("Page 2 of 2"), "{second}");
    let lines =
        |answer: &str| answer.lines().filter(|l| l.starts_with("• ")).map(str::to_owned).collect::<Vec<_>>();
    assert_eq!((lines(&first).len(), lines(&second).len()), (4, 4));

    for job in &jobs {
        let approval = app.approval(job, "review").await;
        let link = format!(
            "[open card](https://discord.com/channels/{}/{}/{})",
            app.discord.guild_id(),
            approval.channel_id,
            approval.message_id.unwrap().get()
        );
        let shown: Vec<String> =
            lines(&first).into_iter().chain(lines(&second)).filter(|l| l.contains(job.as_str())).collect();
        assert_eq!(shown.len(), 1, "{job} shown once");
        assert!(shown[0].contains(&link), "{}", shown[0]);
        assert!(
            shown[0].contains(&format!("waiting since <t:{}:R>", approval.found_at / 1000)),
            "{}",
            shown[0]
        );
    }
    let last = run(&app, &reviewer, approvals("pending").opt("page", OptionValue::Integer(9))).await;
    assert!(last.ends_with("Page 2 of 2"), "a page past the end shows the last: {last}");
}

#[tokio::test]
async fn pending_filters_by_workflow_and_is_closed_to_strangers() {
    let app = spawn_app().await;
    let lighthouse = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let harbour = app.scenario.add_workflow("Harbour", FlowTemplate::single_gate());
    app.scenario.start_parked_run(&lighthouse);
    app.scenario.start_parked_run(&harbour);
    app.poll().await;
    let answer = run(&app, &app.reviewer("rita"), approvals("pending").opt("workflow", text(&harbour))).await;
    assert!(answer.starts_with(&format!("**1 gate waiting of `{harbour}`**")), "{answer}");
    assert!(answer.contains("**Harbour**") && !answer.contains("Lighthouse"), "{answer}");
    let refused = run(&app, &stranger(), approvals("pending")).await;
    assert!(refused.contains("is for reviewers and admins"), "{refused}");
}
