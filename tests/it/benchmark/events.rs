//! Events delivered per second: the bridge binary's outbox, filled while the receiver answered
//! 500 (one `gate_posted` event per gate), then drained into the local receiver by a new start of
//! the bridge once the receiver is back. Each gate's events go one at a time; different gates'
//! side by side.

use std::time::Duration;

use approval_bridge::store::Store;

use super::{
    Scale,
    child::{Child, Rig},
    report::Row,
};
use crate::support::{
    fake_receiver::{FakeReceiver, Mode, SECRET},
    fake_scenario::FlowTemplate,
    wait::within,
};

/// The row: events per second to a receiver on this machine.
pub async fn run(scale: &Scale) -> Vec<Row> {
    let figure =
        format!("Events delivered to a local receiver ({} events after an outage)", scale.event_gates);
    match throughput(scale.event_gates).await {
        Ok(measured) => vec![Row::new(figure, measured, "—", None)],
        Err(why) => vec![Row::failed(figure, why, "—")],
    }
}

async fn throughput(gates: usize) -> Result<String, String> {
    let rig = Rig::new().await;
    let receiver = FakeReceiver::start().await;
    receiver.set_mode(Mode::Failing);
    let workflow = rig.scenario.add_workflow("Benchmark", FlowTemplate::single_gate());
    rig.scenario.seed_runs(&workflow, gates, 1);
    let mut env = rig.env(3600);
    env.insert("EVENTS_URL", receiver.url());
    env.insert("EVENTS_SECRET", SECRET.to_owned());
    env.insert("EVENTS_RETRY_MAX_SECS", "1".to_owned());
    let mut child = Child::spawn(&env, rig.dir.path());
    rig.wait_for_ready(&mut child).await;
    if !rig.wait_for_cards(gates, Duration::from_secs(600)).await {
        return Err(format!("the cards were not posted; log:\n{}", child.log_tail()));
    }
    let url = rig.database_url();
    let filled = within(Duration::from_secs(60), async || {
        let store = Store::open_read_only(&url).await.ok()?;
        let counts = store.outbox_counts().await.ok().flatten();
        store.close().await;
        counts.filter(|c| c.waiting as usize >= gates)
    });
    filled.await.ok_or("the outbox never held every event")?;
    // A new start, with the receiver back: every event is due at once, so the drain measures
    // delivery, not the retries' schedule.
    drop(child);
    receiver.set_mode(Mode::Up);
    let _child = Child::spawn(&env, rig.dir.path());
    let all = within(Duration::from_secs(600), async || (receiver.received().len() >= gates).then_some(()));
    all.await.ok_or_else(|| format!("{} of {gates} events delivered", receiver.received().len()))?;
    let received = receiver.received();
    let (first, last) = (received[0].at, received[received.len() - 1].at);
    let took = last.saturating_duration_since(first);
    let rate = (received.len() - 1) as f64 / took.as_secs_f64().max(f64::EPSILON);
    let repeats = received.len() - gates;
    Ok(format!("{rate:.0} events/s ({} events in {took:.2?}, {repeats} repeats)", received.len()))
}
