//! Unit tests of the lease, the replicas' heartbeats and the card turns.

use super::{on_both_engines, temp_store};

const MINUTE: i64 = 60_000;

on_both_engines! {
    async fn a_free_lease_is_taken_and_renewed_by_its_holder() {
        let (store, _dir) = temp_store().await;
        assert_eq!(store.take_lease("a", 1_000, 1_000 + MINUTE, None).await.unwrap(), None);
        assert_eq!(store.take_lease("a", 2_000, 2_000 + MINUTE, None).await.unwrap(), None, "renewed");
    }
}

on_both_engines! {
    async fn a_held_lease_is_refused_to_another_until_it_expires() {
        let (store, _dir) = temp_store().await;
        store.take_lease("a", 0, MINUTE, None).await.unwrap();
        let refused = store.take_lease("b", MINUTE - 1, 2 * MINUTE, None).await.unwrap();
        let held = refused.expect("a still holds it");
        assert_eq!((held.holder.as_str(), held.expires_at), ("a", MINUTE));
        assert_eq!(store.take_lease("b", MINUTE, 2 * MINUTE, None).await.unwrap(), None, "expired: b takes it");
        let lost = store.take_lease("a", MINUTE + 1, 3 * MINUTE, None).await.unwrap();
        assert_eq!(lost.map(|h| h.holder), Some("b".to_owned()), "a's renewal finds it lost");
    }
}

on_both_engines! {
    async fn a_lease_held_by_a_holder_known_dead_is_taken_at_once() {
        let (store, _dir) = temp_store().await;
        store.take_lease("a", 0, MINUTE, None).await.unwrap();
        let other_dead = store.take_lease("b", 1, MINUTE, Some("c")).await.unwrap();
        assert!(other_dead.is_some(), "naming someone else as dead takes nothing");
        assert_eq!(store.take_lease("b", 1, MINUTE, Some("a")).await.unwrap(), None);
    }
}

on_both_engines! {
    async fn a_released_lease_is_free_and_a_stale_release_changes_nothing() {
        let (store, _dir) = temp_store().await;
        store.take_lease("a", 0, MINUTE, None).await.unwrap();
        store.release_lease("b").await.unwrap();
        assert!(store.take_lease("b", 1, MINUTE, None).await.unwrap().is_some(), "b's release was not a's");
        store.release_lease("a").await.unwrap();
        assert_eq!(store.take_lease("b", 2, MINUTE, None).await.unwrap(), None);
    }
}

on_both_engines! {
    async fn a_cards_write_turn_is_one_replicas_at_a_time_until_ended_or_expired() {
        let (store, _dir) = temp_store().await;
        assert_eq!(store.take_card_turn(7, "a", 0, MINUTE, None).await.unwrap(), None);
        let runs = store.take_card_turn(7, "b", 1, 2 * MINUTE, None).await.unwrap();
        assert_eq!(runs.as_deref(), Some("a"), "a's turn runs");
        assert_eq!(store.take_card_turn(8, "b", 1, 2 * MINUTE, None).await.unwrap(), None, "another card is free");
        store.end_card_turn(7, "b").await.unwrap();
        let runs = store.take_card_turn(7, "b", 2, 2 * MINUTE, None).await.unwrap();
        assert_eq!(runs.as_deref(), Some("a"), "only its holder ends a turn");
        store.end_card_turn(7, "a").await.unwrap();
        assert_eq!(store.take_card_turn(7, "b", 3, 2 * MINUTE, None).await.unwrap(), None);
        let abandoned = store.take_card_turn(7, "c", 2 * MINUTE, 3 * MINUTE, None).await.unwrap();
        assert_eq!(abandoned, None, "an abandoned turn expires");
        let dead = store.take_card_turn(7, "d", 2 * MINUTE + 1, 4 * MINUTE, Some("c")).await.unwrap();
        assert_eq!(dead, None, "a dead replica's turn is taken at once");
        assert_eq!(store.take_lease("x", 0, MINUTE, None).await.unwrap(), None, "the bridge's lease is apart");
    }

    async fn a_replica_runs_while_its_heartbeat_is_renewed() {
        let (store, _dir) = temp_store().await;
        assert_eq!(store.replica("r1", 0).await.unwrap(), None);
        store.beat("r1", "host pid=1", 0, MINUTE).await.unwrap();
        assert_eq!(store.replica("r1", MINUTE - 1).await.unwrap().as_deref(), Some("host pid=1"));
        assert_eq!(store.replica("r1", MINUTE).await.unwrap(), None, "expired");
        store.beat("r1", "host pid=1", MINUTE, 2 * MINUTE).await.unwrap();
        assert!(store.replica("r1", MINUTE + 1).await.unwrap().is_some(), "renewed");
        store.stop_beating("r1", "host pid=1").await.unwrap();
        assert_eq!(store.replica("r1", MINUTE + 1).await.unwrap(), None, "stopped cleanly");
    }
}
