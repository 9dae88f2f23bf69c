//! Unit tests of what review policies keep: a route's policy and its audit, the reminders and
//! the overdue mark, each taken once.

use std::time::Duration;

use serenity::all::{ChannelId, MessageId};

use super::{gate, on_both_engines, reviewer, temp_store};
use crate::approvals::{
    policy::{OnDeadline, Policy},
    state::ApprovalState,
};
use crate::store::*;

fn route() -> NewWatch {
    NewWatch {
        workflow_id: "wflow_1".into(),
        workflow_name: "Hero shots".into(),
        channel_id: ChannelId::new(10),
        reviewer_role_id: None,
    }
}

fn strict() -> Policy {
    Policy {
        approvals_required: 2,
        remind_after: Some(Duration::from_secs(4 * 3600)),
        max_reminders: 2,
        deadline: Some(Duration::from_secs(2 * 86_400)),
        on_deadline: OnDeadline::Reject,
        deadline_from: None,
    }
}

on_both_engines! {
    async fn a_routes_policy_is_stored_audited_kept_by_a_new_watch_and_reset() {
        let (store, _dir) = temp_store().await;
        let admin = reviewer(42);
        assert_eq!(
            store.set_policy(&"wflow_1".into(), (Some(&strict()), None), "strict", &admin).await.unwrap(),
            None,
            "no route"
        );
        store.set_watch(&route(), &admin).await.unwrap();
        let open = store.insert_approval(&gate("job_1", "gate")).await.unwrap().unwrap();
        store.card_posted(open.id, MessageId::new(99), ApprovalState::Pending).await.unwrap();

        let saved =
            store.set_policy(&"wflow_1".into(), (Some(&strict()), None), "strict", &admin).await.unwrap().unwrap();
        assert_eq!(saved.policy, Some(strict()));
        assert!(!store.approval(open.id).await.unwrap().unwrap().card_current, "the open card is redrawn");
        let audit = store.route_audit(1).await.unwrap();
        assert_eq!((audit[0].action.as_str(), audit[0].policy.as_deref()), ("watch", Some("strict")));

        let again =
            store.set_watch(&NewWatch { channel_id: ChannelId::new(11), ..route() }, &admin).await.unwrap();
        assert_eq!(again.policy, Some(strict()), "a new channel keeps the policy");
        let reset = store.set_policy(&"wflow_1".into(), (None, None), "defaults", &admin).await.unwrap().unwrap();
        assert_eq!(reset.policy, None);
        assert_eq!(store.watches().await.unwrap()[0].policy, None);
    }
}

on_both_engines! {
    async fn a_reminder_and_the_overdue_mark_are_each_taken_once() {
        let (store, _dir) = temp_store().await;
        let open = store.insert_approval(&gate("job_1", "gate")).await.unwrap().unwrap();
        let pending = store.pending_gates().await.unwrap();
        assert_eq!((pending.len(), pending[0].clock.reminders_sent), (1, 0));
        assert!(store.reminding(&pending[0], 1_000).await.unwrap());
        assert!(!store.reminding(&pending[0], 1_000).await.unwrap(), "the same reminder is taken once");
        let after = store.pending_gates().await.unwrap();
        assert_eq!((after[0].clock.reminders_sent, after[0].clock.last_reminded_at), (1, Some(1_000)));

        assert!(store.mark_overdue(open.id, &strict(), 2_000).await.unwrap());
        assert!(!store.mark_overdue(open.id, &strict(), 3_000).await.unwrap(), "marked once");
        assert_eq!(store.overdue_since(open.id).await.unwrap(), Some(2_000));
        let actions: Vec<String> = store.audit_of(open.id).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(actions, ["gate_found", "reminded", "overdue"]);

        store.settle(open.id, ApprovalState::Pending, ApprovalState::RunEnded, "canceled").await.unwrap();
        assert!(store.pending_gates().await.unwrap().is_empty(), "a closed gate has nothing due");
    }
}
