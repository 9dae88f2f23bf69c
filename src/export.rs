//! `approval-bridge export`: every event the database holds (or those the filters keep), as JSON
//! Lines or CSV on standard output. The database is opened read-only: an export may run beside
//! the bridge, and changes nothing.

use std::io::Write;

use crate::{
    events::{DecisionKind, Filter, format::Format, parse_instant},
    store::{Store, StoreError},
};

/// The options of `approval-bridge export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// `jsonl` (one JSON object per line, the default) or `csv`.
    #[arg(long, default_value = "jsonl", value_parser = format)]
    pub format: Format,
    /// Only events at or after this date (`2026-12-01`, midnight UTC) or instant (`2026-12-01T10:00:00Z`).
    #[arg(long, value_parser = instant)]
    pub since: Option<i64>,
    /// Only events before this date or instant.
    #[arg(long, value_parser = instant)]
    pub until: Option<i64>,
    /// Only events of this workflow (its id, `wflow_…`).
    #[arg(long)]
    pub workflow: Option<String>,
    /// Only records with this decision: `approve`, `reject` or `pick`.
    #[arg(long, value_parser = decision)]
    pub decision: Option<DecisionKind>,
    /// Only events of this Discord user (their id).
    #[arg(long)]
    pub reviewer: Option<u64>,
}

impl ExportArgs {
    /// The filter these options ask for.
    pub fn filter(&self) -> Filter {
        Filter {
            since_ms: self.since,
            until_ms: self.until,
            workflow_id: self.workflow.clone(),
            decision: self.decision,
            reviewer_id: self.reviewer.and_then(|id| i64::try_from(id).ok()),
        }
    }
}

fn format(text: &str) -> Result<Format, String> {
    Format::parse(text).ok_or_else(|| format!("{text:?} is not a format: use jsonl or csv"))
}

fn instant(text: &str) -> Result<i64, String> {
    parse_instant(text).ok_or_else(|| {
        format!("{text:?} is not a date or an instant: use 2026-12-01 or 2026-12-01T10:00:00Z")
    })
}

fn decision(text: &str) -> Result<DecisionKind, String> {
    DecisionKind::parse(text)
        .ok_or_else(|| format!("{text:?} is not a decision: use approve, reject or pick"))
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The database could not be opened or read.
    #[error("the database could not be read: {0}")]
    Store(#[from] StoreError),
    /// The output could not be written.
    #[error("the export could not be written: {0}")]
    Write(#[from] std::io::Error),
}

/// Writes the events of the database at `database_url` that `args` keep to `out`; returns how
/// many.
pub async fn run(database_url: &str, args: &ExportArgs, out: &mut impl Write) -> Result<usize, ExportError> {
    let store = Store::open_read_only(database_url).await?;
    let events = store.events(&args.filter()).await;
    store.close().await;
    let events = events?;
    out.write_all(args.format.header().as_bytes())?;
    for event in &events {
        out.write_all(args.format.record(event).as_bytes())?;
    }
    out.flush()?;
    Ok(events.len())
}
