//! Events as a file: JSON Lines (one JSON object per line, the default) or CSV (RFC 4180, a header
//! line, the same fields in the same order; picks as `2 4`).

use super::Event;

/// How an export is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// One JSON object per line.
    #[default]
    JsonLines,
    /// Comma-separated values with a header line.
    Csv,
}

impl Format {
    /// The format named `name` (`jsonl`, `json`, `csv`).
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "jsonl" | "json" | "jsonlines" => Some(Self::JsonLines),
            "csv" => Some(Self::Csv),
            _ => None,
        }
    }

    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::JsonLines => "jsonl",
            Self::Csv => "csv",
        }
    }

    /// What comes before the first record (CSV's header line).
    pub fn header(self) -> String {
        match self {
            Self::JsonLines => String::new(),
            Self::Csv => format!("{}\r\n", COLUMNS.join(",")),
        }
    }

    /// One record, with its line end.
    pub fn record(self, event: &Event) -> String {
        match self {
            Self::JsonLines => format!("{}\n", event.to_json()),
            Self::Csv => {
                let fields: Vec<String> = csv_fields(event).iter().map(|f| quoted(f)).collect();
                format!("{}\r\n", fields.join(","))
            }
        }
    }
}

/// The CSV columns: the JSON fields, in order.
pub const COLUMNS: [&str; 18] = [
    "id",
    "type",
    "at",
    "at_ms",
    "workflow_id",
    "workflow_name",
    "run",
    "gate",
    "iteration",
    "approval",
    "card",
    "actor_id",
    "actor_name",
    "decision",
    "reason",
    "picks",
    "detail",
    "attempts",
];

fn csv_fields(event: &Event) -> Vec<String> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let number = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    vec![
        event.id.clone(),
        event.kind.as_str().to_owned(),
        event.at.clone(),
        event.at_ms.to_string(),
        text(&event.workflow_id),
        text(&event.workflow_name),
        text(&event.run),
        text(&event.gate),
        number(event.iteration),
        number(event.approval),
        text(&event.card),
        text(&event.actor_id),
        text(&event.actor_name),
        event.decision.map(|d| d.as_str().to_owned()).unwrap_or_default(),
        text(&event.reason),
        event
            .picks
            .as_ref()
            .map(|p| p.iter().map(u32::to_string).collect::<Vec<_>>().join(" "))
            .unwrap_or_default(),
        text(&event.detail),
        number(event.attempts),
    ]
}

/// A CSV field, quoted when it holds a comma, a quote or a line break. A field starting with
/// `=`, `+`, `-` or `@` gets a leading `'`, so a spreadsheet shows a reviewer's text instead of
/// running it as a formula.
fn quoted(field: &str) -> String {
    let field = if field.starts_with(['=', '+', '-', '@']) { format!("'{field}") } else { field.to_owned() };
    if field.contains([',', '"', '\n', '\r']) { format!("\"{}\"", field.replace('"', "\"\"")) } else { field }
}
