//! Text from Scenario (prompts, workflow and node names, candidates, link targets) shown on
//! Discord as it was written: never as formatting, a mention or a masked link.
//!
//! Anyone who can build a Scenario workflow writes this text; rendered as markdown, a prompt
//! could draw fake card lines, ping `@everyone`, or hide a phishing URL behind a friendly label.
//! Discord's markdown takes a backslash before any punctuation as "this character as it is"
//! (<https://support.discord.com/hc/en-us/articles/210298617>), so every character that starts
//! formatting is escaped; `@` is followed by a zero-width space so no mention forms.

use url::Url;

/// Characters that start Discord formatting, a link or a mention: each is shown escaped.
const SPECIAL: &[char] =
    &['\\', '*', '_', '~', '`', '|', '>', '<', '#', '-', '[', ']', '(', ')', '.', '+', '!', ':', '='];

/// `raw` as plain text in a message or embed: every formatting character escaped, no mention,
/// no link (a URL stays readable, host included, but is not clickable).
pub fn text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + raw.len() / 8);
    for c in raw.chars() {
        match c {
            '@' => out.push_str("@\u{200B}"),
            c if SPECIAL.contains(&c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// `raw` inside an inline code span (`` `…` ``), where markdown is not read: only a backtick
/// would end the span early, so backticks become `ˋ`.
pub fn code(raw: &str) -> String {
    raw.replace('`', "ˋ")
}

/// A link labelled `label` (the bridge's own words) to `url`, with the host shown beside it, so
/// a reader sees where it goes before clicking. Only http(s) URLs are linked.
pub fn link(label: &str, url: &Url) -> String {
    match (url.scheme(), url.host_str()) {
        ("http" | "https", Some(host)) => {
            // A parenthesis would end the link's target early; encoded, it is the same URL.
            let target = url.as_str().replace('(', "%28").replace(')', "%29");
            format!("[{}]({target}) ({})", text(label), text(host))
        }
        _ => text(label),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_mentions_and_masked_links_are_escaped() {
        let prompt = "# Title\n@everyone look: [free nitro](https://evil.example/x) **bold** `code`\n```rust\nfn\n```\n> quote\n- item <@123> <@&9>";
        let shown = text(prompt);
        assert!(!shown.contains("@everyone"), "{shown}");
        assert!(!shown.contains("@1") && !shown.contains("@&") && shown.contains("\\<@"), "{shown}");
        assert!(!shown.contains("]("), "{shown}");
        assert!(!shown.contains("**"), "{shown}");
        assert!(!shown.contains("```"), "{shown}");
        assert!(shown.starts_with("\\# Title\n"), "{shown}");
        assert!(shown.contains("\n\\> quote\n\\- item"), "{shown}");
        assert!(shown.contains("evil\\.example"), "the host stays readable: {shown}");
        // Removing the escapes gives back the prompt: nothing is lost, only shown as written.
        let unescaped = {
            let mut out = String::new();
            let mut chars = shown.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => out.extend(chars.next()),
                    '\u{200B}' => {}
                    c => out.push(c),
                }
            }
            out
        };
        assert_eq!(unescaped, prompt);
    }

    #[test]
    fn a_code_span_cannot_be_closed_early() {
        assert_eq!(code("node`](x)"), "nodeˋ](x)");
    }

    #[test]
    fn a_link_shows_its_host_and_only_web_urls_are_linked() {
        let url = Url::parse("https://cdn.cloud.scenario.com/a.png?Signature=x").unwrap();
        assert_eq!(
            link("Image 1", &url),
            "[Image 1](https://cdn.cloud.scenario.com/a.png?Signature=x) (cdn\\.cloud\\.scenario\\.com)"
        );
        let paren = Url::parse("https://cdn.example/a)[x](https://evil.example").unwrap();
        assert!(
            link("Image 1", &paren)
                .starts_with("[Image 1](https://cdn.example/a%29[x]%28https://evil.example) (")
        );
        let other = Url::parse("javascript:alert(1)").unwrap();
        assert_eq!(link("Image 1", &other), "Image 1");
    }
}
