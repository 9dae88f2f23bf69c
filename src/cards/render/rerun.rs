//! What a card shows of re-runs, pure: the re-run asked from it ("🔁 Re-run by @x → run job_…
//! (changed: prompt)", with a link to the new card once it exists), and, on a re-run's card, the
//! run it follows and its round.

use crate::{
    approvals::rerun::{AskedRerun, FollowedRun, RerunShown, RerunState},
    cards::inert,
};

/// The card's re-run fields, as (name, value).
pub fn fields(shown: &RerunShown) -> Vec<(&'static str, String)> {
    let asked = shown.asked.as_ref().map(|asked| ("Re-run", asked_line(asked)));
    let follows = shown.follows.as_ref().map(|follows| ("Re-run of", follows_line(follows)));
    follows.into_iter().chain(asked).collect()
}

fn asked_line(asked: &AskedRerun) -> String {
    let by = format!("<@{}>", asked.by);
    let changed = if asked.changed.is_empty() {
        "no input changed".to_owned()
    } else {
        let names: Vec<String> = asked.changed.iter().map(|n| inert::text(n)).collect();
        format!("changed: {}", names.join(", "))
    };
    let why = asked.why.as_deref().unwrap_or_default();
    match (asked.state, &asked.job_id) {
        (RerunState::Started, Some(job)) => {
            let line = format!("🔁 Re-run by {by} → run `{}` ({changed})", inert::code(job.as_str()));
            match &asked.card {
                Some(card) => format!("{line}\n[Its card]({card})"),
                None => line,
            }
        }
        (RerunState::Unsettled, _) => format!("🔁 Re-run by {by} ({changed}): {why}"),
        (RerunState::NotStarted, _) => format!("🔁 Re-run by {by} was not started: {why}"),
        _ => format!("🔁 Re-run by {by} is being started ({changed})."),
    }
}

fn follows_line(follows: &FollowedRun) -> String {
    let run = format!("run `{}`", inert::code(follows.job_id.as_str()));
    let run = match &follows.card {
        Some(card) => format!("{run} ([its card]({card}))"),
        None => run,
    };
    format!("Round {}: a re-run of {run}.", follows.round)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_started_re_run_names_its_run_and_changes_and_links_its_card() {
        let mut asked = AskedRerun {
            by: 7,
            state: RerunState::Started,
            job_id: Some("job_new".into()),
            changed: vec!["prompt".into()],
            why: None,
            card: None,
        };
        let shown = RerunShown { asked: Some(asked.clone()), follows: None, offer: false };
        assert_eq!(
            fields(&shown),
            [("Re-run", "🔁 Re-run by <@7> → run `job_new` (changed: prompt)".to_owned())]
        );
        asked.card = Some("https://discord.com/channels/1/2/3".into());
        let shown = RerunShown { asked: Some(asked), ..shown };
        assert!(fields(&shown)[0].1.ends_with("\n[Its card](https://discord.com/channels/1/2/3)"));
    }

    #[test]
    fn a_re_runs_card_names_the_run_it_follows_and_its_round() {
        let follows = FollowedRun {
            round: 3,
            job_id: "job_old".into(),
            card: Some("https://discord.com/channels/1/2/3".into()),
        };
        let shown = RerunShown { asked: None, follows: Some(follows), offer: true };
        assert_eq!(
            fields(&shown),
            [(
                "Re-run of",
                "Round 3: a re-run of run `job_old` ([its card](https://discord.com/channels/1/2/3))."
                    .to_owned()
            )]
        );
    }

    #[test]
    fn a_re_run_not_started_or_not_known_says_so() {
        let asked = |state, why: &str| AskedRerun {
            by: 7,
            state,
            job_id: None,
            changed: Vec::new(),
            why: Some(why.into()),
            card: None,
        };
        let line = |asked| fields(&RerunShown { asked: Some(asked), ..RerunShown::default() })[0].1.clone();
        assert_eq!(
            line(asked(RerunState::NotStarted, "HTTP 429")),
            "🔁 Re-run by <@7> was not started: HTTP 429"
        );
        assert_eq!(
            line(asked(RerunState::Unsettled, "may or may not")),
            "🔁 Re-run by <@7> (no input changed): may or may not"
        );
        assert_eq!(
            line(asked(RerunState::Sending, "")),
            "🔁 Re-run by <@7> is being started (no input changed)."
        );
    }
}
