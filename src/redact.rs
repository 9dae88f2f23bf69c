//! Redaction of interaction tokens, webhook URLs and passwords in text that is logged or shown.
//!
//! An interaction token lets anyone answer as the bot for 15 minutes, and it travels in the URL
//! path (`/interactions/{id}/{token}/callback`, `/webhooks/{app}/{token}/…`): serenity's and
//! reqwest's errors carry that URL, serenity's spans carry the request, and a `{:?}` of an
//! interaction carries its `token` field. A database URL carries its password in the userinfo
//! (`postgres://bridge:pw@db/…`) or as a `password=` parameter. Every log line goes through
//! [`redact`] (the writer in [`crate::telemetry`]), and so does every error text shown to a
//! person.

use std::{borrow::Cow, fmt::Display};

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Path prefixes whose second segment after them is a secret token.
const TOKEN_PATHS: [&str; 2] = ["/interactions/", "/webhooks/"];

/// `value` as text, with every token in it redacted.
pub fn redacted(value: &(impl Display + ?Sized)) -> String {
    redact(&value.to_string()).into_owned()
}

/// Field names whose value is a secret.
const SECRET_FIELDS: [&str; 2] = ["token", "password"];

/// `text` with secrets replaced by [`REDACTED`]: the token segment of
/// `/interactions/{id}/{token}` and `/webhooks/{id}/{token}`, the password of a URL's userinfo
/// (`scheme://user:password@host`), and the value of a `token` or `password` field (`token:
/// "…"`, `"token":"…"`, `password=…`, also escaped inside JSON).
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
    for field in SECRET_FIELDS {
        for (at, _) in text.match_indices(field) {
            // A field named `token` exactly, not `has_token` or `tokens`.
            let named = !text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
            if let Some(span) = field_value(text, at + field.len()).filter(|_| named) {
                spans.push(span);
            }
        }
    }
    for (at, _) in text.match_indices("://") {
        spans.extend(userinfo_password(text, at + "://".len()));
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

/// The span of the password in the authority that starts at `start` (`user:password@host`), if
/// it has one. The authority ends at the first `/`, `?`, `#`, quote or space; its userinfo at its
/// last `@` (a password may hold an `@` of its own).
fn userinfo_password(text: &str, start: usize) -> Option<(usize, usize)> {
    let rest = &text[start..];
    let authority =
        &rest[..rest.find(|c: char| c.is_whitespace() || "/?#\"'\\>)]".contains(c)).unwrap_or(rest.len())];
    let userinfo = &authority[..authority.rfind('@')?];
    let colon = userinfo.find(':')?;
    Some((start + colon + 1, start + userinfo.len()))
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
    fn a_password_in_a_urls_userinfo_or_a_password_parameter_is_redacted() {
        for (text, shown) in [
            (
                "opening postgres://bridge:s3cr%40t@db:5432/bridge failed",
                "postgres://bridge:[redacted]@db:5432/bridge",
            ),
            ("url=\"postgresql://u:p@ss@db/x\"", "postgresql://u:[redacted]@db/x"),
            (
                "postgres://db/bridge?user=bridge&password=s3cret&sslmode=require",
                "password=[redacted]&sslmode",
            ),
            ("{\"password\":\"s3cret\"}", "\"password\":\"[redacted]\""),
        ] {
            let out = redact(text);
            assert!(!out.contains("s3cr") && !out.contains("ss@db"), "{text} -> {out}");
            assert!(out.contains(shown), "{text} -> {out}");
        }
        for text in ["postgres://bridge@db/bridge", "https://discord.com/api", "sqlite://approval-bridge.db"]
        {
            assert!(matches!(redact(text), Cow::Borrowed(_)), "{text}");
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
