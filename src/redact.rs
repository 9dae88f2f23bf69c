//! Redaction of interaction tokens and webhook URLs in text that is logged or shown.
//!
//! An interaction token lets anyone answer as the bot for 15 minutes, and it travels in the URL
//! path (`/interactions/{id}/{token}/callback`, `/webhooks/{app}/{token}/…`): serenity's and
//! reqwest's errors carry that URL, serenity's spans carry the request, and a `{:?}` of an
//! interaction carries its `token` field. Every log line goes through [`redact`] (the writer in
//! [`crate::telemetry`]), and so does every error text shown to a person.

use std::{borrow::Cow, fmt::Display};

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Path prefixes whose second segment after them is a secret token.
const TOKEN_PATHS: [&str; 2] = ["/interactions/", "/webhooks/"];

/// `value` as text, with every token in it redacted.
pub fn redacted(value: &(impl Display + ?Sized)) -> String {
    redact(&value.to_string()).into_owned()
}

/// `text` with interaction and webhook tokens replaced by [`REDACTED`]: the token segment of
/// `/interactions/{id}/{token}` and `/webhooks/{id}/{token}`, and the value of a `token` field
/// (`token: "…"`, `"token":"…"`, also escaped inside JSON).
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for prefix in TOKEN_PATHS {
        for (at, _) in text.match_indices(prefix) {
            let id_start = at + prefix.len();
            let id_end = id_start + segment_len(&text[id_start..]);
            if text[id_end..].starts_with('/') {
                let start = id_end + 1;
                spans.push((start, start + segment_len(&text[start..])));
            }
        }
    }
    for (at, _) in text.match_indices("token") {
        // A field named `token` exactly, not `has_token` or `tokens`.
        let named = !text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        if let Some(span) = field_value(text, at + "token".len()).filter(|_| named) {
            spans.push(span);
        }
    }
    // Text redacted once (an error shown, then logged) comes out the same.
    spans.retain(|(start, end)| end > start && !text[*start..].starts_with(REDACTED));
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (start, end) in spans {
        if start < copied {
            continue;
        }
        out.push_str(&text[copied..start]);
        out.push_str(REDACTED);
        copied = end;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The length of a path segment or a bare value: up to the first delimiter. Delimiters are
/// ASCII, so the cut is always on a character boundary.
fn segment_len(text: &str) -> usize {
    text.find(|c: char| c.is_whitespace() || "/?#\"'\\)>,;&}]".contains(c)).unwrap_or(text.len())
}

/// The span of the value of a `token` field whose name ends at `after`: `token: "v"`,
/// `token="v"`, `"token":"v"`, `\"token\":\"v\"`, `token=v`. `None` when no value follows, or
/// when a `:` is followed by something other than a string (`"token":null` stays valid JSON).
fn field_value(text: &str, after: usize) -> Option<(usize, usize)> {
    let quotes = |s: &str| s.len() - s.trim_start_matches(['"', '\\']).len();
    let mut at = after + quotes(&text[after..]);
    let sep = text[at..].chars().next()?;
    if sep != ':' && sep != '=' {
        return None;
    }
    at += 1;
    at += text[at..].len() - text[at..].trim_start_matches(' ').len();
    let quoted = quotes(&text[at..]);
    if sep == ':' && quoted == 0 {
        return None;
    }
    at += quoted;
    Some((at, at + segment_len(&text[at..])))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5";

    #[test]
    fn the_token_of_an_interaction_callback_url_is_redacted() {
        let text = format!(
            "error sending request for url (https://discord.com/api/v10/interactions/123/{TOKEN}/callback)"
        );
        let out = redact(&text);
        assert!(!out.contains(TOKEN), "{out}");
        assert!(out.contains("/interactions/123/[redacted]/callback"), "{out}");
    }

    #[test]
    fn the_token_of_a_webhook_url_is_redacted_with_or_without_a_rest() {
        for text in [
            format!("PATCH http://127.0.0.1:9/api/v10/webhooks/900/{TOKEN}/messages/@original: 404"),
            format!("url: \"https://discord.com/api/webhooks/900/{TOKEN}\""),
            format!("/webhooks/900/{TOKEN}?wait=true"),
        ] {
            let out = redact(&text);
            assert!(!out.contains(TOKEN), "{out}");
            assert!(out.contains("/webhooks/900/[redacted]"), "{out}");
        }
    }

    #[test]
    fn a_token_field_is_redacted_in_debug_and_json_forms() {
        for text in [
            format!("Interaction {{ id: 1, token: \"{TOKEN}\", version: 1 }}"),
            format!("{{\"id\":\"1\",\"token\":\"{TOKEN}\",\"version\":1}}"),
            format!("{{\"fields\":{{\"event\":\"{{\\\"token\\\":\\\"{TOKEN}\\\"}}\"}}}}"),
            format!("token={TOKEN}&x=1"),
        ] {
            let out = redact(&text);
            assert!(!out.contains(TOKEN), "{text} -> {out}");
            assert!(out.contains(REDACTED), "{out}");
        }
    }

    #[test]
    fn redacting_twice_changes_nothing_more() {
        let once = redact(&format!("/interactions/1/{TOKEN}/callback token: \"{TOKEN}\"")).into_owned();
        assert_eq!(redact(&once), once);
        assert_eq!(once, "/interactions/1/[redacted]/callback token: \"[redacted]\"");
    }

    #[test]
    fn other_text_is_left_alone() {
        for text in [
            "card posted in /channels/1/messages",
            "token_lifetime is 15 minutes",
            "{\"span\":{\"has_token\":true,\"token\":null}}",
            "bot_token: \"shown elsewhere\"",
            "the interactions/ page",
            "émoji ✓ /interactions/",
        ] {
            assert!(matches!(redact(text), Cow::Borrowed(_)), "{text}");
        }
    }
}
