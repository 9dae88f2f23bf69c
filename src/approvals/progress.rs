//! What a card shows of its gate's policy: the tally (and which groups signed), the notes, the
//! deadline and whether it passed; and who started the run. Pure: the card writer gathers it,
//! cards render its lines.

use super::{
    people::Starter,
    policy::OnDeadline,
    rerun::RerunShown,
    selection::{Replaced, numbers},
};

/// What a card shows of its gate's policy: the tally, the deadline, whether it passed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Distinct approvals required; the tally shows only when more than one is, or groups sign.
    pub required: u8,
    /// The Discord user ids of the reviewers who approved so far, in order.
    pub approved_by: Vec<u64>,
    /// When the deadline falls, unix milliseconds.
    pub deadline_at: Option<i64>,
    /// What happens then.
    pub on_deadline: Option<OnDeadline>,
    /// When the deadline was found passed with nothing decided.
    pub overdue_at: Option<i64>,
    /// On a selection gate, the picks the approvals so far confirm (its proposal).
    pub proposal: Option<Vec<u32>>,
    /// On a selection gate, the latest proposal that other picks replaced.
    pub replaced: Option<Replaced>,
    /// The notes given with the approvals counted so far: Discord user id and note, in order.
    pub notes: Vec<(u64, String)>,
    /// The groups of which each must sign (role id), with who signed for each so far.
    pub groups: Vec<(u64, Option<u64>)>,
    /// The role the gate escalated to, and when (unix milliseconds).
    pub escalated: Option<(u64, i64)>,
    /// The re-run asked from this gate, and the run this one re-runs.
    pub rerun: RerunShown,
    /// Who started the run, when its job said.
    pub started_by: Option<Starter>,
    /// The approval gates of the run waiting now, this one included (several in a ForEach):
    /// from two, the card offers to approve them all.
    pub run_gates: usize,
}

impl Progress {
    /// The live tally, e.g. "Approved 1 of 2: <@7>", and with groups which signed and which are
    /// missing; `None` when one approval decides.
    pub fn tally(&self) -> Option<String> {
        if self.required <= 1 && self.groups.is_empty() {
            return None;
        }
        let (count, required) = (self.approved_by.len(), self.required);
        let head = if count == 0 {
            format!("Approved 0 of {required}: no approval yet.")
        } else {
            let who: Vec<String> = self.approved_by.iter().map(|id| format!("<@{id}>")).collect();
            format!("Approved {count} of {required}: {}", who.join(", "))
        };
        Some(self.with_groups(head))
    }

    /// The live tally of a selection gate, e.g. "Proposed picks 1, 3: confirmed 1 of 2 by
    /// <@7>"; `None` when one confirmation decides.
    pub fn proposal_tally(&self) -> Option<String> {
        if self.required <= 1 && self.groups.is_empty() {
            return None;
        }
        let required = self.required;
        let replaced = self.replaced.as_ref().map(|r| format!(" {}", r.sentence())).unwrap_or_default();
        let Some(picks) = self.proposal.as_deref().filter(|_| !self.approved_by.is_empty()) else {
            let head =
                format!("No picks proposed yet: {required} reviewers must confirm the same picks.{replaced}");
            return Some(self.with_groups(head));
        };
        let who: Vec<String> = self.approved_by.iter().map(|id| format!("<@{id}>")).collect();
        Some(self.with_groups(format!(
            "Proposed picks {}: confirmed {} of {required} by {}. Confirming other picks starts a new proposal.{replaced}",
            numbers(picks),
            self.approved_by.len(),
            who.join(", ")
        )))
    }

    /// `head`, then which groups signed (and through whom) and which are missing.
    fn with_groups(&self, head: String) -> String {
        if self.groups.is_empty() {
            return head;
        }
        let signed: Vec<String> = self
            .groups
            .iter()
            .filter_map(|(role, by)| by.map(|by| format!("<@&{role}> (<@{by}>)")))
            .collect();
        let missing: Vec<String> = self
            .groups
            .iter()
            .filter(|(_, by)| by.is_none())
            .map(|(role, _)| format!("<@&{role}>"))
            .collect();
        let signed = if signed.is_empty() { "none yet".to_owned() } else { signed.join(", ") };
        let missing = if missing.is_empty() { "none".to_owned() } else { missing.join(", ") };
        format!("{head}\nSigned: {signed}. Missing: {missing}.")
    }

