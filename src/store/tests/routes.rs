//! Unit tests of the watches, the route audit, the decision history and reposts.

use serenity::all::{ChannelId, MessageId, RoleId, UserId};

use super::{on_both_engines, temp_store, token};
use crate::approvals::{
    review::ReviewSnapshot,
    state::{ApprovalState, Decision},
};
use crate::store::*;

fn admin() -> Reviewer {
    Reviewer { id: UserId::new(42), name: "admin".into() }
}

fn route(workflow: &str, channel: u64, role: Option<u64>) -> NewWatch {
    NewWatch {
        workflow_id: workflow.into(),
        workflow_name: format!("{workflow} name"),
        channel_id: ChannelId::new(channel),
        reviewer_role_id: role.map(RoleId::new),
    }
}

async fn gate(store: &Store, workflow: &str, job: &str) -> Approval {
    let snapshot = ReviewSnapshot {
        workflow_name: format!("{workflow} name"),
        run_started_at: None,
        iteration: None,
        assets: vec![],
        prompts: vec![],
        selection: None,
        started_by: None,
    };
    let new = NewApproval {
        workflow_id: workflow.into(),
        job_id: job.into(),
        node_id: "gate".into(),
        snapshot,
        channel_id: ChannelId::new(10),
    };
    store.insert_approval(&new).await.unwrap().unwrap()
}

async fn decide(store: &Store, approval: &Approval, by: u64, decision: Decision, reason: Option<&str>) {
    let reviewer = Reviewer { id: UserId::new(by), name: format!("r{by}") };
    let Claim::Won(claimed) = store.claim(approval.id, &reviewer, decision, reason, &token()).await.unwrap()
    else {
        panic!("the claim must win");
    };
    assert!(store.decided(&claimed).await.unwrap().is_some());
}

on_both_engines! {
    async fn a_removed_routes_deadline_moment_is_kept_until_a_route_is_set_again_which_takes_it_over() {
        let (store, _dir) = temp_store().await;
        store.set_watch(&route("wflow_a", 1, None), &admin()).await.unwrap();
        store.remove_watch(&"wflow_a".into(), Some(5_000), &admin()).await.unwrap();
        assert_eq!(store.unrouted_deadlines().await.unwrap(), [("wflow_a".into(), 5_000)]);
        let again = store.set_watch(&route("wflow_a", 1, None), &admin()).await.unwrap();
        assert_eq!(again.deadline_from, Some(5_000), "the route counts from the same moment");
        assert!(store.unrouted_deadlines().await.unwrap().is_empty());
        // A route removed with no moment to keep leaves none.
        store.remove_watch(&"wflow_a".into(), None, &admin()).await.unwrap();
        assert!(store.unrouted_deadlines().await.unwrap().is_empty());
        let fresh = store.set_watch(&route("wflow_a", 1, None), &admin()).await.unwrap();
        assert_eq!(fresh.deadline_from, None);
    }
}

on_both_engines! {
    async fn a_route_is_set_replaced_and_removed_and_every_change_is_audited() {
        let (store, _dir) = temp_store().await;
        store.set_watch(&route("wflow_a", 1, None), &admin()).await.unwrap();
        let replaced = store.set_watch(&route("wflow_a", 2, Some(7)), &admin()).await.unwrap();
        assert_eq!((replaced.channel_id, replaced.reviewer_role_id), (ChannelId::new(2), Some(RoleId::new(7))));
        assert_eq!(store.watches().await.unwrap(), std::slice::from_ref(&replaced));
        assert_eq!(store.remove_watch(&"wflow_a".into(), None, &admin()).await.unwrap(), Some(replaced));
        assert_eq!(
            store.remove_watch(&"wflow_a".into(), None, &admin()).await.unwrap(),
            None,
            "nothing left to remove"
        );
        assert!(store.watches().await.unwrap().is_empty());
        let trail = store.route_audit(10).await.unwrap();
        let actions: Vec<(&str, Option<i64>)> = trail.iter().map(|e| (e.action.as_str(), e.channel_id)).collect();
        assert_eq!(actions, [("unwatch", Some(2)), ("watch", Some(2)), ("watch", Some(1))]);
        let update = sqlx::query("UPDATE route_audit SET action = 'watch'").execute(&store.pool).await;
        assert!(update.unwrap_err().to_string().contains("append-only"));
    }
}

on_both_engines! {
    async fn history_lists_decisions_newest_first_filtered_by_workflow_and_reviewer() {
        let (store, _dir) = temp_store().await;
        let first = gate(&store, "wflow_a", "job_1").await;
        let second = gate(&store, "wflow_b", "job_2").await;
        let third = gate(&store, "wflow_a", "job_3").await;
        decide(&store, &first, 1, Decision::Approve, None).await;
        decide(&store, &second, 2, Decision::Reject, Some("too dark")).await;
        store
            .settle(third.id, third.state, ApprovalState::DecidedElsewhere, "Approved in Scenario")
            .await
            .unwrap();

        let all = store.decision_history(&HistoryQuery { limit: 10, ..Default::default() }).await.unwrap();
        let jobs: Vec<&str> = all.iter().map(|d| d.job_id.as_str()).collect();
        assert_eq!(jobs, ["job_3", "job_2", "job_1"]);
        assert_eq!((all[0].by.as_ref(), all[0].detail.as_deref()), (None, Some("Approved in Scenario")));
        assert_eq!((all[1].outcome.as_str(), all[1].reason.as_deref()), ("rejected", Some("too dark")));
        assert_eq!(all[2].workflow_name, "wflow_a name");

        let of_a = HistoryQuery { workflow_id: Some("wflow_a".into()), limit: 10, ..Default::default() };
        assert_eq!(store.decision_history(&of_a).await.unwrap().len(), 2);
        let by_two = HistoryQuery { reviewer_id: Some(UserId::new(2)), limit: 10, ..Default::default() };
        let by_two = store.decision_history(&by_two).await.unwrap();
        assert_eq!(by_two.iter().map(|d| d.job_id.as_str()).collect::<Vec<_>>(), ["job_2"]);
        let one = HistoryQuery { limit: 1, ..Default::default() };
        assert_eq!(store.decision_history(&one).await.unwrap().len(), 1);
    }
}

on_both_engines! {
    async fn a_reposted_card_gets_a_fresh_nonce_and_only_a_deleted_card_is_reposted() {
        let (store, _dir) = temp_store().await;
        let row = gate(&store, "wflow_a", "job_1").await;
        store.card_posted(row.id, MessageId::new(99), ApprovalState::Pending).await.unwrap();
        assert!(
            store.repost_card(row.id, ChannelId::new(11), &admin()).await.unwrap().is_none(),
            "the card is still there"
        );
        store.card_deleted(row.id).await.unwrap();
        let fresh = store
            .repost_card(row.id, ChannelId::new(11), &admin())
            .await
            .unwrap()
            .expect("deleted cards are reposted");
        assert_ne!(fresh.card_nonce, row.card_nonce);
        assert_eq!((fresh.message_id, fresh.card_deleted, fresh.channel_id), (None, false, ChannelId::new(11)));
        assert_eq!(store.cards_to_sync().await.unwrap().iter().map(|a| a.id).collect::<Vec<_>>(), [row.id]);
        let last = store.audit_of(row.id).await.unwrap().pop().unwrap();
        assert_eq!((last.action.as_str(), last.actor_id), ("card_reposted", Some(42)));
        assert_eq!(store.approvals_of_job(&"job_1".into()).await.unwrap(), [fresh]);
    }
}
