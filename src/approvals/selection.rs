//! Selection gates: a `user-selection` node asks a person to pick some of its candidates (its
//! `items`, frozen when the node started) and goes on with the picked ones.
//!
//! Picks are zero-based candidate indices in the order they were picked, as the selection
//! endpoint takes them; how many may be picked is bounded by the node's array input `min`/`max`
//! (1 and 100 when the node says nothing). The rules here are checked before anything is sent.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{enums::InputType, ids::AssetId, wire::Node};

/// Fewest picks when the node names no bound.
pub const DEFAULT_MIN: u32 = 1;
/// Most picks when the node names no bound.
pub const DEFAULT_MAX: u32 = 100;

/// What a selection gate offers: its candidates, and how many of them may be picked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// The candidates, in the node's order (a candidate's index is its position here).
    pub candidates: Vec<Candidate>,
    /// Fewest picks.
    pub min: u32,
    /// Most picks.
    pub max: u32,
}

/// One candidate of a selection gate, as its item reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Candidate {
    /// A Scenario asset (`asset_…`): shown as its preview, like the assets of an approval card.
    Asset {
        /// The asset.
        asset_id: AssetId,
    },
    /// A web address.
    Link {
        /// The URL as the item gives it.
        url: String,
    },
    /// Anything else: text such as a generated prompt.
    Text {
        /// The text.
        text: String,
    },
}

impl Candidate {
    /// Reads one item of a node: an asset id, a URL, or text (a number or other value is shown
    /// as its JSON text).
    pub fn of(item: &Value) -> Self {
        let text = match item {
            Value::String(text) => text.trim(),
            other => return Self::Text { text: other.to_string() },
        };
        let one_word = !text.is_empty() && !text.contains(char::is_whitespace);
        if one_word && text.starts_with("asset_") {
            Self::Asset { asset_id: AssetId::new(text) }
        } else if one_word && (text.starts_with("https://") || text.starts_with("http://")) {
            Self::Link { url: text.to_owned() }
        } else {
            Self::Text { text: text.to_owned() }
        }
    }
}

impl Choice {
    /// What the selection node `node` offers; `None` while it has no candidates yet (its items
    /// are frozen when it starts).
    pub fn of(node: &Node) -> Option<Self> {
        if node.items.is_empty() {
            return None;
        }
        let candidates: Vec<Candidate> = node.items.iter().map(Candidate::of).collect();
        let (min, max) = bounds(node);
        Some(Self { candidates, min, max })
    }

    /// The fewest picks that can be sent: the node's minimum, but never more than there are
    /// candidates.
    pub fn fewest(&self) -> u32 {
        self.min.min(self.count())
    }

    /// The most picks that can be sent: the node's maximum, but never more than there are
    /// candidates.
    pub fn most(&self) -> u32 {
        self.max.min(self.count()).max(self.fewest())
    }

    fn count(&self) -> u32 {
        u32::try_from(self.candidates.len()).unwrap_or(u32::MAX)
    }

    /// Whether `picks` may be sent: every index names a candidate, none twice, and their number
    /// is within the bounds.
    pub fn check(&self, picks: &[u32]) -> Result<(), PickError> {
        for (n, pick) in picks.iter().enumerate() {
            if *pick >= self.count() {
                return Err(PickError::NoSuchCandidate(*pick));
            }
            if picks[..n].contains(pick) {
                return Err(PickError::Twice(*pick));
            }
        }
        let picked = u32::try_from(picks.len()).unwrap_or(u32::MAX);
        if picked < self.fewest() || picked > self.most() {
            return Err(PickError::Count { picked, fewest: self.fewest(), most: self.most() });
        }
        Ok(())
    }

    /// The bounds in words: "exactly 2", "1 to 3".
    pub fn bounds_text(&self) -> String {
        match (self.fewest(), self.most()) {
            (fewest, most) if fewest == most => format!("exactly {most}"),
            (fewest, most) => format!("{fewest} to {most}"),
        }
    }
}

/// The bounds on the number of picks: the `min`/`max` of the node's first array input that sets
/// one, else the defaults. A bound that is not a whole number of at least 0 is ignored.
fn bounds(node: &Node) -> (u32, u32) {
    let is_array = |t: &Option<InputType>| {
        matches!(
            t,
            Some(
                InputType::FileArray
                    | InputType::StringArray
                    | InputType::NumberArray
                    | InputType::ModelArray
            )
        )
    };
    let whole = |n: Option<f64>| n.filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n <= f64::from(u32::MAX));
    let input = node
        .inputs
        .iter()
        .find(|i| is_array(&i.input_type) && (whole(i.min).is_some() || whole(i.max).is_some()));
    let min = input.and_then(|i| whole(i.min)).map_or(DEFAULT_MIN, |n| n as u32);
    let max = input.and_then(|i| whole(i.max)).map_or(DEFAULT_MAX, |n| n as u32);
    (min, max.max(min))
}

/// Why a set of picks may not be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickError {
    /// The index names no candidate.
    NoSuchCandidate(u32),
    /// The index is picked twice.
    Twice(u32),
    /// Too few or too many picks.
    Count {
        /// How many were picked.
        picked: u32,
        /// Fewest allowed.
        fewest: u32,
        /// Most allowed.
        most: u32,
    },
}

impl fmt::Display for PickError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSuchCandidate(pick) => write!(f, "there is no candidate {}", pick + 1),
            Self::Twice(pick) => write!(f, "candidate {} is picked twice", pick + 1),
            Self::Count { picked, fewest, most } if fewest == most => {
                write!(f, "{picked} picked, and this gate takes exactly {most}")
            }
            Self::Count { picked, fewest, most } => {
                write!(f, "{picked} picked, and this gate takes {fewest} to {most}")
            }
        }
    }
}

