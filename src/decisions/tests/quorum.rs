//! Quorums: approvals counted, who may still count, the claim once the count is reached.

use super::*;

on_both_engines! {
    async fn an_approval_whose_reviewer_may_no_longer_decide_does_not_count() {
        let (store, approval, _dir) = one_gate().await;
        let scenario = Scripted::new(&[], &[Put::Taken]);
        let claims = LiveClaims::default();
        let parts = (&store, &scenario, &claims);
        let (policy, ana, ben) = (two_approvals(), reviewer(1), reviewer(2));
        approve(parts, &Everyone, &approval, &ana, &policy, None).await.unwrap();
        // Ana's role is taken away: Ben's approval is the only one that counts.
        let second = approve(parts, &Only(vec![ben.clone()]), &approval, &ben, &policy, None).await.unwrap();
        assert_eq!(second, Approved::Counted(tally(vec![ben.clone()])));
        assert!(scenario.sent().is_empty(), "no quorum, no PUT");
        // Ana gets the role back: her approval counts again, and Ben's click reaches the count.
        let again = approve(parts, &Everyone, &approval, &ben, &policy, None).await.unwrap();
        assert!(matches!(again, Approved::Decided(Outcome::Decided(_))), "{again:?}");
        assert_eq!(scenario.sent(), [Decision::Approve]);
    }
}

on_both_engines! {
    async fn under_a_quorum_a_first_approval_is_counted_and_sends_nothing() {
        let (store, approval, _dir) = one_gate().await;
        let scenario = Scripted::new(&[], &[]);
        let claims = LiveClaims::default();
        let first = approve((&store, &scenario, &claims), &Everyone, &approval, &reviewer(1), &two_approvals(), None).await.unwrap();
        assert_eq!(first, Approved::Counted(tally(vec![reviewer(1)])));
        let again = approve((&store, &scenario, &claims), &Everyone, &approval, &reviewer(1), &two_approvals(), None).await.unwrap();
        assert_eq!(again, Approved::Again(tally(vec![reviewer(1)])), "the same reviewer counts once");
        assert!(scenario.sent().is_empty());
        assert_eq!(store.approval(approval.id).await.unwrap().unwrap().state, ApprovalState::Pending);
    }
}

on_both_engines! {
    async fn under_a_quorum_the_approval_that_reaches_it_sends_one_put() {
        let (store, approval, _dir) = one_gate().await;
        let scenario = Scripted::new(&[], &[Put::Taken]);
        let claims = LiveClaims::default();
        approve((&store, &scenario, &claims), &Everyone, &approval, &reviewer(1), &two_approvals(), None).await.unwrap();
        let second =
            approve((&store, &scenario, &claims), &Everyone, &approval, &reviewer(2), &two_approvals(), None).await.unwrap();
        let Approved::Decided(Outcome::Decided(decided)) = second else { panic!("{second:?}") };
        assert_eq!(decided.decided_by, Some(reviewer(2)));
        assert_eq!(scenario.sent(), [Decision::Approve]);
    }
}
