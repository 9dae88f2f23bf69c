//! Re-runs: a reviewer's "not this one, try again with…". Pure: which of a run's inputs the form
//! offers, what an edit changes, whether a run found in Scenario is the one a lost start made, the
//! route's re-run policy, and what the cards show of a re-run.
//!
//! A re-run request is recorded before its run is started, and moves on once:
//!
//! ```text
//! requested ──the PUT goes out──▶ sending ──answered, or the run found──▶ started (job id)
//!     │                              │  └──refused by Scenario, or not found once it could no
//!     │                              │     longer land──────────────────▶ not_started
//!     │                              └──answer lost, run not found yet──▶ unsettled ──▶ started | not_started
//!     └──the process stopped before sending──────────────────────────────▶ not_started
//! ```

use serde_json::{Map, Value};

use super::{enums::InputType, ids::JobId, wire::NodeInput};

/// Text fields of a re-run form: Discord allows five per modal, one is the note.
pub const MAX_EDITABLE: usize = 4;

/// Where a re-run request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RerunState {
    /// Recorded; its run not asked for yet.
    Requested,
    /// Its run is being started (the PUT may have gone out).
    Sending,
    /// Its run started (the job is known).
    Started,
    /// Nothing was started: Scenario refused, or the request was never sent.
    NotStarted,
    /// Whether its run started is not known yet: the answer was lost and no run was found so far.
    Unsettled,
}

impl RerunState {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Sending => "sending",
            Self::Started => "started",
            Self::NotStarted => "not_started",
            Self::Unsettled => "unsettled",
        }
    }

    /// The state named `name`; `None` for another word.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Requested, Self::Sending, Self::Started, Self::NotStarted, Self::Unsettled]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// Whether and how far a route's reviewers may re-run its runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RerunPolicy {
    /// Whether cards offer Re-run.
    pub on: bool,
    /// The most creative units one re-run may cost (from its dry run); `None`: no cap.
    pub max_cost: Option<u32>,
}

impl Default for RerunPolicy {
    fn default() -> Self {
        Self { on: true, max_cost: None }
    }
}

impl RerunPolicy {
    /// This (default) policy under a route's own settings: `on` if set, and `max_cost` if set
    /// (0: no cap).
    pub fn overridden(self, on: Option<bool>, max_cost: Option<u32>) -> Self {
        Self {
            on: on.unwrap_or(self.on),
            max_cost: match max_cost {
                None => self.max_cost,
                Some(0) => None,
                Some(cap) => Some(cap),
            },
        }
    }

    /// Why a run costing `cost` creative units may not start under this policy, if it may not.
    pub fn refusal(&self, cost: f64) -> Option<RerunBlock> {
        if !self.on {
            return Some(RerunBlock::Off);
        }
        let cap = self.max_cost?;
        (cost > f64::from(cap)).then_some(RerunBlock::OverCap { cost, cap })
    }
}

/// Why a route's policy refuses a re-run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RerunBlock {
    /// Re-runs are off for the route.
    Off,
    /// The dry run's cost is above the route's cap (creative units).
    OverCap { cost: f64, cap: u32 },
}

impl std::fmt::Display for RerunPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.on, self.max_cost) {
            (false, _) => f.write_str("re-runs off"),
            (true, None) => f.write_str("re-runs on, no cost cap"),
            (true, Some(cap)) => write!(f, "re-runs on, at most {cap} creative units each"),
        }
    }
}

/// A cost in creative units as people read it: `12`, `2.5`.
pub fn units(cost: f64) -> String {
    if cost.fract() == 0.0 {
        format!("{cost:.0}")
    } else {
        format!("{cost:.2}").trim_end_matches('0').to_owned()
    }
}

/// One editable input of the form: its name, label and the value the run had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editable {
    /// The input's name (the run body's key).
    pub name: String,
    /// What the form calls it.
    pub label: String,
    /// The run's value, as text.
    pub value: String,
}

/// What the form offers of a run's inputs: text inputs (prompts first), at most
/// [`MAX_EDITABLE`], and the names of the rest, kept as they were.
pub fn form_fields(
    definitions: &[NodeInput],
    run_input: &Map<String, Value>,
) -> (Vec<Editable>, Vec<String>) {
    let is_text = |d: &&NodeInput| d.input_type == Some(InputType::String);
    let mut text: Vec<&NodeInput> = definitions.iter().filter(is_text).collect();
    text.sort_by_key(|d| d.prompt != Some(true));
    let editable: Vec<Editable> = text
        .iter()
        .take(MAX_EDITABLE)
        .map(|d| Editable {
            name: d.name.clone(),
            label: d.label.clone().filter(|l| !l.is_empty()).unwrap_or_else(|| d.name.clone()),
            value: run_input.get(&d.name).and_then(Value::as_str).unwrap_or_default().to_owned(),
        })
        .collect();
    let kept = run_input.keys().filter(|name| !editable.iter().any(|e| &e.name == *name)).cloned().collect();
    (editable, kept)
}

