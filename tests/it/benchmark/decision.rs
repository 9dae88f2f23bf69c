//! Decision latency: from a click's INTERACTION_CREATE dispatch to its acknowledgement (the
//! callback) and to the PUT arriving at the fake Scenario, one click per card, one click at a time
//! and 50 at a time, against the bridge binary: one process on SQLite over the gateway, and two
//! replicas on PostgreSQL taking the clicks by signed POST in turn.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{
    Scale,
    child::{Child, Rig},
    report::{Row, Samples, ms},
};
use crate::support::{
    app::button,
    fake_discord::{GuildMember, InteractionHandle, http_delivery},
    fake_receiver::{FakeReceiver, SECRET},
    fake_scenario::{Endpoint, FlowTemplate},
    postgres::TempSchema,
    wait::within,
};

const ACK_TARGET: Duration = Duration::from_millis(50);
const PUT_TARGET: Duration = Duration::from_millis(100);

/// A card to click: its message, its Approve button, its run.
struct Card {
    message_id: u64,
    approve: String,
    job_id: String,
}

/// The rows: acknowledgement and PUT, sequential and concurrent, for one process on SQLite and
/// for two replicas on PostgreSQL.
pub async fn run(scale: &Scale) -> Vec<Row> {
    let mut rows = match measure(scale.decision_clicks, None, false).await {
        Ok(rows) => rows,
        Err(why) => vec![Row::failed("Decision latency", why, "")],
    };
    // The same clicks with every event POSTed to a local receiver meanwhile.
    match measure(scale.decision_clicks, None, true).await {
        Ok(with_events) => rows.extend(with_events),
        Err(why) => rows.push(Row::failed("Decision latency, events on", why, "")),
    }
    let Some(schema) = TempSchema::create("benchmark: decisions on two replicas").await else { return rows };
    match measure(scale.decision_clicks, Some(&schema), false).await {
        Ok(replicas) => rows.extend(replicas),
        Err(why) => rows.push(Row::failed("Decision latency, 2 replicas on PostgreSQL", why, "")),
    }
    rows
}

/// Measures one bridge on SQLite, or two replicas on `postgres` behind the endpoint; with
/// `events`, the bridge on SQLite POSTs every event to a local receiver.
async fn measure(clicks: usize, postgres: Option<&TempSchema>, events: bool) -> Result<Vec<Row>, String> {
    let rig = Rig::new().await;
    let receiver = FakeReceiver::start().await;
    let workflow = rig.scenario.add_workflow("Benchmark", FlowTemplate::single_gate());
    // One more card than measured: its click warms the fake up (schema validators compile on
    // first use), which would otherwise count against the bridge.
    rig.scenario.seed_runs(&workflow, clicks * 2 + 1, 1);
    // One pass at start-up posts every card; no other pass runs while clicks are measured.
    let (mut child, _replica) = match postgres {
        None => {
            let mut env = rig.env(3600);
            if events {
                env.insert("EVENTS_URL", receiver.url());
                env.insert("EVENTS_SECRET", SECRET.to_owned());
            }
            let mut child = Child::spawn(&env, rig.dir.path());
            rig.wait_for_ready(&mut child).await;
            (child, None)
        }
        Some(schema) => {
            let (leader, replica) = replicas(&rig, schema).await?;
            (leader, Some(replica))
        }
    };
    let setup = match (postgres.is_some(), events) {
        (true, _) => ", 2 replicas on PostgreSQL",
        (false, true) => ", events on",
        (false, false) => "",
    };
    if !rig.wait_for_cards(clicks * 2 + 1, Duration::from_secs(300)).await {
        return Err(format!("the cards were not posted; log:\n{}", child.log_tail()));
    }
    let mut cards: Vec<Card> = rig.discord.messages_in(rig.channel).iter().filter_map(card).collect();
    if cards.len() != clicks * 2 + 1 {
        return Err(format!("{} cards with an Approve button, not {}", cards.len(), clicks * 2 + 1));
    }
    let reviewer = GuildMember::new("ana").with_roles(&[rig.reviewer_role]);
    let warm_up = cards.remove(0);
    drive(&rig, &reviewer, std::slice::from_ref(&warm_up), 1).await?;
    let concurrent_cards = cards.split_off(clicks);
    let mut rows = Vec::new();
    for (label, cards, at_once) in [("sequential", cards, 1), ("50 concurrent", concurrent_cards, 50)] {
        let clicked = drive(&rig, &reviewer, &cards, at_once).await?;
        rows.extend(latencies(&rig, &cards, &clicked, &format!("{label}{setup}"), &mut child)?);
    }
    Ok(rows)
}

