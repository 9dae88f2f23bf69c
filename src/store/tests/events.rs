//! Unit tests of events: the outbox written with its audit entry, what is due, parked, exported.

use serenity::all::{GuildId, MessageId};

use super::{gate, on_both_engines, reviewer, temp_store, token};
use crate::store::*;
use crate::{
    approvals::state::{ApprovalState, Decision},
    events::{DecisionKind, EventKind, Filter},
};

/// Posts, claims and approves a new gate of run `job`; returns its id.
async fn decide(store: &Store, job: &str) -> i64 {
    let row = store.insert_approval(&gate(job, "gate")).await.unwrap().unwrap();
    store.card_posted(row.id, MessageId::new(900), ApprovalState::Pending).await.unwrap();
    let Claim::Won(claimed) =
        store.claim(row.id, &reviewer(5), Decision::Approve, None, &token()).await.unwrap()
    else {
        panic!("the claim is won")
    };
    assert!(store.decided(&claimed).await.unwrap().is_some());
    row.id.get()
}

on_both_engines! {
    async fn events_enter_the_outbox_with_their_audit_entry_only_while_events_are_on() {
        let (store, _dir) = temp_store().await;
        decide(&store, "job_off").await;
        assert!(store.due_events(100).await.unwrap().is_empty(), "events off: nothing in the outbox");
        assert_eq!(store.outbox_counts().await.unwrap(), None);

        store.set_event_setup(true, 42).await.unwrap();
        let id = decide(&store, "job_on").await;
        let due = store.due_events(100).await.unwrap();
        assert_eq!(due.len(), 1, "one event of a gate at a time: {due:?}");
        let body: serde_json::Value = serde_json::from_str(&due[0].body).unwrap();
        assert_eq!((body["type"].as_str(), body["approval"].as_i64()), (Some("gate_posted"), Some(id)));
        assert_eq!(body["card"].as_str(), Some("https://discord.com/channels/42/10/900"));
        store.events_delivered(&[due[0].id]).await.unwrap();
        let next = store.due_events(100).await.unwrap();
        let body: serde_json::Value = serde_json::from_str(&next[0].body).unwrap();
        assert_eq!((body["type"].as_str(), body["decision"].as_str()), (Some("decision"), Some("approve")));
        assert_eq!(body["actor_id"].as_str(), Some("5"));

        // The export reads the same records, the events from before the outbox was on included.
        let exported = store.events(&Filter::default()).await.unwrap();
        let kinds: Vec<EventKind> = exported.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [EventKind::GatePosted, EventKind::Decision, EventKind::GatePosted, EventKind::Decision]);
        assert_eq!(exported[3].to_json(), next[0].body, "exported as it was POSTed");
        let approvals = Filter { decision: Some(DecisionKind::Approve), reviewer_id: Some(5), ..Filter::default() };
        assert_eq!(store.events(&approvals).await.unwrap().len(), 2);
        let other = Filter { workflow_id: Some("wflow_other".into()), ..Filter::default() };
        assert!(store.events(&other).await.unwrap().is_empty());
    }
}

on_both_engines! {
    async fn a_failed_event_waits_its_backoff_and_a_parked_one_holds_its_gate_until_unparked() {
        let (store, _dir) = temp_store().await;
        store.set_event_setup(true, 42).await.unwrap();
        decide(&store, "job_a").await;
        decide(&store, "job_b").await;
        let due = store.due_events(100).await.unwrap();
        assert_eq!(due.len(), 2, "the first event of each gate");
        store.event_failed(&due[0], now_ms() + 60_000, "HTTP 500").await.unwrap();
        store.event_parked(&due[1], "HTTP 500").await.unwrap();
        assert!(store.due_events(100).await.unwrap().is_empty(), "one waits its backoff, one is parked");
        assert_eq!(store.outbox_counts().await.unwrap(), Some(OutboxCounts { waiting: 4, parked: 1 }));
        assert_eq!(store.unpark_events().await.unwrap(), 1);
        let due = store.due_events(100).await.unwrap();
        assert_eq!(due.len(), 1, "the parked event is due again, its gate's next waits behind it");
        assert_eq!((due[0].attempts, due[0].first_failed_at), (1, None));
    }
}

on_both_engines! {
    async fn a_refusal_is_one_event_per_minute_and_exported_with_its_count() {
        let (store, _dir) = temp_store().await;
        store.set_event_setup(true, 42).await.unwrap();
        let row = store.insert_approval(&gate("job_1", "gate")).await.unwrap().unwrap();
        let eve = reviewer(66);
        let refusal =
            RefusedAttempt { actor: &eve, guild_id: Some(GuildId::new(42)), approval_id: Some(row.id), attempt: "approve", why: "no role" };
        for _ in 0..3 {
            store.refused(&refusal).await.unwrap();
        }
        let due = store.due_events(100).await.unwrap();
        assert_eq!(due.len(), 1, "{due:?}");
        let body: serde_json::Value = serde_json::from_str(&due[0].body).unwrap();
        assert_eq!((body["type"].as_str(), body["attempts"].as_i64()), (Some("refused"), Some(1)));
        let exported = store.events(&Filter::default()).await.unwrap();
        assert_eq!(exported.len(), 1);
        assert_eq!((exported[0].id.as_str(), exported[0].attempts), (body["id"].as_str().unwrap(), Some(3)));
    }
}
