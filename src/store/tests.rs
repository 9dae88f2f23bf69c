//! Unit tests of the store, on both engines: here the approvals and audit, and in `tests/` the
//! events, leases, policies and routes; `tests/db.rs` the databases they run on.

use serenity::all::{ChannelId, GuildId, MessageId, UserId};

pub(crate) mod db;
mod events;
mod lease;
mod people;
mod policy;
mod reruns;
pub(crate) mod round_trips;
mod routes;
mod threads;

use super::*;
use crate::approvals::{
    ids::{ApprovalId, ClaimToken},
    review::ReviewSnapshot,
    state::{ApprovalState, Decision},
};
pub(crate) use db::{TempDb, on_both_engines, temp_store};

/// A new gate of run `job` at node `node`, with a plain snapshot.
pub(crate) fn gate(job: &str, node: &str) -> NewApproval {
    NewApproval {
        workflow_id: "wflow_1".into(),
        job_id: job.into(),
        node_id: node.into(),
        snapshot: ReviewSnapshot {
            workflow_name: "Hero shots".into(),
            run_started_at: Some(1_700_000_000),
            iteration: None,
            assets: vec![],
            prompts: vec![],
            selection: None,
            started_by: None,
        },
        channel_id: ChannelId::new(10),
    }
}

/// A claim token for tests that claim directly.
pub(crate) fn token() -> ClaimToken {
    ClaimToken::new(format!("test-claim-{}", fastrand::u64(..)))
}

/// A reviewer with user id `id`.
pub(crate) fn reviewer(id: u64) -> Reviewer {
    Reviewer { id: UserId::new(id), name: format!("reviewer{id}") }
}

fn actions(entries: &[AuditEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.action.as_str()).collect()
}

on_both_engines! {
    async fn a_gate_is_stored_once_however_often_it_is_found() {
        let (store, _dir) = temp_store().await;
        let first = store.insert_approval(&gate("job_1", "gate")).await.unwrap().expect("new gate");
        assert!(store.insert_approval(&gate("job_1", "gate")).await.unwrap().is_none());
        assert_eq!(first.state, ApprovalState::Pending);
        assert_eq!(first.card_nonce.len(), 20);
        assert_eq!(store.open_approvals().await.unwrap().len(), 1);
        assert_eq!(actions(&store.audit_of(first.id).await.unwrap()), ["gate_found"]);
    }
}

on_both_engines! {
    async fn of_many_simultaneous_claims_exactly_one_wins() {
        let (store, _dir) = temp_store().await;
        let id = store.insert_approval(&gate("job_1", "gate")).await.unwrap().unwrap().id;
        let claims = (1..=8).map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                store.claim(id, &reviewer(n), Decision::Approve, None, &token()).await.unwrap()
            })
        });
        let mut winners = Vec::new();
        for claim in claims {
            if let Claim::Won(approval) = claim.await.unwrap() {
                winners.push(approval.decided_by.unwrap().id);
            }
        }
        assert_eq!(winners.len(), 1, "winners: {winners:?}");
        let row = store.approval(id).await.unwrap().unwrap();
        assert_eq!(row.state, ApprovalState::Deciding);
        assert_eq!(row.decided_by.unwrap().id, winners[0]);
    }
}

on_both_engines! {
    async fn a_lost_claim_shows_who_holds_the_gate() {
        let (store, _dir) = temp_store().await;
        let id = store.insert_approval(&gate("job_1", "gate")).await.unwrap().unwrap().id;
        store.claim(id, &reviewer(1), Decision::Approve, None, &token()).await.unwrap();
        let Claim::Lost(row) = store.claim(id, &reviewer(2), Decision::Reject, None, &token()).await.unwrap()
        else {
            panic!("the second claim must lose");
        };
        assert_eq!(row.decided_by, Some(reviewer(1)));
    }
}