/// Two replicas on `schema` taking interactions by POST, one after the other; the first holds
/// the lease (and posts the cards).
async fn replicas(rig: &Rig, schema: &TempSchema) -> Result<(Child, Child), String> {
    let mut urls = Vec::new();
    let mut children = Vec::new();
    for _ in 0..2 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let mut env = rig.env(3600);
        env.insert("DATABASE_URL", schema.url());
        env.insert("INTERACTIONS_ADDR", format!("127.0.0.1:{port}"));
        env.insert("DISCORD_PUBLIC_KEY", http_delivery::public_key());
        let mut child = Child::spawn(&env, rig.dir.path());
        let listening = within(Duration::from_secs(30), async || {
            tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()
        });
        if listening.await.is_none() {
            return Err(format!("a replica never listened; log:\n{}", child.log_tail()));
        }
        urls.push(format!("http://127.0.0.1:{port}/interactions"));
        children.push(child);
    }
    rig.discord.deliver_interactions_to_each(&urls);
    let second = children.pop().ok_or("no replica")?;
    Ok((children.pop().ok_or("no replica")?, second))
}

fn card(message: &Value) -> Option<Card> {
    let footer = crate::support::card_view::footer(message);
    let job_id = footer.rsplit_once("run ")?.1.trim().to_owned();
    let message_id = message["id"].as_str()?.parse().ok()?;
    Some(Card { message_id, approve: button(message, "Approve")?, job_id })
}

/// Clicks Approve on every card, `at_once` clicks in flight at a time; a click is over when the
/// bridge edits its deferred answer. Returns the clicks in card order.
async fn drive(
    rig: &Rig,
    reviewer: &GuildMember,
    cards: &[Card],
    at_once: usize,
) -> Result<Vec<InteractionHandle>, String> {
    let mut cursor = rig.discord.requests().len();
    let mut next = 0;
    let mut clicked = Vec::with_capacity(cards.len());
    let mut in_flight: HashMap<String, usize> = HashMap::new();
    let mut last_progress = Instant::now();
    while next < cards.len() || !in_flight.is_empty() {
        while in_flight.len() < at_once && next < cards.len() {
            let card = &cards[next];
            let click = rig.discord.click_button(reviewer, rig.channel, card.message_id, &card.approve).await;
            in_flight.insert(click.token.clone(), next);
            clicked.push(click);
            next += 1;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
        for request in rig.discord.requests_since(cursor) {
            cursor = request.seq + 1;
            let finished = request.method == "PATCH" && request.path.ends_with("/messages/@original");
            if let Some(token) = request.path.split('/').nth(3).filter(|_| finished) {
                if in_flight.remove(token).is_some() {
                    last_progress = Instant::now();
                }
            }
        }
        if last_progress.elapsed() > Duration::from_secs(20) {
            return Err(format!("{} clicks got no answer in 20 s", in_flight.len()));
        }
    }
    Ok(clicked)
}

/// Acknowledgement and PUT latencies of `clicked`, from the two fakes' logs.
fn latencies(
    rig: &Rig,
    cards: &[Card],
    clicked: &[InteractionHandle],
    label: &str,
    child: &mut Child,
) -> Result<Vec<Row>, String> {
    let callbacks: HashMap<String, Instant> = rig
        .discord
        .requests()
        .into_iter()
        // `ANSWER`: the acknowledgement came in the answer to the interaction's POST.
        .filter(|r| (r.method == "POST" || r.method == "ANSWER") && r.path.ends_with("/callback"))
        .map(|r| (r.path.clone(), r.at))
        .collect();
    let puts: HashMap<String, Instant> = rig
        .scenario
        .requests_to(Endpoint::UserApproval)
        .into_iter()
        .filter_map(|r| Some((r.body.as_ref()?["workflowJobId"].as_str()?.to_owned(), r.at)))
        .collect();
    let (mut acks, mut sent) = (Vec::new(), Vec::new());
    for (card, click) in cards.iter().zip(clicked) {
        let dispatched = rig.discord.dispatched_at(click).ok_or("a click was not recorded")?;
        let Some(ack) = callbacks.get(&click.callback_path()) else {
            return Err(format!(
                "click on {} was never acknowledged; log:\n{}",
                card.job_id,
                child.log_tail()
            ));
        };
        let Some(put) = puts.get(&card.job_id) else {
            return Err(format!("click on {} sent no PUT; log:\n{}", card.job_id, child.log_tail()));
        };
        acks.push(ack.saturating_duration_since(dispatched));
        sent.push(put.saturating_duration_since(dispatched));
    }
    let (acks, sent) = (Samples::new(acks), Samples::new(sent));
    let ack_met = acks.percentile(99.0) < ACK_TARGET;
    let put_met = sent.percentile(99.0) < PUT_TARGET;
    Ok(vec![
        Row::new(
            format!("Decision, {label}: click → acknowledgement"),
            acks.summary(),
            format!("p99 < {}", ms(ACK_TARGET)),
            Some(ack_met),
        ),
        Row::new(
            format!("Decision, {label}: click → PUT at Scenario"),
            sent.summary(),
            format!("p99 < {}", ms(PUT_TARGET)),
            Some(put_met),
        ),
    ])
}
