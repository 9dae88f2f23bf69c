//! Discord's limits that serenity does not check, applied to message, modal and autocomplete
//! bodies. Limits from <https://discord.com/developers/docs/resources/message#create-message>,
//! <https://discord.com/developers/docs/resources/message#embed-object-embed-limits> and
//! <https://discord.com/developers/docs/interactions/message-components>.

use std::collections::HashSet;

use serde_json::Value;

use super::errors::{ApiError, FormErrors, path};

/// Most characters in `content`.
pub const MAX_CONTENT: usize = 2000;
/// Most embeds in one message.
pub const MAX_EMBEDS: usize = 10;
/// Most characters summed over the embeds of one message.
pub const MAX_EMBED_TOTAL: usize = 6000;
/// Most action rows in a message, and most buttons in a row.
pub const MAX_ROWS: usize = 5;
/// Most choices in one autocomplete result.
pub const MAX_CHOICES: usize = 25;

fn chars(value: &Value) -> usize {
    value.as_str().map_or(0, |s| s.chars().count())
}

fn too_long(errs: &mut FormErrors, at: Vec<String>, value: &Value, max: usize) -> usize {
    let n = chars(value);
    if n > max {
        errs.push(at, "BASE_TYPE_MAX_LENGTH", format!("Must be {max} or fewer in length."));
    }
    n
}

/// Checks a request body against the rules of its route (an OpenAPI path template).
pub(super) fn check_route(route: &str, body: &Value, errs: &mut FormErrors) {
    match route {
        "/channels/{channel_id}/messages"
        | "/channels/{channel_id}/messages/{message_id}"
        | "/webhooks/{webhook_id}/{webhook_token}"
        | "/webhooks/{webhook_id}/{webhook_token}/messages/@original"
        | "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}" => check_message(body, &[], errs),
        "/interactions/{interaction_id}/{interaction_token}/callback" => match body["type"].as_u64() {
            Some(4 | 7) => check_message(&body["data"], &["data".to_owned()], errs),
            Some(8) => check_autocomplete(&body["data"], errs),
            Some(9) => check_modal(&body["data"], errs),
            _ => {}
        },
        _ => {}
    }
}

/// Checks the parts of a message create or edit body that are present; `at` prefixes paths.
fn check_message(body: &Value, at: &[String], errs: &mut FormErrors) {
    too_long(errs, path(at, &["content"]), &body["content"], MAX_CONTENT);
    if let Some(embeds) = body["embeds"].as_array() {
        check_embeds(embeds, at, errs);
    }
    if super::layout::is_v2(&body["flags"]) {
        super::layout::check(body, at, errs);
        let all = super::layout::flatten(&body["components"]);
        let rows: Vec<Value> = all.into_iter().filter(|c| c["type"] == 1).collect();
        check_rows(&rows, usize::MAX, at, errs);
    } else if let Some(rows) = body["components"].as_array() {
        check_rows(rows, MAX_ROWS, at, errs);
    }
}

/// A new message needs content, an embed, a component, a sticker, a poll or a file.
pub(super) fn check_not_empty(body: &Value, files: usize) -> Result<(), ApiError> {
    let present = |key: &str| match &body[key] {
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Null => false,
        _ => true,
    };
    let any = ["content", "embeds", "components", "sticker_ids", "poll"].iter().any(|k| present(k));
    if any || files > 0 { Ok(()) } else { Err(ApiError::empty_message()) }
}

fn check_embeds(embeds: &[Value], prefix: &[String], errs: &mut FormErrors) {
    if embeds.len() > MAX_EMBEDS {
        let msg = format!("Must be {MAX_EMBEDS} or fewer in length.");
        errs.push(path(prefix, &["embeds"]), "BASE_TYPE_MAX_LENGTH", msg);
    }
    let mut total = 0;
    for (i, embed) in embeds.iter().enumerate() {
        let at = path(prefix, &["embeds", &i.to_string()]);
        total += too_long(errs, path(&at, &["title"]), &embed["title"], 256);
        total += too_long(errs, path(&at, &["description"]), &embed["description"], 4096);
        total += too_long(errs, path(&at, &["footer", "text"]), &embed["footer"]["text"], 2048);
        total += too_long(errs, path(&at, &["author", "name"]), &embed["author"]["name"], 256);
        let fields = embed["fields"].as_array().map(Vec::as_slice).unwrap_or_default();
        if fields.len() > 25 {
            let msg = "Must be 25 or fewer in length.";
            errs.push(path(&at, &["fields"]), "BASE_TYPE_MAX_LENGTH", msg);
        }
        for (j, field) in fields.iter().enumerate() {
            let at = path(&at, &["fields", &j.to_string()]);
            for (key, max) in [("name", 256), ("value", 1024)] {
                if chars(&field[key]) == 0 {
                    errs.push(path(&at, &[key]), "BASE_TYPE_REQUIRED", "This field is required");
                }
                total += too_long(errs, path(&at, &[key]), &field[key], max);
            }
        }
    }
    if total > MAX_EMBED_TOTAL {
        let msg = format!("Embed size exceeds maximum size of {MAX_EMBED_TOTAL}");
        errs.push(path(prefix, &["embeds"]), "MAX_EMBED_SIZE_EXCEEDED", msg);
    }
}