    /// The escalation line, e.g. "Escalated to <@&5> <t:…:R>.", once the gate escalated.
    pub fn escalation(&self) -> Option<String> {
        let (role, at) = self.escalated?;
        Some(format!("⬆️ Escalated to <@&{role}> <t:{}:R>.", at / 1000))
    }

    /// The deadline line, e.g. "Deadline <t:…:R> (<t:…:f>), then rejected.", or how it passed.
    pub fn deadline(&self) -> Option<String> {
        if let Some(at) = self.overdue_at {
            return Some(format!(
                "⏰ Overdue: the deadline passed <t:{}:R> and nobody has decided.",
                at / 1000
            ));
        }
        let at = self.deadline_at? / 1000;
        let then = match self.on_deadline? {
            OnDeadline::Reject => "then the bridge rejects it",
            OnDeadline::Approve => "then the bridge approves it",
            OnDeadline::Nothing => "then the card is marked overdue",
        };
        Some(format!("Deadline <t:{at}:R> (<t:{at}:f>); {then}."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tally_and_the_deadline_read_as_words() {
        let mut progress = Progress { required: 2, approved_by: vec![7], ..Progress::default() };
        assert_eq!(progress.tally().as_deref(), Some("Approved 1 of 2: <@7>"));
        progress.deadline_at = Some(90_000);
        progress.on_deadline = Some(OnDeadline::Reject);
        assert_eq!(
            progress.deadline().as_deref(),
            Some("Deadline <t:90:R> (<t:90:f>); then the bridge rejects it.")
        );
        progress.overdue_at = Some(120_000);
        assert!(progress.deadline().unwrap().starts_with("⏰ Overdue"));
        assert_eq!(Progress { required: 1, ..Progress::default() }.tally(), None);
        assert_eq!(progress.escalation(), None);
        progress.escalated = Some((5, 60_000));
        assert_eq!(progress.escalation().as_deref(), Some("⬆️ Escalated to <@&5> <t:60:R>."));
    }

    #[test]
    fn the_tally_says_which_groups_signed_and_which_are_missing() {
        let progress = Progress {
            required: 2,
            approved_by: vec![7],
            groups: vec![(11, Some(7)), (12, None)],
            ..Progress::default()
        };
        assert_eq!(
            progress.tally().as_deref(),
            Some("Approved 1 of 2: <@7>\nSigned: <@&11> (<@7>). Missing: <@&12>.")
        );
        let none = Progress { required: 2, groups: vec![(11, None)], ..Progress::default() };
        assert_eq!(
            none.tally().as_deref(),
            Some("Approved 0 of 2: no approval yet.\nSigned: none yet. Missing: <@&11>.")
        );
    }

    #[test]
    fn a_selection_tally_shows_the_proposed_picks_and_who_confirmed_them() {
        let mut progress = Progress { required: 2, ..Progress::default() };
        assert_eq!(
            progress.proposal_tally().as_deref(),
            Some("No picks proposed yet: 2 reviewers must confirm the same picks.")
        );
        progress.approved_by = vec![7];
        progress.proposal = Some(vec![0, 2]);
        let tally = progress.proposal_tally().unwrap();
        assert!(tally.starts_with("Proposed picks 1, 3: confirmed 1 of 2 by <@7>."), "{tally}");
        assert_eq!(Progress { required: 1, ..Progress::default() }.proposal_tally(), None);
        progress.replaced = Some(Replaced { picks: vec![1], confirmed_by: vec![8, 9] });
        let tally = progress.proposal_tally().unwrap();
        assert!(tally.ends_with(" Replaced: picks 2, confirmed by <@8>, <@9>, no longer count."), "{tally}");
    }
}
