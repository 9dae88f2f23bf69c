//! Unit tests of the thread columns: a route's `threads`, a card's thread started, closed once,
//! or missing, and which pending gates ping their thread.

use serenity::all::{ChannelId, MessageId};

use super::{gate, on_both_engines, reviewer, temp_store};
use crate::store::*;

on_both_engines! {
    async fn a_cards_thread_is_recorded_closed_once_and_pinged_only_while_open() {
        let (store, _dir) = temp_store().await;
        let approval = store.insert_approval(&gate("job_1", "gate")).await.unwrap().unwrap();
        assert_eq!(approval.thread, CardThread::default());
        store.card_posted(approval.id, MessageId::new(77), approval.state).await.unwrap();
        assert!(!store.closing_thread(approval.id).await.unwrap(), "no thread to close");

        store.thread_started(approval.id, ChannelId::new(77)).await.unwrap();
        let thread = store.approval(approval.id).await.unwrap().unwrap().thread;
        assert_eq!((thread.open(), thread.missing), (Some(ChannelId::new(77)), None));
        let gates = store.pending_gates().await.unwrap();
        assert_eq!(gates[0].thread_id, Some(ChannelId::new(77)), "pings go to the open thread");

        assert!(store.closing_thread(approval.id).await.unwrap());
        assert!(!store.closing_thread(approval.id).await.unwrap(), "closed once");
        let thread = store.approval(approval.id).await.unwrap().unwrap().thread;
        assert!(thread.closed && thread.open().is_none());
        assert_eq!(store.pending_gates().await.unwrap()[0].thread_id, None);
    }

    async fn a_card_without_a_thread_keeps_why_and_is_drawn_again() {
        let (store, _dir) = temp_store().await;
        let approval = store.insert_approval(&gate("job_1", "gate")).await.unwrap().unwrap();
        store.card_posted(approval.id, MessageId::new(77), approval.state).await.unwrap();
        assert!(store.approval(approval.id).await.unwrap().unwrap().card_current);

        store.no_thread(approval.id, "No thread: the bot lacks Create Public Threads here.").await.unwrap();
        let stored = store.approval(approval.id).await.unwrap().unwrap();
        assert_eq!(stored.thread.missing.as_deref(), Some("No thread: the bot lacks Create Public Threads here."));
        assert!(!stored.card_current, "the next pass shows why");
        assert_eq!(store.pending_gates().await.unwrap()[0].thread_id, None);
    }

    async fn a_routes_thread_setting_is_stored_and_audited() {
        let (store, _dir) = temp_store().await;
        let new = NewWatch {
            workflow_id: "wflow_1".into(),
            workflow_name: "Hero shots".into(),
            channel_id: ChannelId::new(10),
            reviewer_role_id: None,
        };
        let admin = reviewer(42);
        assert_eq!(store.set_watch(&new, &admin).await.unwrap().threads, None);
        let on = store.set_route_threads(&"wflow_1".into(), Some(true), "a thread per card", &admin).await;
        assert_eq!(on.unwrap().map(|w| w.threads), Some(Some(true)));
        let audit = store.route_audit(1).await.unwrap();
        assert_eq!(audit[0].policy.as_deref(), Some("a thread per card"), "newest first");
        let back = store.set_route_threads(&"wflow_1".into(), None, "no threads", &admin).await.unwrap();
        assert_eq!(back.map(|w| w.threads), Some(None));
        assert!(store.set_route_threads(&"wflow_2".into(), Some(true), "", &admin).await.unwrap().is_none());
    }
}
