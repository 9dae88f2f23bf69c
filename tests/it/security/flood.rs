//! A thousand refused clicks on one card add a bounded number of rows, and the counts are true.

use crate::support::{app::spawn_app, fake_discord::GuildMember, fake_scenario::Endpoint};

/// Clicks are sent in waves of this many, each wave answered before the next, so none waits
/// past Discord's 3 s window behind the others.
const WAVE: usize = 25;

#[tokio::test]
async fn a_thousand_outsider_clicks_on_one_card_add_a_bounded_number_of_rows() {
    let app = spawn_app().await;
    let (_, job) = crate::commands::parked(&app, "Lighthouse");
    app.poll().await;
    let approval = app.approval(&job, "review").await;
    let outsider = GuildMember::new("olga");
    let audit_before = app.store().audit_of(approval.id).await.unwrap().len();

    for _ in 0..1_000 / WAVE {
        let mut clicks = Vec::with_capacity(WAVE);
        for _ in 0..WAVE {
            clicks.push(app.click(&outsider, &approval, "Approve").await);
        }
        for click in &clicks {
            let answer = app.answer(click).await;
            assert!(answer.contains("nothing was changed"), "{answer}");
        }
    }

    let counts = app.store().refusals().await.unwrap();
    assert_eq!(counts.iter().map(|c| c.attempts).sum::<i64>(), 1_000, "every click is counted: {counts:?}");
    // One row per minute: two if the clicks straddled a minute's turn.
    assert!(counts.len() <= 2, "{counts:?}");
    let audit = app.store().audit_of(approval.id).await.unwrap();
    let refused = audit.iter().filter(|e| e.action == "refused").count();
    assert_eq!(refused, counts.len(), "one audit entry per counted minute");
    assert_eq!(audit.len(), audit_before + refused);
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0);
}
