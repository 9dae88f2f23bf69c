//! `/approvals sync`: a pass of the watcher now, and what it found.

use crate::{
    cards::render::cut,
    discord::bridge::Bridge,
    discord::reply::{Answerable, Handled},
    polls::PollReport,
};

/// Asks the watcher for a pass and answers with its report.
pub async fn run(bridge: &Bridge, answer: &Answerable<'_>) -> Handled<()> {
    // A pass may take longer than Discord's 3 s: acknowledge first.
    answer.defer().await?;
    let text = match bridge.polls.now().await {
        Ok(report) => describe(&report),
        Err(why) => {
            format!("The poll failed: {}. `/approvals status` shows the recent errors.", cut(&why, 1500))
        }
    };
    answer.finish(text).await?;
    Ok(())
}

/// A pass's report in a few words.
fn describe(report: &PollReport) -> String {
    let mut text = format!(
        "Polled Scenario: {} run{} read, {} new gate{}, {} card{} posted, {} updated, {} gate{} closed elsewhere.",
        report.runs,
        plural(report.runs),
        report.new_gates,
        plural(report.new_gates),
        report.cards_posted,
        plural(report.cards_posted),
        report.cards_updated,
        report.settled,
        plural(report.settled),
    );
    if report.reminders > 0 || report.deadlines > 0 {
        text.push_str(&format!(
            " {} reminder{} sent, {} deadline{} handled.",
            report.reminders,
            plural(report.reminders),
            report.deadlines,
            plural(report.deadlines)
        ));
    }
    if report.unreadable > 0 {
        text.push_str(&format!(" {} listed run(s) could not be read.", report.unreadable));
    }
    if !report.failures.is_empty() {
        text.push_str(&format!(" {} problem(s), retried at the next poll:", report.failures.len()));
        for failure in report.failures.iter().take(3) {
            // A failure may quote a client error, which carries its request's URL.
            text.push_str(&format!("\n• {}", cut(&crate::redact::redacted(failure), 300)));
        }
    }
    text
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_reads_as_a_sentence_and_stays_short() {
        let report = PollReport { runs: 1, new_gates: 2, cards_posted: 2, ..Default::default() };
        let text = describe(&report);
        assert!(text.starts_with("Polled Scenario: 1 run read, 2 new gates, 2 cards posted"), "{text}");
        assert!(!text.contains("reminder"), "{text}");
        let timed = describe(&PollReport { reminders: 2, deadlines: 1, ..Default::default() });
        assert!(timed.ends_with(" 2 reminders sent, 1 deadline handled."), "{timed}");
        let failures = vec!["x".repeat(5000); 50];
        let text = describe(&PollReport { failures, ..Default::default() });
        assert!(text.chars().count() < 2000, "{}", text.chars().count());
    }
}