on_both_engines! {
    async fn only_the_claimer_can_complete_or_release_a_decision() {
        let (store, _dir) = temp_store().await;
        let id = store.insert_approval(&gate("job_1", "gate")).await.unwrap().unwrap().id;
        let Claim::Won(claimed) =
            store.claim(id, &reviewer(1), Decision::Reject, Some("wrong colours"), &token()).await.unwrap()
        else {
            panic!("the only claim must win");
        };
        let mut impostor = claimed.clone();
        impostor.claim_token = Some(token());
        assert!(store.decided(&impostor).await.unwrap().is_none());
        assert!(!store.release(&impostor, "not theirs").await.unwrap());
        assert!(store.decided(&claimed).await.unwrap().is_some());
        let row = store.approval(id).await.unwrap().unwrap();
        assert_eq!(row.state, ApprovalState::Rejected);
        assert_eq!(row.reason.as_deref(), Some("wrong colours"));
        assert!(!row.card_current, "the card must be edited after a decision");
        let trail = store.audit_of(id).await.unwrap();
        assert_eq!(actions(&trail), ["gate_found", "claimed", "decided"]);
        assert_eq!(trail[2].reason.as_deref(), Some("wrong colours"));
        assert_eq!(trail[2].to_state.as_deref(), Some("rejected"));
    }
}

on_both_engines! {
    async fn a_released_claim_makes_the_gate_pending_again() {
        let (store, _dir) = temp_store().await;
        let id = store.insert_approval(&gate("job_1", "gate")).await.unwrap().unwrap().id;
        let Claim::Won(claimed) = store.claim(id, &reviewer(1), Decision::Approve, None, &token()).await.unwrap()
        else {
            panic!("the only claim must win");
        };
        assert!(store.release(&claimed, "Scenario answered 503").await.unwrap());
        let row = store.approval(id).await.unwrap().unwrap();
        assert_eq!((row.state, row.decided_by), (ApprovalState::Pending, None));
        assert!(matches!(
            store.claim(id, &reviewer(2), Decision::Approve, None, &token()).await.unwrap(),
            Claim::Won(_)
        ));
    }
}

on_both_engines! {
    async fn settling_moves_only_open_gates_and_only_from_the_state_seen() {
        let (store, _dir) = temp_store().await;
        let row = store.insert_approval(&gate("job_1", "gate")).await.unwrap().unwrap();
        store.claim(row.id, &reviewer(1), Decision::Approve, None, &token()).await.unwrap();
        // `row` still says pending: a settle based on that stale view must not apply.
        assert!(!store.settle(row.id, row.state, ApprovalState::RunEnded, "run canceled").await.unwrap());
        let fresh = store.approval(row.id).await.unwrap().unwrap();
        // A claimed gate belongs to its claim: only the claim's own settling moves it.
        assert!(
            !store.settle(fresh.id, fresh.state, ApprovalState::Approved, "approved elsewhere").await.unwrap()
        );
        assert!(store.settle_claim(&fresh, ApprovalState::Approved, "approved in Scenario").await.unwrap());
        let settled = store.approval(row.id).await.unwrap().unwrap();
        assert_eq!(settled.state, ApprovalState::Approved);
        assert!(!store.settle(settled.id, settled.state, ApprovalState::RunEnded, "late").await.unwrap());
        let last = store.audit_of(row.id).await.unwrap().pop().unwrap();
        assert_eq!((last.action.as_str(), last.from_state.as_deref()), ("settled", Some("deciding")));
    }
}

