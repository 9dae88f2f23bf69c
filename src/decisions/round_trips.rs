//! What a click costs the database before its PUT leaves, counted on PostgreSQL (where each
//! round trip crosses the network, and 50 clicks at once share one pool) at a proxy in front of
//! the server: the store calls a click on the interactions endpoint makes, in order.

use std::sync::{Arc, Mutex};

use super::*;
use crate::store::{
    now_ms,
    tests::{db::counted_postgres_store, gate, reviewer, round_trips::Counts},
};

/// A Scenario that takes every decision, noting what the store had sent when the PUT left.
struct Put {
    counts: Arc<Counts>,
    at_put: Mutex<Option<(usize, usize)>>,
}

impl Gates for Put {
    async fn read_run(&self, job_id: &JobId) -> Result<Job, ScenarioError> {
        Err(ScenarioError::NotFound { what: format!("job {job_id}"), message: None })
    }

    async fn send_decision(&self, _: &Approval, _: Decision) -> Result<(), ScenarioError> {
        *self.at_put.lock().expect("at_put") = Some(self.counts.now());
        Ok(())
    }
}

/// A click on the endpoint: its interaction id recorded, the approval read with the route
/// version, then the claim, up to the PUT. Returns the round trips and statements counted from
/// the click to the PUT.
async fn click(store: &Store, put: &Put, interaction: u64, approval: &Approval) -> (usize, usize) {
    let before = put.counts.now();
    assert!(store.first_sighting(interaction, now_ms()).await.unwrap());
    let (row, _routes_version) = store.approval_and_routes_version(approval.id).await.unwrap();
    let (claims, who) = (LiveClaims::default(), reviewer(interaction));
    let outcome = decide(store, put, &claims, &row.unwrap(), &who, Decision::Approve, None).await.unwrap();
    assert!(matches!(outcome, Outcome::Decided(_)), "{outcome:?}");
    let at_put = put.at_put.lock().expect("at_put").take().expect("a PUT was sent");
    (at_put.0 - before.0, at_put.1 - before.1)
}

#[tokio::test]
async fn a_click_reaches_its_put_in_three_statements() {
    let Some((store, _db, counts)) = counted_postgres_store(module_path!()).await else { return };
    let put = Put { counts, at_put: Mutex::new(None) };
    let first = store.insert_approval(&gate("job_1", "gate")).await.unwrap().unwrap();
    let second = store.insert_approval(&gate("job_2", "gate")).await.unwrap().unwrap();
    // The first click prepares the statements on the connection; the second shows the cost of
    // every click after it.
    click(&store, &put, 1, &first).await;
    let (round_trips, statements) = click(&store, &put, 2, &second).await;
    eprintln!("a click to its PUT: {statements} statements, {round_trips} round trips");
    // Recording the interaction, reading the approval with the route version, the claim.
    assert_eq!(statements, 3, "statements from the click to its PUT");
    // Each statement, and sqlx's check of its connection as it goes back to the pool; at most
    // one more each for a connection the pool opened meanwhile (which prepares the statement
    // once) or one idle for a second (checked when taken).
    assert!(round_trips <= 3 * statements, "{round_trips} round trips from the click to its PUT");
    let trail = store.audit_of(second.id).await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["gate_found", "claimed", "decided"], "the claim's audit entry is written with it");
}
