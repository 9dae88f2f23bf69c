use super::tests::{on_both_engines, temp_store};

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
