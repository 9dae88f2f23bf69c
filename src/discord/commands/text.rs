//! Answers that fit Discord's 2000 characters by construction: lines that do not fit are left
//! out and counted, never cut in the middle of a link.

use serenity::all::RoleId;

use crate::cards::render::cut;

/// Most characters in a message's content.
pub const MAX_CONTENT: usize = 2000;
/// Most characters of the header line.
pub const HEADER_CHARS: usize = 200;
/// Most characters of the footer line.
pub const FOOTER_CHARS: usize = 150;
/// What the "…and N more." note and the line breaks may take.
const NOTE_CHARS: usize = 40;

/// `header`, as many `lines` as fit, a note counting the rest, and `footer` (if not empty).
pub fn fit(header: &str, lines: &[String], footer: &str) -> String {
    let budget = MAX_CONTENT - FOOTER_CHARS - NOTE_CHARS;
    let mut out = cut(header, HEADER_CHARS);
    let mut used = out.chars().count();
    let mut shown = 0;
    for line in lines {
        let len = line.chars().count() + 1;
        if used + len > budget {
            break;
        }
        out.push('\n');
        out.push_str(line);
        used += len;
        shown += 1;
    }
    if shown < lines.len() {
        out.push_str(&format!("\n…and {} more.", lines.len() - shown));
    }
    if !footer.is_empty() {
        out.push('\n');
        out.push_str(&cut(footer, FOOTER_CHARS));
    }
    out
}

/// A role as a mention, or who decides without one.
pub fn deciders(role: Option<RoleId>, defaults: &[RoleId]) -> String {
    match (role, defaults) {
        (Some(role), _) => format!("<@&{role}>"),
        (None, []) => "members with Manage Server".to_owned(),
        (None, roles) => {
            let roles: Vec<String> = roles.iter().map(|r| format!("<@&{r}>")).collect();
            format!("the default reviewers ({})", roles.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whatever_is_given_the_answer_fits_and_counts_what_it_leaves_out() {
        let lines: Vec<String> = (0..500).map(|i| format!("{i} {}", "é".repeat(300))).collect();
        let text = fit(&"h".repeat(5000), &lines, &"f".repeat(5000));
        assert!(text.chars().count() <= MAX_CONTENT, "{}", text.chars().count());
        assert!(text.contains("more."), "{text}");
        assert_eq!(fit("head", &["a".into(), "b".into()], ""), "head\na\nb");
    }

    #[test]
    fn deciders_are_the_route_role_else_the_defaults_else_admins() {
        let (one, two, five) = (RoleId::new(1), RoleId::new(2), RoleId::new(5));
        assert_eq!(deciders(Some(five), &[one]), "<@&5>");
        assert_eq!(deciders(None, &[one, two]), "the default reviewers (<@&1>, <@&2>)");
        assert_eq!(deciders(None, &[]), "members with Manage Server");
    }
}