/// Picks as people read them: one-based numbers, "2, 4".
pub fn numbers(picks: &[u32]) -> String {
    let numbers: Vec<String> = picks.iter().map(|p| (p + 1).to_string()).collect();
    numbers.join(", ")
}

/// A proposal of picks that a confirmation of other picks replaced (two-key picking): its
/// confirmations no longer count, and the card says so to those who made them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replaced {
    /// The picks that were proposed.
    pub picks: Vec<u32>,
    /// The Discord user ids of the reviewers who had confirmed them, in order.
    pub confirmed_by: Vec<u64>,
}

impl Replaced {
    /// The sentence on the card, e.g. "Replaced: picks 1, 3, confirmed by <@7>, no longer count."
    pub fn sentence(&self) -> String {
        let who: Vec<String> = self.confirmed_by.iter().map(|id| format!("<@{id}>")).collect();
        format!("Replaced: picks {}, confirmed by {}, no longer count.", numbers(&self.picks), who.join(", "))
    }
}

/// A reviewer's picks after choosing `chosen` in the menu that lists the candidates `menu`:
/// the picks of other menus stay, in their order, and this menu's choice replaces its own.
pub fn combine(current: &[u32], menu: std::ops::Range<u32>, chosen: &[u32]) -> Vec<u32> {
    let mut picks: Vec<u32> = current.iter().copied().filter(|p| !menu.contains(p)).collect();
    picks.extend(chosen.iter().copied().filter(|p| menu.contains(p)));
    picks
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn node(items: Value, inputs: Value) -> Node {
        serde_json::from_value(json!({
            "id": "pick", "type": "user-selection", "status": "pending", "items": items, "inputs": inputs
        }))
        .unwrap()
    }

    fn choice(n: usize, min: u32, max: u32) -> Choice {
        let candidates = (0..n).map(|i| Candidate::Text { text: format!("c{i}") }).collect();
        Choice { candidates, min, max }
    }

    #[test]
    fn items_read_as_assets_links_or_text() {
        let choice = Choice::of(&node(
            json!(["asset_a1", "https://cdn.example/x.png", "a fox in the snow", 7, "asset_ with space"]),
            json!([]),
        ))
        .unwrap();
        assert_eq!(choice.candidates[0], Candidate::Asset { asset_id: "asset_a1".into() });
        assert_eq!(choice.candidates[1], Candidate::Link { url: "https://cdn.example/x.png".into() });
        assert_eq!(choice.candidates[2], Candidate::Text { text: "a fox in the snow".into() });
        assert_eq!(choice.candidates[3], Candidate::Text { text: "7".into() });
        assert!(matches!(choice.candidates[4], Candidate::Text { .. }));
        assert_eq!((choice.min, choice.max), (DEFAULT_MIN, DEFAULT_MAX));
    }

    #[test]
    fn bounds_come_from_the_nodes_array_input() {
        let inputs = json!([
            { "name": "strength", "type": "number", "min": 0, "max": 9 },
            { "name": "items", "type": "file_array", "min": 2, "max": 3 }
        ]);
        let choice = Choice::of(&node(json!(["a", "b", "c", "d"]), inputs)).unwrap();
        assert_eq!((choice.min, choice.max), (2, 3));
        let odd = json!([{ "name": "items", "type": "string_array", "min": -1, "max": 2.5 }]);
        let choice = Choice::of(&node(json!(["a"]), odd)).unwrap();
        assert_eq!((choice.min, choice.max), (DEFAULT_MIN, DEFAULT_MAX), "nonsense bounds are ignored");
    }

    #[test]
    fn a_node_without_items_offers_nothing_yet() {
        assert_eq!(Choice::of(&node(json!(null), json!([]))), None);
    }

    #[test]
    fn picks_within_range_unique_and_within_bounds_pass() {
        let choice = choice(4, 1, 2);
        assert_eq!(choice.check(&[1, 3]), Ok(()));
        assert_eq!(choice.check(&[3]), Ok(()));
        assert_eq!(choice.check(&[4]), Err(PickError::NoSuchCandidate(4)));
        assert_eq!(choice.check(&[1, 1]), Err(PickError::Twice(1)));
        assert_eq!(choice.check(&[]), Err(PickError::Count { picked: 0, fewest: 1, most: 2 }));
        assert_eq!(choice.check(&[0, 1, 2]), Err(PickError::Count { picked: 3, fewest: 1, most: 2 }));
        assert_eq!(PickError::Twice(1).to_string(), "candidate 2 is picked twice");
    }

    #[test]
    fn bounds_never_ask_for_more_than_there_are_candidates() {
        let choice = choice(3, 5, 100);
        assert_eq!((choice.fewest(), choice.most()), (3, 3));
        assert_eq!(choice.bounds_text(), "exactly 3");
        assert_eq!(self::choice(30, 1, 100).bounds_text(), "1 to 30");
    }

    #[test]
    fn a_menus_choice_replaces_only_its_own_picks_and_keeps_the_order() {
        assert_eq!(combine(&[27, 3, 1], 0..25, &[5, 2]), [27, 5, 2]);
        assert_eq!(combine(&[27, 3], 25..30, &[]), [3]);
        assert_eq!(combine(&[], 25..30, &[26, 4]), [26], "a value outside the menu is dropped");
        assert_eq!(numbers(&[1, 3]), "2, 4");
    }
}
