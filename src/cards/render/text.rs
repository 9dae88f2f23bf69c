//! The text of a card within Discord's 4000 characters over all its text displays: what every
//! card must show is measured first, what may be long (prompts, links, candidates) shares what
//! is left, and what does not fit is counted, with where to see it.

use serde_json::Value;

use crate::cards::layout;

/// Cuts `text` to at most `max` characters, ending with an ellipsis when cut.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The characters left for a card's text displays.
pub struct Budget {
    left: usize,
}

impl Budget {
    /// The least of a section's value worth showing.
    const MIN_VALUE: usize = 16;

    /// A budget of `total` characters.
    pub fn new(total: usize) -> Self {
        Self { left: total }
    }

    /// Sets aside up to `n` characters for what comes later; [`Self::give_back`] returns them.
    pub fn hold(&mut self, n: usize) -> usize {
        let held = n.min(self.left);
        self.left -= held;
        held
    }

    /// Returns characters set aside by [`Self::hold`].
    pub fn give_back(&mut self, held: usize) {
        self.left += held;
    }

    /// A text display of `text`, cut to `max` and to what is left; `None` when nothing is left
    /// (Discord refuses an empty one).
    pub fn text(&mut self, text: &str, max: usize) -> Option<Value> {
        let out = cut(text, max.min(self.left));
        if out.is_empty() {
            return None;
        }
        self.left -= out.chars().count();
        Some(layout::text(&out))
    }

    /// A section titled `name` (bold, on its own line) with `value` cut to `max` and to what is
    /// left; `None` when too little is left to show some of the value.
    pub fn section(&mut self, name: &str, value: &str, max: usize) -> Option<Value> {
        let head = format!("**{name}**\n");
        let least = head.chars().count() + value.chars().count().min(Self::MIN_VALUE);
        if value.is_empty() || self.left < least {
            return None;
        }
        let value = cut(value, max.min(self.left - head.chars().count()));
        self.text(&format!("{head}{value}"), usize::MAX)
    }

    /// A section titled `name` of as many whole `lines` as fit, then how many did not and
    /// `elsewhere` (where to see them); `None` when not even the count fits.
    pub fn lines(&mut self, name: &str, lines: &[String], elsewhere: &str) -> Option<Value> {
        let head = format!("**{name}**");
        let tail = |n: usize| format!("\n…and {n} more {elsewhere}");
        let room = self.left;
        let mut out = head.clone();
        for (shown, line) in lines.iter().enumerate() {
            let rest = lines.len() - shown - 1;
            let reserve = if rest == 0 { 0 } else { tail(rest).chars().count() };
            if out.chars().count() + 1 + line.chars().count() + reserve > room {
                out.push_str(&tail(lines.len() - shown));
                break;
            }
            out.push('\n');
            out.push_str(line);
        }
        if out == head || out.chars().count() > room {
            return None;
        }
        self.text(&out, usize::MAX)
    }
}
