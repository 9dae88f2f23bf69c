//! Claims whose process stopped: taken over, sent once, or left as they were.

use super::*;

on_both_engines! {
    async fn an_orphaned_claim_on_a_waiting_gate_is_sent_once_after_reading_the_run() {
        let (store, orphan, _dir) = orphaned_claim().await;
        let scenario = Scripted::new(&[Read::Waiting], &[Put::Taken]);
        let outcome = finish_orphan(&store, &scenario, &orphan).await;
        assert!(matches!(outcome, Outcome::Decided(_)), "{outcome:?}");
        assert_eq!((scenario.reads(), scenario.sent()), (1, vec![Decision::Approve]));
    }
}

on_both_engines! {
    async fn an_orphaned_claim_whose_put_had_landed_is_the_reviewers_without_a_put() {
        let (store, orphan, _dir) = orphaned_claim().await;
        let scenario = Scripted::new(&[Read::Approved], &[]);
        let outcome = finish_orphan(&store, &scenario, &orphan).await;
        assert!(matches!(outcome, Outcome::Decided(_)), "{outcome:?}");
        assert_eq!(outcome.approval().decided_by, Some(reviewer(1)));
        assert!(scenario.sent().is_empty());
    }
}

on_both_engines! {
    async fn an_orphaned_claim_on_a_gate_decided_the_other_way_or_ended_sends_nothing() {
        for (read, to) in [
            (Read::Rejected, ApprovalState::DecidedElsewhere),
            (Read::Canceled, ApprovalState::RunEnded),
            (Read::Gone, ApprovalState::RunEnded),
        ] {
            let (store, orphan, _dir) = orphaned_claim().await;
            let scenario = Scripted::new(&[read], &[]);
            let outcome = finish_orphan(&store, &scenario, &orphan).await;
            assert_eq!(state_of(&outcome), to, "{read:?}");
            assert!(scenario.sent().is_empty(), "{read:?}");
        }
    }
}

on_both_engines! {
    async fn an_orphaned_claim_with_the_run_unreadable_sends_nothing_and_stays_recorded() {
        let (store, orphan, _dir) = orphaned_claim().await;
        let scenario = Scripted::new(&[Read::Down], &[]);
        let outcome = finish_orphan(&store, &scenario, &orphan).await;
        assert!(matches!(outcome, Outcome::Recorded(_)), "{outcome:?}");
        assert_eq!(outcome.approval().decided_by, Some(reviewer(1)), "the click is never dropped");
        assert!(scenario.sent().is_empty(), "never a blind PUT");
    }
}

on_both_engines! {
    async fn an_orphaned_claim_whose_put_fails_on_a_waiting_gate_stays_recorded_for_the_next_try() {
        let (store, orphan, _dir) = orphaned_claim().await;
        let scenario = Scripted::new(&[Read::Waiting, Read::Waiting], &[Put::Lost]);
        let outcome = finish_orphan(&store, &scenario, &orphan).await;
        assert!(matches!(outcome, Outcome::Recorded(_)), "{outcome:?}");
        assert_eq!(state_of(&outcome), ApprovalState::Deciding);
        assert_eq!(scenario.sent().len(), 1);
    }
}

on_both_engines! {
    async fn a_claim_that_moved_on_is_not_taken_over() {
        let (store, orphan, _dir) = orphaned_claim().await;
        let scenario = Scripted::new(&[Read::Waiting], &[Put::Taken]);
        let claims = LiveClaims::default();
        assert!(resume(&store, &scenario, &claims, &orphan, Resend::Allowed).await.unwrap().is_some());
        // `orphan` is the row as it was before: its claim was finished meanwhile.
        assert_eq!(resume(&store, &scenario, &claims, &orphan, Resend::Allowed).await.unwrap(), None);
        assert_eq!((scenario.reads(), scenario.sent().len()), (1, 1));
    }
}

on_both_engines! {
    async fn a_decision_whose_claim_was_taken_over_can_finish_nothing() {
        let (store, claimed, _dir) = orphaned_claim().await;
        let claims = LiveClaims::default();
        let new_owner = claims.hold();
        store.take_over(&claimed, new_owner.token()).await.unwrap().expect("the claim is taken over");
        assert!(store.decided(&claimed).await.unwrap().is_none());
        assert!(!store.release(&claimed, "too late").await.unwrap());
        assert!(!store.settle_claim(&claimed, ApprovalState::RunEnded, "too late").await.unwrap());
        assert_eq!(store.approval(claimed.id).await.unwrap().unwrap().state, ApprovalState::Deciding);
    }
}

on_both_engines! {
    async fn an_orphaned_claim_whose_put_may_be_in_flight_waits_while_its_gate_still_waits() {
        let (store, orphan, _dir) = orphaned_claim().await;
        assert!(store.sending(&orphan).await.unwrap(), "the PUT of the claim went out");
        let orphan = store.approval(orphan.id).await.unwrap().unwrap();
        let scenario = Scripted::new(&[Read::Waiting, Read::Waiting], &[Put::Taken]);
        let claims = LiveClaims::default();

        let early = resume(&store, &scenario, &claims, &orphan, Resend::NotYet).await.unwrap().unwrap();
        assert!(matches!(early, Outcome::Recorded(_)), "{early:?}");
        assert!(scenario.sent().is_empty(), "the first PUT may still land: nothing is sent");

        let later = resume(&store, &scenario, &claims, early.approval(), Resend::Allowed).await.unwrap().unwrap();
        assert!(matches!(later, Outcome::Decided(_)), "{later:?}");
        assert_eq!(scenario.sent(), [Decision::Approve]);
    }
}

on_both_engines! {
    async fn a_decision_whose_claim_was_taken_over_sends_nothing() {
        let (store, claimed, _dir) = orphaned_claim().await;
        let claims = LiveClaims::default();
        let new_owner = claims.hold();
        store.take_over(&claimed, new_owner.token()).await.unwrap().expect("the claim is taken over");
        assert!(!store.sending(&claimed).await.unwrap(), "the old claim may not send");
    }
}