on_both_engines! {
    async fn cards_to_sync_lists_unposted_and_stale_cards_but_not_deleted_ones() {
        let (store, _dir) = temp_store().await;
        let unposted = store.insert_approval(&gate("job_1", "a")).await.unwrap().unwrap();
        let current = store.insert_approval(&gate("job_1", "b")).await.unwrap().unwrap();
        let stale = store.insert_approval(&gate("job_1", "c")).await.unwrap().unwrap();
        let deleted = store.insert_approval(&gate("job_1", "d")).await.unwrap().unwrap();
        for (row, message) in [(&current, 2), (&stale, 3), (&deleted, 4)] {
            store.card_posted(row.id, MessageId::new(message), ApprovalState::Pending).await.unwrap();
        }
        store
            .settle(stale.id, stale.state, ApprovalState::DecidedElsewhere, "approved in Scenario")
            .await
            .unwrap();
        store.settle(deleted.id, deleted.state, ApprovalState::RunEnded, "run failed").await.unwrap();
        store.card_deleted(deleted.id).await.unwrap();
        let ids: Vec<ApprovalId> = store.cards_to_sync().await.unwrap().iter().map(|a| a.id).collect();
        assert_eq!(ids, [unposted.id, stale.id]);
    }
}

on_both_engines! {
    async fn a_card_rendered_before_a_transition_is_not_current() {
        let (store, _dir) = temp_store().await;
        let row = store.insert_approval(&gate("job_1", "gate")).await.unwrap().unwrap();
        store.settle(row.id, row.state, ApprovalState::RunEnded, "run failed").await.unwrap();
        store.card_posted(row.id, MessageId::new(99), ApprovalState::Pending).await.unwrap();
        assert!(!store.approval(row.id).await.unwrap().unwrap().card_current);
        store.card_updated(row.id, ApprovalState::RunEnded, 0).await.unwrap();
        assert!(store.approval(row.id).await.unwrap().unwrap().card_current);
    }
}

on_both_engines! {
    async fn a_card_write_that_lost_the_race_to_a_newer_one_leaves_the_card_stale_either_way() {
        let (store, _dir) = temp_store().await;
        let row = store.insert_approval(&gate("job_1", "gate")).await.unwrap().unwrap();
        store.card_posted(row.id, MessageId::new(99), ApprovalState::Pending).await.unwrap();
        let current = async || store.approval(row.id).await.unwrap().unwrap().card_current;
        for older_recorded_first in [false, true] {
            let (_, older) = store.begin_card_write(row.id).await.unwrap().unwrap();
            let (_, newer) = store.begin_card_write(row.id).await.unwrap().unwrap();
            let order = if older_recorded_first { [older, newer] } else { [newer, older] };
            for write in order {
                store.card_updated(row.id, ApprovalState::Pending, write).await.unwrap();
            }
            assert!(!current().await, "older recorded first: {older_recorded_first}");
            let (_, alone) = store.begin_card_write(row.id).await.unwrap().unwrap();
            store.card_updated(row.id, ApprovalState::Pending, alone).await.unwrap();
            assert!(current().await, "a write nobody raced is current");
        }
    }
}

on_both_engines! {
    async fn the_audit_table_refuses_updates_and_deletes() {
        let (store, _dir) = temp_store().await;
        let id = store.insert_approval(&gate("job_1", "gate")).await.unwrap().unwrap().id;
        let update = sqlx::query("UPDATE audit SET action = 'x'").execute(&store.pool).await;
        let delete = sqlx::query("DELETE FROM audit").execute(&store.pool).await;
        assert!(update.unwrap_err().to_string().contains("append-only"));
        assert!(delete.unwrap_err().to_string().contains("append-only"));
        assert_eq!(store.audit_of(id).await.unwrap().len(), 1);
    }
}

on_both_engines! {
    async fn a_refused_attempt_is_audited_and_changes_nothing() {
        let (store, _dir) = temp_store().await;
        let row = store.insert_approval(&gate("job_1", "gate")).await.unwrap().unwrap();
        store.refused(&refusal(&reviewer(5), Some(row.id), "approve")).await.unwrap();
        assert_eq!(store.approval(row.id).await.unwrap().unwrap(), row);
        let last = store.audit_of(row.id).await.unwrap().pop().unwrap();
        assert_eq!((last.action.as_str(), last.actor_id), ("refused", Some(5)));
    }
}

