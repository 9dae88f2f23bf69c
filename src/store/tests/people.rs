//! Unit tests of the people table and its audit: links replaced, removed, read back for a run's
//! author, and the open cards of that author's runs marked for a redraw.

use serenity::all::{MessageId, UserId};

use super::{gate, on_both_engines, reviewer, temp_store};
use crate::approvals::people::StartedBy;

on_both_engines! {
    async fn a_link_is_replaced_and_removed_with_an_audit_entry_each_and_names_the_runs_author() {
        let (store, _dir) = temp_store().await;
        let mut new = gate("job_1", "gate");
        new.snapshot.started_by = Some(StartedBy::Person("u_1".into()));
        let approval = store.insert_approval(&new).await.unwrap().unwrap();
        assert_eq!(store.linked_author(&approval).await.unwrap(), None, "not linked yet");
        store.card_seen(approval.id, MessageId::new(5)).await.unwrap();
        assert!(store.approval(approval.id).await.unwrap().unwrap().card_current);

        store.link_person("u_1", UserId::new(7), &reviewer(1)).await.unwrap();
        let replaced = store.link_person("u_1", UserId::new(8), &reviewer(1)).await.unwrap();
        assert_eq!(replaced.member_id, UserId::new(8));
        assert_eq!(store.people().await.unwrap(), std::slice::from_ref(&replaced));
        assert_eq!(store.linked_author(&approval).await.unwrap(), Some(UserId::new(8)));
        let stale = store.approval(approval.id).await.unwrap().unwrap();
        assert!(!stale.card_current, "the card of the author's run is redrawn");

        assert_eq!(store.unlink_person("u_1", &reviewer(1)).await.unwrap(), Some(replaced));
        assert_eq!(store.unlink_person("u_1", &reviewer(1)).await.unwrap(), None);
        assert_eq!(store.linked_author(&approval).await.unwrap(), None);
        let trail: Vec<(String, Option<i64>)> =
            store.people_audit(10).await.unwrap().into_iter().map(|e| (e.action, e.member_id)).collect();
        let expected = [("unlink", Some(8)), ("link", Some(8)), ("link", Some(7))];
        assert_eq!(trail, expected.map(|(a, m)| (a.to_owned(), m)));
    }
}
