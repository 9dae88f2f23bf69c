//! Discord's message layout of components ("Components V2") as JSON. serenity 0.12 has no
//! builders for it, and its HTTP client sends any serialisable body, so cards are built here as
//! plain values: one function per component type, each with only the fields Discord documents
//! (<https://discord.com/developers/docs/components/reference>).
//!
//! A message with the flag [`IS_COMPONENTS_V2`] holds no `content` and no embeds; everything it
//! shows is a component, and an attachment is shown only where a component names it
//! (`attachment://name`). The flag cannot be removed once set.

use serde_json::{Value, json};

/// The message flag of the component layout, <https://discord.com/developers/docs/resources/message#message-object-message-flags>
pub const IS_COMPONENTS_V2: u64 = 1 << 15;

/// Button styles used on cards.
#[derive(Debug, Clone, Copy)]
pub enum Style {
    /// Green.
    Success = 3,
    /// Red.
    Danger = 4,
    /// Grey.
    Secondary = 2,
}

/// A container (type 17): the card's frame, its accent colour on the left edge.
pub fn container(accent: u32, components: Vec<Value>) -> Value {
    json!({ "type": 17, "accent_color": accent, "components": components })
}

/// A text display (type 10): markdown, counted towards the message's 4000 characters.
pub fn text(content: &str) -> Value {
    json!({ "type": 10, "content": content })
}

/// A separator (type 14): a thin line with small spacing.
pub fn separator() -> Value {
    json!({ "type": 14, "divider": true, "spacing": 1 })
}

/// One picture of a gallery: the message's attachment `filename`, described by `description`
/// (what a screen reader says, and the picture's caption when opened).
pub fn gallery_item(filename: &str, description: &str) -> Value {
    json!({ "media": { "url": format!("attachment://{filename}") }, "description": description })
}

/// A media gallery (type 12) of 1 to 10 pictures, shown as a grid.
pub fn gallery(items: Vec<Value>) -> Value {
    json!({ "type": 12, "items": items })
}

/// An action row (type 1): up to five buttons, or one select menu.
pub fn row(components: Vec<Value>) -> Value {
    json!({ "type": 1, "components": components })
}

/// A button (type 2) that sends `custom_id` when clicked.
pub fn button(custom_id: &str, label: &str, style: Style) -> Value {
    json!({ "type": 2, "custom_id": custom_id, "label": label, "style": style as u8 })
}

/// A string select (type 3) of `options` ([`option`]), picking from `min` to `max` of them.
pub fn string_select(custom_id: &str, placeholder: &str, options: Vec<Value>, min: u8, max: u8) -> Value {
    json!({
        "type": 3,
        "custom_id": custom_id,
        "placeholder": placeholder,
        "options": options,
        "min_values": min,
        "max_values": max,
    })
}

/// One option of a string select.
pub fn option(label: &str, value: &str) -> Value {
    json!({ "label": label, "value": value })
}

/// Measures of a message's components, for tests of the limits.
#[cfg(test)]
pub mod measure {
    use serde_json::Value;

    /// Components counted as Discord counts them: every component, nested ones included
    /// (a gallery's pictures and a select's options are not components).
    pub fn components(list: &[Value]) -> usize {
        list.iter().map(|c| 1 + c["components"].as_array().map_or(0, |inner| components(inner))).sum()
    }

    /// Characters of every text display, nested ones included.
    pub fn text_chars(list: &[Value]) -> usize {
        list.iter()
            .map(|c| {
                let own =
                    if c["type"] == 10 { c["content"].as_str().map_or(0, |s| s.chars().count()) } else { 0 };
                own + c["components"].as_array().map_or(0, |inner| text_chars(inner))
            })
            .sum()
    }

    /// Every component of `list` of `kind`, nested ones included, in order.
    pub fn of_type(list: &[Value], kind: u64) -> Vec<Value> {
        let mut found = Vec::new();
        for c in list {
            if c["type"] == kind {
                found.push(c.clone());
            }
            found.extend(c["components"].as_array().map(|inner| of_type(inner, kind)).unwrap_or_default());
        }
        found
    }
}