fn refusal<'a>(actor: &'a Reviewer, approval_id: Option<ApprovalId>, attempt: &'a str) -> RefusedAttempt<'a> {
    RefusedAttempt { actor, guild_id: Some(GuildId::new(77)), approval_id, attempt, why: "not_reviewer" }
}

on_both_engines! {
    async fn repeated_refusals_in_a_minute_count_up_one_row_and_audit_once() {
        let (store, _dir) = temp_store().await;
        let row = store.insert_approval(&gate("job_1", "gate")).await.unwrap().unwrap();
        let (olga, pat) = (reviewer(5), reviewer(6));
        let mut firsts = 0;
        for _ in 0..50 {
            firsts += usize::from(store.refused(&refusal(&olga, Some(row.id), "approve")).await.unwrap());
        }
        store.refused(&refusal(&olga, Some(row.id), "reject")).await.unwrap();
        store.refused(&refusal(&pat, Some(row.id), "approve")).await.unwrap();
        store.refused(&refusal(&pat, None, "/approvals watch")).await.unwrap();
        // Unless the minute turned during the loop, the 50 clicks are one count and one audit row.
        let counts = store.refusals().await.unwrap();
        let olga_approve: i64 =
            counts.iter().filter(|c| c.actor_id == 5 && c.attempt == "approve").map(|c| c.attempts).sum();
        assert_eq!(olga_approve, 50);
        assert!(counts.len() <= 5 && firsts <= 2, "{counts:?}");
        let refused = store.audit_of(row.id).await.unwrap().into_iter().filter(|e| e.action == "refused").count();
        assert_eq!(refused, firsts + 2, "one audit row per minute and attempt, none for a non-card refusal");
        let outside = counts.iter().find(|c| c.attempt == "/approvals watch").unwrap();
        assert_eq!((outside.approval_id, outside.guild_id, outside.attempts), (0, 77, 1));
    }
}

on_both_engines! {
    async fn refusal_counts_only_count_up_and_are_never_deleted() {
        let (store, _dir) = temp_store().await;
        store.refused(&refusal(&reviewer(5), None, "button")).await.unwrap();
        store.refused(&refusal(&reviewer(5), None, "button")).await.unwrap();
        for sql in [
            "UPDATE refusals SET attempts = 1",
            "UPDATE refusals SET why = 'nothing'",
            "UPDATE refusals SET actor_id = 9",
            "DELETE FROM refusals",
        ] {
            let err = sqlx::query(sql).execute(&store.pool).await.unwrap_err().to_string();
            assert!(err.contains("count up") || err.contains("append-only"), "{sql}: {err}");
        }
        let counts = store.refusals().await.unwrap();
        assert_eq!(counts.iter().map(|c| c.attempts).sum::<i64>(), 2);
    }
}

on_both_engines! {
    async fn outside_text_in_the_audit_is_cut_on_a_character_boundary() {
        let (store, _dir) = temp_store().await;
        let row = store.insert_approval(&gate("job_1", "gate")).await.unwrap().unwrap();
        let long = "ß".repeat(MAX_AUDIT_TEXT * 3);
        let olga = reviewer(5);
        let mut r = refusal(&olga, Some(row.id), "approve");
        r.why = &long;
        store.refused(&r).await.unwrap();
        let last = store.audit_of(row.id).await.unwrap().pop().unwrap();
        assert_eq!(last.detail.unwrap().chars().count(), MAX_AUDIT_TEXT);
        assert_eq!(store.refusals().await.unwrap()[0].why.chars().count(), MAX_AUDIT_TEXT);
    }
}

#[test]
fn every_sqlite_migration_has_a_postgres_twin() {
    let names = |dir: &str| -> Vec<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut names: Vec<String> = std::fs::read_dir(path)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        names("migrations"),
        names("migrations/postgres"),
        "each migration needs its PostgreSQL twin of the same name: see migrations/postgres/README.md"
    );
}