fn check_custom_id(errs: &mut FormErrors, at: &[String], c: &Value, seen: &mut HashSet<String>) {
    let id = c["custom_id"].as_str().unwrap_or_default();
    let n = id.chars().count();
    if !(1..=100).contains(&n) {
        let msg = "Must be between 1 and 100 in length.";
        errs.push(path(at, &["custom_id"]), "BASE_TYPE_BAD_LENGTH", msg);
    } else if !seen.insert(id.to_owned()) {
        let msg = "Component custom id cannot be duplicated";
        errs.push(path(at, &["custom_id"]), "COMPONENT_CUSTOM_ID_DUPLICATED", msg);
    }
}

/// Action rows: at most `max_rows` (five in a message of the older layout, where they are the
/// only components), each of one to five buttons or one select.
pub(super) fn check_rows(rows: &[Value], max_rows: usize, prefix: &[String], errs: &mut FormErrors) {
    if rows.len() > max_rows {
        let msg = format!("Must be {max_rows} or fewer in length.");
        errs.push(path(prefix, &["components"]), "BASE_TYPE_BAD_LENGTH", msg);
    }
    let mut seen = HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        let at = path(prefix, &["components", &i.to_string()]);
        if row["type"] != 1 {
            let msg = "Value of field \"type\" must be one of (1,).";
            errs.push(path(&at, &["type"]), "BASE_TYPE_CHOICES", msg);
            continue;
        }
        let items = row["components"].as_array().map(Vec::as_slice).unwrap_or_default();
        if !(1..=MAX_ROWS).contains(&items.len()) {
            let msg = format!("Must be between 1 and {MAX_ROWS} in length.");
            errs.push(path(&at, &["components"]), "BASE_TYPE_BAD_LENGTH", msg);
        }
        for (j, item) in items.iter().enumerate() {
            let at = path(&at, &["components", &j.to_string()]);
            check_component(item, items.len(), &at, &mut seen, errs);
        }
    }
}

fn check_component(
    c: &Value,
    row_len: usize,
    at: &[String],
    seen: &mut HashSet<String>,
    errs: &mut FormErrors,
) {
    match c["type"].as_u64() {
        Some(2) => {
            too_long(errs, path(at, &["label"]), &c["label"], 80);
            match c["style"].as_u64() {
                Some(5) if c["url"].is_string() && c.get("custom_id").is_none() => {}
                Some(5) => {
                    errs.push(path(at, &["url"]), "BUTTON_COMPONENT_URL_REQUIRED", "A url is required")
                }
                Some(6) => {}
                _ => check_custom_id(errs, at, c, seen),
            }
        }
        Some(3 | 5 | 6 | 7 | 8) => {
            check_custom_id(errs, at, c, seen);
            check_select(c, at, errs);
            if row_len > 1 {
                let msg = "The specified component exceeds the maximum width";
                errs.push(at.to_vec(), "COMPONENT_LAYOUT_WIDTH_EXCEEDED", msg);
            }
        }
        _ => {
            let msg = "Value of field \"type\" must be one of (2, 3, 5, 6, 7, 8).";
            errs.push(path(at, &["type"]), "BASE_TYPE_CHOICES", msg);
        }
    }
}

/// Most options in a string select, and the range of its `min_values` / `max_values`.
pub const MAX_SELECT_OPTIONS: usize = 25;

