//! `/approvals status`: the last successful poll, recent errors, open gates, routes, the other
//! servers the bot is in, the version.

use crate::{
    cards::render::cut,
    discord::bridge::Bridge,
    discord::reply::{Answerable, Handled},
    guild::permissions::{ChannelLookup, survey},
    redact::redacted,
    scenario::BudgetUsage,
    store::OutboxCounts,
};

/// Answers with the bridge's state, in a few lines.
pub async fn run(bridge: &Bridge, answer: &Answerable<'_>) -> Handled<()> {
    let open = bridge.store.open_approvals().await?;
    let polls = bridge.polls.status();
    let mut lines = vec![format!("**approval-bridge {}**", env!("CARGO_PKG_VERSION"))];
    lines.push(match polls.last_success_ms {
        Some(ms) => format!("Last successful poll: <t:{}:R>.", ms / 1000),
        None => "No successful poll yet.".to_owned(),
    });
    if polls.failing_streak > 0 {
        lines.push(format!("The last {} polls failed.", polls.failing_streak));
    }
    for (at, error) in polls.recent_errors.iter().rev().take(3) {
        lines.push(format!("• <t:{}:R> {}", at / 1000, cut(&redacted(error), 300)));
    }
    if let Some((every, in_flight)) = polls.cadence {
        let why = if in_flight { "runs are in flight" } else { "no run is in flight" };
        lines.push(format!("Polling every {} s: {why}.", every.as_secs()));
    }
    if let Some(budget) = bridge.scenario.budget() {
        lines.push(budget_line(&budget.usage()));
    }
    let deleted = open.iter().filter(|a| a.card_deleted).count();
    let mut gates = format!("Open gates: {}.", open.len());
    if deleted > 0 {
        gates.push_str(&format!(" {deleted} of their cards were deleted (`/approvals repost`)."));
    }
    lines.push(gates);
    if let Some(events) = bridge.store.outbox_counts().await? {
        lines.push(events_line(events));
    }
    let routes = bridge.routes.all().len();
    lines.push(match bridge.routes.default_channel() {
        Some(channel) => format!("Routes: {routes}; other workflows go to <#{channel}>."),
        None => format!("Routes: {routes}; other workflows are not posted (no APPROVAL_CHANNEL_ID)."),
    });
    // Asked each time: an invitation to another server shows up without a restart.
    match bridge.home.other_servers(&bridge.discord).await {
        Ok(others) if others.is_empty() => {}
        Ok(others) => {
            let named: Vec<String> =
                others.iter().map(|g| format!("**{}** (`{}`)", cut(&g.name, 100), g.id)).collect();
            lines.push(format!(
                "The bot is also in {}; everything from there is refused. Remove it from servers you do not know.",
                named.join(", ")
            ));
        }
        Err(err) => {
            tracing::warn!(error = %redacted(&err), "the servers the bot is in could not be listed");
            lines.push("The other servers the bot is in could not be listed.".to_owned());
        }
    }
    lines.extend(permission_lines(bridge).await);
    answer.say(cut(&lines.join("\n"), 2000)).await?;
    Ok(())
}

/// How the delivery of events to `EVENTS_URL` stands.
fn events_line(events: OutboxCounts) -> String {
    match (events.waiting, events.parked) {
        (0, _) => "Events: all delivered.".to_owned(),
        (waiting, 0) => format!("Events: {waiting} waiting to be delivered."),
        (waiting, parked) => format!(
            "Events: {waiting} waiting to be delivered, {parked} of them parked after failing for EVENTS_PARK_AFTER_SECS \
             (the log says why; they are tried again at the next start)."
        ),
    }
}

/// The bot's permissions in every channel cards go to, asked of Discord now: a line per channel
/// that lacks something, or one line saying all is well.
async fn permission_lines(bridge: &Bridge) -> Vec<String> {
    let routed = bridge.routes.all().into_iter().map(|route| route.channel_id);
    let channels: Vec<_> = bridge.routes.default_channel().into_iter().chain(routed).collect();
    if channels.is_empty() {
        return Vec::new();
    }
    let survey = match survey(&bridge.discord, bridge.home.id(), channels).await {
        Ok(survey) => survey,
        Err(err) => {
            tracing::warn!(error = %redacted(&err), "the bot's permissions could not be read");
            return vec!["The bot's permissions could not be read from Discord.".to_owned()];
        }
    };
    let mut lines = Vec::new();
    for (channel, found) in &survey.channels {
        let place = format!("<#{channel}>");
        match found {
            Ok(lacking) => {
                lines.extend(lacking.required_line(&place, &survey.role).map(|l| format!("⚠️ {l}.")));
            }
            Err(ChannelLookup::Elsewhere) => {
                lines.push(format!(
                    "⚠️ {place} is not a channel of this server: route its workflows elsewhere."
                ));
            }
            Err(ChannelLookup::Discord(_)) => {
                lines.push(format!("The bot's permissions in {place} could not be read."))
            }
        }
    }
    if lines.is_empty() {
        let n = survey.channels.len();
        lines.push(format!(
            "Permissions: cards can be posted in {n} channel{}.",
            if n == 1 { "" } else { "s" }
        ));
    }
    lines
}

/// How much of its Scenario budget the bridge spent in the last minute, and who waits.
fn budget_line(usage: &BudgetUsage) -> String {
    let [decisions, people, polling] = usage.waiting;
    let mut line =
        format!("Scenario requests in the last minute: {} of {}.", usage.last_minute, usage.per_minute);
    if decisions + people + polling > 0 {
        line.push_str(&format!(" Waiting: {decisions} decisions, {people} for people, {polling} polling."));
    }
    if let Some(paused) = usage.paused_for {
        line.push_str(&format!(" Scenario asked to wait (HTTP 429): {} s left.", paused.as_secs().max(1)));
    }
    line
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_budget_line_names_what_waits_and_a_pause() {
        let quiet = BudgetUsage { per_minute: 60, last_minute: 12, waiting: [0, 0, 0], paused_for: None };
        assert_eq!(budget_line(&quiet), "Scenario requests in the last minute: 12 of 60.");
        let busy = BudgetUsage {
            per_minute: 60,
            last_minute: 60,
            waiting: [1, 2, 3],
            paused_for: Some(Duration::from_millis(6_500)),
        };
        assert_eq!(
            budget_line(&busy),
            "Scenario requests in the last minute: 60 of 60. Waiting: 1 decisions, 2 for people, 3 polling. \
             Scenario asked to wait (HTTP 429): 6 s left."
        );
    }
}