/// The inputs a re-run sends: the run's own, with the edited text inputs replaced (an input the
/// run did not have and left empty stays absent).
pub fn edited(run_input: &Map<String, Value>, edits: &[(String, String)]) -> Map<String, Value> {
    let mut inputs = run_input.clone();
    for (name, value) in edits {
        if value.is_empty() && !run_input.contains_key(name) {
            continue;
        }
        inputs.insert(name.clone(), Value::String(value.clone()));
    }
    inputs
}

/// The names of the inputs whose values differ between `old` and `new`, in `new`'s order.
pub fn changed(old: &Map<String, Value>, new: &Map<String, Value>) -> Vec<String> {
    let mut names: Vec<String> =
        new.iter().filter(|(k, v)| old.get(*k) != Some(*v)).map(|(k, _)| k.clone()).collect();
    names.extend(old.keys().filter(|k| !new.contains_key(*k)).cloned());
    names
}

/// Whether a run whose `metadata.input` is `run_input` is the run started with `sent`.
pub fn same_inputs(run_input: Option<&Value>, sent: &Map<String, Value>) -> bool {
    run_input.and_then(Value::as_object) == Some(sent)
}

/// What a card shows of re-runs: the one asked from this gate, and the run this one follows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RerunShown {
    /// The re-run a reviewer asked from this card.
    pub asked: Option<AskedRerun>,
    /// The run this gate's run re-runs, when it is a re-run.
    pub follows: Option<FollowedRun>,
    /// Whether the card offers Re-run (the route's policy allows re-runs).
    pub offer: bool,
}

/// A re-run asked from a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskedRerun {
    /// The Discord user id of the reviewer who asked.
    pub by: u64,
    /// Where the request stands.
    pub state: RerunState,
    /// The new run, once known.
    pub job_id: Option<JobId>,
    /// The inputs changed.
    pub changed: Vec<String>,
    /// Why nothing was started, or why it is not known.
    pub why: Option<String>,
    /// A link to the new run's card, once it exists.
    pub card: Option<String>,
}

/// The run a re-run follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowedRun {
    /// This run's round: 2 for the first re-run, 3 for a re-run of a re-run, …
    pub round: u32,
    /// The run it follows.
    pub job_id: JobId,
    /// A link to that run's card.
    pub card: Option<String>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn input(name: &str, kind: &str, prompt: bool) -> NodeInput {
        serde_json::from_value(
            json!({ "name": name, "type": kind, "prompt": prompt, "label": name.to_uppercase() }),
        )
        .unwrap()
    }

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn the_form_offers_text_inputs_prompts_first_and_keeps_the_rest() {
        let definitions = [
            input("style", "string", false),
            input("steps", "number", false),
            input("prompt", "string", true),
            input("a", "string", false),
            input("b", "string", false),
            input("c", "string", false),
        ];
        let run = map(json!({ "prompt": "a fox", "steps": 30, "style": "ink", "c": "x" }));
        let (editable, kept) = form_fields(&definitions, &run);
        let names: Vec<&str> = editable.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["prompt", "style", "a", "b"]);
        assert_eq!(editable[0].value, "a fox");
        assert_eq!(editable[0].label, "PROMPT");
        assert_eq!(editable[2].value, "", "an input the run left out");
        assert_eq!(kept, ["c", "steps"], "not editable here, sent as they were");
    }

    #[test]
    fn an_edit_changes_only_what_was_edited() {
        let run = map(json!({ "prompt": "a fox", "steps": 30 }));
        let edits = [("prompt".to_owned(), "a badger".to_owned()), ("style".to_owned(), String::new())];
        let new = edited(&run, &edits);
        assert_eq!(new, map(json!({ "prompt": "a badger", "steps": 30 })));
        assert_eq!(changed(&run, &new), ["prompt"]);
        assert!(changed(&run, &run).is_empty());
        assert!(same_inputs(Some(&json!({ "steps": 30, "prompt": "a badger" })), &new));
        assert!(!same_inputs(Some(&json!({ "prompt": "a badger" })), &new));
        assert!(!same_inputs(None, &new));
    }

    #[test]
    fn the_policy_refuses_when_off_or_over_its_cap() {
        assert_eq!(RerunPolicy::default().refusal(1e9), None);
        let capped = RerunPolicy { on: true, max_cost: Some(20) };
        assert_eq!(capped.refusal(20.0), None);
        assert_eq!(capped.refusal(20.5), Some(RerunBlock::OverCap { cost: 20.5, cap: 20 }));
        assert_eq!(RerunPolicy { on: false, max_cost: None }.refusal(0.0), Some(RerunBlock::Off));
        assert_eq!((units(12.0), units(2.5)), ("12".to_owned(), "2.5".to_owned()));
        for state in ["requested", "sending", "started", "not_started", "unsettled"] {
            assert_eq!(RerunState::parse(state).map(RerunState::as_str), Some(state));
        }
    }
}