/// A select menu: placeholder ≤ 150; `min_values` 0–25, `max_values` 1–25, min ≤ max; for a
/// string select (type 3) 1–25 options with labels and values of 1–100 characters, descriptions
/// ≤ 100, values unique, and `max_values` no more than the options.
fn check_select(c: &Value, at: &[String], errs: &mut FormErrors) {
    too_long(errs, path(at, &["placeholder"]), &c["placeholder"], 150);
    let (min, max) = (c["min_values"].as_u64().unwrap_or(1), c["max_values"].as_u64().unwrap_or(1));
    if min > MAX_SELECT_OPTIONS as u64 {
        errs.push(
            path(at, &["min_values"]),
            "NUMBER_TYPE_MAX",
            "int value should be less than or equal to 25.",
        );
    }
    if !(1..=MAX_SELECT_OPTIONS as u64).contains(&max) {
        errs.push(path(at, &["max_values"]), "NUMBER_TYPE_MAX", "int value should be between 1 and 25.");
    }
    if min > max {
        errs.push(
            path(at, &["min_values"]),
            "SELECT_COMPONENT_MIN_VALUES_TOO_HIGH",
            "min_values exceeds max_values",
        );
    }
    if c["type"] != 3 {
        return;
    }
    let options = c["options"].as_array().map(Vec::as_slice).unwrap_or_default();
    if !(1..=MAX_SELECT_OPTIONS).contains(&options.len()) {
        let msg = format!("Must be between 1 and {MAX_SELECT_OPTIONS} in length.");
        errs.push(path(at, &["options"]), "BASE_TYPE_BAD_LENGTH", msg);
    }
    if max as usize > options.len() {
        let msg = "The specified max_values exceeds the number of options";
        errs.push(path(at, &["max_values"]), "SELECT_COMPONENT_TOO_MANY_VALUES", msg);
    }
    let mut values = HashSet::new();
    for (i, option) in options.iter().enumerate() {
        let at = path(at, &["options", &i.to_string()]);
        for name in ["label", "value"] {
            let n = chars(&option[name]);
            if !(1..=100).contains(&n) {
                errs.push(path(&at, &[name]), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.");
            }
        }
        too_long(errs, path(&at, &["description"]), &option["description"], 100);
        if !values.insert(option["value"].as_str().unwrap_or_default().to_owned()) {
            errs.push(
                path(&at, &["value"]),
                "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                "Option values must be unique",
            );
        }
    }
}

/// A modal (callback type 9): title 1–45, custom_id 1–100, 1–5 rows of one text input each.
fn check_modal(data: &Value, errs: &mut FormErrors) {
    let at = path(&[], &["data"]);
    let title = chars(&data["title"]);
    if !(1..=45).contains(&title) {
        let msg = "Must be between 1 and 45 in length.";
        errs.push(path(&at, &["title"]), "BASE_TYPE_BAD_LENGTH", msg);
    }
    check_custom_id(errs, &at, data, &mut HashSet::new());
    let rows = data["components"].as_array().map(Vec::as_slice).unwrap_or_default();
    if !(1..=5).contains(&rows.len()) {
        let msg = "Must be between 1 and 5 in length.";
        errs.push(path(&at, &["components"]), "BASE_TYPE_BAD_LENGTH", msg);
    }
    let mut seen = HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        let at = path(&at, &["components", &i.to_string()]);
        let inputs = row["components"].as_array().map(Vec::as_slice).unwrap_or_default();
        if row["type"] != 1 || inputs.len() != 1 || inputs[0]["type"] != 4 {
            let msg = "A modal row holds exactly one text input";
            errs.push(at.clone(), "COMPONENT_LAYOUT_WIDTH_EXCEEDED", msg);
            continue;
        }
        let at = path(&at, &["components", "0"]);
        check_custom_id(errs, &at, &inputs[0], &mut seen);
        too_long(errs, path(&at, &["label"]), &inputs[0]["label"], 45);
        too_long(errs, path(&at, &["value"]), &inputs[0]["value"], 4000);
        too_long(errs, path(&at, &["placeholder"]), &inputs[0]["placeholder"], 100);
    }
}

/// An autocomplete result (callback type 8): at most 25 choices, names 1–100 characters.
fn check_autocomplete(data: &Value, errs: &mut FormErrors) {
    let choices = data["choices"].as_array().map(Vec::as_slice).unwrap_or_default();
    if choices.len() > MAX_CHOICES {
        let msg = format!("Must be {MAX_CHOICES} or fewer in length.");
        errs.push(path(&[], &["data", "choices"]), "BASE_TYPE_MAX_LENGTH", msg);
    }
    for (i, choice) in choices.iter().enumerate() {
        let at = path(&[], &["data", "choices", &i.to_string()]);
        if !(1..=100).contains(&chars(&choice["name"])) {
            let msg = "Must be between 1 and 100 in length.";
            errs.push(path(&at, &["name"]), "BASE_TYPE_BAD_LENGTH", msg);
        }
        too_long(errs, path(&at, &["value"]), &choice["value"], 100);
    }
}
