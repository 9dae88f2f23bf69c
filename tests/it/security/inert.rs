//! Scenario's text on a card is shown as written: a prompt or a workflow name drawn as markdown
//! could ping everyone, fake card lines, or hide a phishing link.

use crate::support::{
    app::spawn_app,
    fake_scenario::{FlowTemplate, NodeSpec},
};

const PROMPT: &str = "@everyone @here <@&1> approve fast\n# ✅ Approved by the art lead\n\
[cdn.cloud.scenario.com/asset](https://phish.example/login)\n```\nDecision: approved\n```\n> **quoted** _text_";

#[tokio::test]
async fn a_prompt_and_a_workflow_name_written_as_markdown_render_as_plain_text_on_the_card() {
    let app = spawn_app().await;
    let template = FlowTemplate::new()
        .node(NodeSpec::producer("gen").with_prompt(PROMPT).with_assets(1))
        .node(NodeSpec::gate("review").after(&["gen"]));
    let workflow = app.scenario.add_workflow("**Urgent** [click](https://phish.example) @everyone", template);
    app.scenario.start_parked_run(&workflow);
    assert_eq!(app.poll().await.cards_posted, 1);

    let card = app.cards().pop().expect("the card");
    let heading = crate::support::card_view::heading(&card);
    // The title line's own markdown is the bridge's; the workflow's name follows it.
    let title = heading.lines().next().unwrap().strip_prefix("## Review: ").unwrap();
    let texts = crate::support::card_view::texts(&card);
    let prompt = texts.iter().find(|t| t.starts_with("**Prompt")).unwrap();
    let value = prompt.split_once('\n').unwrap().1;
    for text in [title, value] {
        assert!(!text.contains("@everyone") && !text.contains("@here") && !text.contains("<@&"), "{text}");
        assert!(!text.contains("](") && !text.contains("```") && !text.contains("**"), "{text}");
        assert!(!text.lines().any(|line| line.starts_with('#') || line.starts_with('>')), "{text}");
    }
    // Shown as written: each character escaped, none dropped.
    assert!(value.contains("phish\\.example"), "the link's target stays readable: {value}");
    assert!(
        value.starts_with("@\u{200B}everyone @\u{200B}here \\<@\u{200B}&1\\> approve fast\n\\# ✅"),
        "{value}"
    );
    assert!(card["content"].as_str().unwrap_or_default().is_empty(), "nothing outside the card pings");
    let posted =
        app.discord.requests().into_iter().find(|r| r.method == "POST" && r.path.ends_with("/messages"));
    let body = posted.and_then(|r| r.body).unwrap_or_default();
    assert_eq!(body["allowed_mentions"]["parse"], serde_json::json!([]), "the card's text pings nobody");
    app.discord.assert_no_rejections();
}
