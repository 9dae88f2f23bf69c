//! `/approvals export [since] [until] [workflow] [decision] [reviewer] [format]`: the events of
//! `approval-bridge export`, as a file attached to a private answer, within the upload limit.

use serenity::all::{CommandOptionType, CreateAttachment, CreateCommandOption, EditInteractionResponse};

use super::args::Args;
use crate::{
    approvals::ids::WorkflowId,
    discord::{
        bridge::Bridge,
        refusal::Refusal,
        reply::{Answerable, Handled, refuse},
    },
    events::{DecisionKind, Filter, format::Format, parse_instant},
};

/// The options of `/approvals export` after `workflow`.
pub fn options() -> Vec<CreateCommandOption> {
    let text = |name: &str, description: &str| {
        CreateCommandOption::new(CommandOptionType::String, name, description).max_length(40)
    };
    vec![
        text("since", "From this date or instant, e.g. 2026-11-01 or 2026-11-01T09:00:00Z (UTC)"),
        text("until", "Before this date or instant"),
        text("decision", "Only decisions of this kind")
            .add_string_choice("approve", "approve")
            .add_string_choice("reject", "reject")
            .add_string_choice("pick", "pick"),
        CreateCommandOption::new(CommandOptionType::User, "reviewer", "Only this member's events"),
        text("format", "JSON Lines (the default) or CSV")
            .add_string_choice("JSON Lines", "jsonl")
            .add_string_choice("CSV", "csv"),
    ]
}

/// Answers with the events as a file, or says why there is none.
pub async fn run(bridge: &Bridge, answer: &Answerable<'_>, args: Args<'_>) -> Handled<()> {
    let (filter, format) = match read(bridge, &args) {
        Ok(asked) => asked,
        Err(refusal) => return refuse(refusal),
    };
    // Reading a long history may take longer than Discord's three seconds.
    answer.defer().await?;
    let events = bridge.store.events(&filter).await?;
    if events.is_empty() {
        answer.finish("No event recorded for that choice.").await?;
        return Ok(());
    }
    let mut file = format.header();
    for event in &events {
        file.push_str(&format.record(event));
    }
    if file.len() as u64 > bridge.upload_limit {
        answer.finish(too_large(events.len(), file.len() as u64, bridge.upload_limit)).await?;
        return Ok(());
    }
    let name = format!("approval-bridge-events.{}", format.extension());
    let text = format!("{} event{}.", events.len(), if events.len() == 1 { "" } else { "s" });
    let file = CreateAttachment::bytes(file.into_bytes(), name);
    answer.edit(EditInteractionResponse::new().content(text).new_attachment(file)).await?;
    Ok(())
}

/// The filter and format asked for, or which option is wrong.
fn read(bridge: &Bridge, args: &Args<'_>) -> Result<(Filter, Format), Refusal> {
    let instant = |option: &'static str| match args.string(option) {
        None => Ok(None),
        Some(text) => parse_instant(text).map(Some).ok_or_else(|| Refusal::BadOption {
            option,
            why: "use a date like 2026-11-01 or an instant like 2026-11-01T09:00:00Z (UTC)".into(),
        }),
    };
    // A name typed by hand (not picked from the list) is matched against the routes.
    let workflow_id = args.string("workflow").map(|typed| {
        let routes = bridge.routes.all();
        let named = routes.into_iter().find(|w| w.workflow_name.eq_ignore_ascii_case(typed));
        named.map_or_else(|| WorkflowId::new(typed), |w| w.workflow_id).as_str().to_owned()
    });
    let filter = Filter {
        since_ms: instant("since")?,
        until_ms: instant("until")?,
        workflow_id,
        decision: args.string("decision").and_then(DecisionKind::parse),
        reviewer_id: args.user("reviewer").map(|user| user.get() as i64),
    };
    let format = args.string("format").and_then(Format::parse).unwrap_or_default();
    Ok((filter, format))
}

/// Why a range too large is not attached, and how to narrow it.
fn too_large(events: usize, bytes: u64, limit: u64) -> String {
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    format!(
        "These {events} events make a file of {:.1} MiB, more than the {:.0} MiB Discord takes in one upload here; \
         nothing was attached. Narrow the range with `since` and `until` (e.g. one month at a time), or choose a \
         `workflow`, `decision` or `reviewer`; `approval-bridge export` on the bridge's host has no limit.",
        mib(bytes),
        mib(limit)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_too_large_says_how_big_and_how_to_narrow_it() {
        let text = too_large(30_000, 12 * 1024 * 1024, 10 * 1024 * 1024);
        assert!(
            text.contains("30000 events") && text.contains("12.0 MiB") && text.contains("10 MiB"),
            "{text}"
        );
        assert!(text.contains("`since` and `until`") && text.len() <= 2000, "{text}");
    }
}
