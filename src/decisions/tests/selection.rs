//! Selection gates: picks confirmed, proposals, the claim of the picks.

use super::*;

/// A store holding one pending selection gate of four candidates.
async fn one_selection() -> (Store, Approval, TempDb) {
    use crate::approvals::selection::{Candidate, Choice};
    let (store, dir) = temp_store().await;
    let mut new = gate("job_1", "gate");
    let candidates = (0..4).map(|n| Candidate::Text { text: format!("idea {n}") }).collect();
    new.snapshot.selection = Some(Choice { candidates, min: 1, max: 2 });
    let approval = store.insert_approval(&new).await.unwrap().unwrap();
    (store, approval, dir)
}

on_both_engines! {
    async fn a_confirmed_selection_is_claimed_with_its_picks_and_sent_once() {
        let (store, approval, _dir) = one_selection().await;
        let scenario = Scripted::new(&[], &[Put::Taken]);
        let claims = LiveClaims::default();
        let outcome = select(&store, &scenario, &claims, &approval, &reviewer(1), &[3, 1]).await.unwrap();
        assert!(matches!(outcome, Outcome::Decided(_)), "{outcome:?}");
        assert_eq!(state_of(&outcome), ApprovalState::Approved);
        assert_eq!(outcome.approval().picks, Some(vec![3, 1]), "the picks stay with the decision, in order");
        assert_eq!(*scenario.picks_sent.lock().unwrap(), [Some(vec![3, 1])]);
        let audit = store.audit_of(approval.id).await.unwrap();
        let claimed = audit.iter().find(|e| e.action == "claimed").unwrap();
        assert_eq!((claimed.actor_id, claimed.detail.as_deref()), (Some(1), Some("select [3,1]")));
    }
}

on_both_engines! {
    async fn two_approvals_that_both_see_the_quorum_reached_send_one_put() {
        let (store, approval, _dir) = one_gate().await;
        // Both approvals are counted before either looks at the count: both see it reached.
        store.vote(approval.id, &reviewer(1), None, None).await.unwrap();
        store.vote(approval.id, &reviewer(2), None, None).await.unwrap();
        let scenario = Scripted::new(&[], &[Put::Taken, Put::Taken]);
        let claims = LiveClaims::default();
        let (policy, ana, ben) = (two_approvals(), reviewer(1), reviewer(2));
        let (a, b) = tokio::join!(
            approve((&store, &scenario, &claims), &Everyone, &approval, &ana, &policy, None),
            approve((&store, &scenario, &claims), &Everyone, &approval, &ben, &policy, None),
        );
        let outcomes = [a.unwrap(), b.unwrap()];
        assert_eq!(scenario.sent(), [Decision::Approve], "one PUT: {outcomes:?}");
        let decided = outcomes.iter().filter(|o| matches!(o, Approved::Decided(Outcome::Decided(_)))).count();
        // The other lost the claim, or (when the first finished before it looked) found the gate
        // closed: either way it sent nothing.
        let lost = outcomes
            .iter()
            .filter(|o| matches!(o, Approved::Decided(Outcome::Taken(_)) | Approved::Closed(_)))
            .count();
        assert_eq!((decided, lost), (1, 1), "{outcomes:?}");
    }
}

on_both_engines! {
    async fn an_approval_after_the_gate_closed_counts_nothing() {
        let (store, approval, _dir) = one_gate().await;
        store.settle(approval.id, ApprovalState::Pending, ApprovalState::RunEnded, "canceled").await.unwrap();
        let scenario = Scripted::new(&[], &[]);
        let claims = LiveClaims::default();
        let late = approve((&store, &scenario, &claims), &Everyone, &approval, &reviewer(1), &two_approvals(), None).await.unwrap();
        assert!(matches!(late, Approved::Closed(ref a) if a.state == ApprovalState::RunEnded), "{late:?}");
        assert!(store.voters(approval.id).await.unwrap().is_empty());
    }
}

on_both_engines! {
    async fn with_one_approval_required_a_click_decides_at_once() {
        let (store, approval, _dir) = one_gate().await;
        let scenario = Scripted::new(&[], &[Put::Taken]);
        let claims = LiveClaims::default();
        let outcome =
            approve((&store, &scenario, &claims), &Everyone, &approval, &reviewer(1), &Policy::default(), None).await.unwrap();
        assert!(matches!(outcome, Approved::Decided(Outcome::Decided(_))), "{outcome:?}");
        assert!(store.voters(approval.id).await.unwrap().is_empty(), "nothing to count");
    }
}

on_both_engines! {
    async fn a_selection_claim_without_picks_is_given_back_and_sends_nothing() {
        let (store, approval, _dir) = one_selection().await;
        let held = LiveClaims::default();
        let token = held.hold();
        // As a row claimed by hand (or by an older build) would be: "approve" with no picks.
        let Claim::Won(orphan) =
            store.claim(approval.id, &reviewer(1), Decision::Approve, None, token.token()).await.unwrap()
        else {
            panic!("the only claim wins");
        };
        let scenario = Scripted::new(&[Read::Waiting], &[]);
        let outcome = finish_orphan(&store, &scenario, &orphan).await;
        let Outcome::Failed { approval: now, why } = outcome else { panic!("given back: {outcome:?}") };
        assert_eq!(now.state, ApprovalState::Pending);
        assert!(why.contains("no picks"), "{why}");
        assert!(scenario.sent().is_empty(), "nothing is sent without picks");
    }
}

on_both_engines! {
    async fn two_reviewers_confirming_a_selection_together_send_one_put() {
        let (store, approval, _dir) = one_selection().await;
        let scenario = Scripted::new(&[], &[Put::Taken]);
        let claims = LiveClaims::default();
        let (ana, bo) = (reviewer(1), reviewer(2));
        let (first, second) = tokio::join!(
            select(&store, &scenario, &claims, &approval, &ana, &[0]),
            select(&store, &scenario, &claims, &approval, &bo, &[2, 3]),
        );
        let outcomes = [first.unwrap(), second.unwrap()];
        assert_eq!(outcomes.iter().filter(|o| matches!(o, Outcome::Decided(_))).count(), 1, "{outcomes:?}");
        assert_eq!(outcomes.iter().filter(|o| matches!(o, Outcome::Taken(_))).count(), 1, "{outcomes:?}");
        assert_eq!(scenario.sent().len(), 1);
    }
}

on_both_engines! {
    async fn under_a_quorum_two_reviewers_confirming_the_same_picks_send_them_once() {
        let (store, approval, _dir) = one_selection().await;
        let scenario = Scripted::new(&[], &[Put::Taken]);
        let claims = LiveClaims::default();
        let (parts, policy, ana, bo) = ((&store, &scenario, &claims), two_approvals(), reviewer(1), reviewer(2));
        let first = confirm(parts, &Everyone, &approval, &ana, &policy, &[2, 0]).await.unwrap();
        assert_eq!(first, Approved::Counted(tally(vec![ana.clone()])));
        assert_eq!(store.proposal(approval.id).await.unwrap(), Some(vec![2, 0]));
        let again = confirm(parts, &Everyone, &approval, &ana, &policy, &[2, 0]).await.unwrap();
        assert_eq!(again, Approved::Again(tally(vec![ana.clone()])), "the same reviewer confirms once");
        assert!(scenario.sent().is_empty(), "one confirmation sends nothing");
        let second = confirm(parts, &Everyone, &approval, &bo, &policy, &[2, 0]).await.unwrap();
        let Approved::Decided(Outcome::Decided(decided)) = second else { panic!("{second:?}") };
        assert_eq!((decided.decided_by, decided.picks), (Some(bo), Some(vec![2, 0])));
        assert_eq!(*scenario.picks_sent.lock().unwrap(), [Some(vec![2, 0])], "one PUT, the proposed picks");
    }
}

on_both_engines! {
    async fn under_a_quorum_other_picks_start_a_new_proposal_and_send_nothing() {
        let (store, approval, _dir) = one_selection().await;
        let scenario = Scripted::new(&[], &[Put::Taken]);
        let claims = LiveClaims::default();
        let (parts, policy, ana, bo) = ((&store, &scenario, &claims), two_approvals(), reviewer(1), reviewer(2));
        confirm(parts, &Everyone, &approval, &ana, &policy, &[0]).await.unwrap();
        let other = confirm(parts, &Everyone, &approval, &bo, &policy, &[1]).await.unwrap();
        assert_eq!(other, Approved::Counted(tally(vec![bo.clone()])), "Ana's confirmation was of other picks");
        assert_eq!(store.proposal(approval.id).await.unwrap(), Some(vec![1]));
        let replaced = Replaced { picks: vec![0], confirmed_by: vec![ana.id.get()] };
        assert_eq!(store.replaced_proposal(approval.id).await.unwrap(), Some(replaced), "kept for the card");
        assert!(scenario.sent().is_empty(), "no two reviewers confirmed the same picks");
        // The same picks in another order are other picks: the order is sent too.
        let reordered = confirm(parts, &Everyone, &approval, &ana, &policy, &[1, 3]).await.unwrap();
        assert_eq!(reordered, Approved::Counted(tally(vec![ana.clone()])));
        let agreed = confirm(parts, &Everyone, &approval, &bo, &policy, &[1, 3]).await.unwrap();
        assert!(matches!(agreed, Approved::Decided(Outcome::Decided(_))), "{agreed:?}");
        assert_eq!(*scenario.picks_sent.lock().unwrap(), [Some(vec![1, 3])]);
    }
}

on_both_engines! {
    async fn a_confirmation_whose_reviewer_may_no_longer_decide_does_not_count() {
        let (store, approval, _dir) = one_selection().await;
        let scenario = Scripted::new(&[], &[]);
        let claims = LiveClaims::default();
        let (parts, policy, ana, bo) = ((&store, &scenario, &claims), two_approvals(), reviewer(1), reviewer(2));
        confirm(parts, &Everyone, &approval, &ana, &policy, &[0]).await.unwrap();
        let second = confirm(parts, &Only(vec![bo.clone()]), &approval, &bo, &policy, &[0]).await.unwrap();
        assert_eq!(second, Approved::Counted(tally(vec![bo])), "Ana lost the role");
        assert!(scenario.sent().is_empty());
    }
}

on_both_engines! {
    async fn with_one_approval_required_a_confirmation_sends_its_picks_at_once() {
        let (store, approval, _dir) = one_selection().await;
        let scenario = Scripted::new(&[], &[Put::Taken]);
        let claims = LiveClaims::default();
        let parts = (&store, &scenario, &claims);
        let outcome = confirm(parts, &Everyone, &approval, &reviewer(1), &Policy::default(), &[3]).await.unwrap();
        assert!(matches!(outcome, Approved::Decided(Outcome::Decided(_))), "{outcome:?}");
        assert!(store.voters(approval.id).await.unwrap().is_empty(), "nothing to count");
        assert_eq!(*scenario.picks_sent.lock().unwrap(), [Some(vec![3])]);
    }
}

on_both_engines! {
    async fn a_confirmation_after_the_gate_closed_counts_nothing_and_keeps_the_proposal() {
        let (store, approval, _dir) = one_selection().await;
        let scenario = Scripted::new(&[], &[Put::Taken]);
        let claims = LiveClaims::default();
        let (parts, policy) = ((&store, &scenario, &claims), two_approvals());
        confirm(parts, &Everyone, &approval, &reviewer(1), &policy, &[0]).await.unwrap();
        decide(&store, &scenario, &claims, &approval, &reviewer(2), Decision::Reject, None).await.unwrap();
        let late = confirm(parts, &Everyone, &approval, &reviewer(3), &policy, &[1]).await.unwrap();
        assert!(matches!(late, Approved::Closed(_)), "{late:?}");
        assert_eq!(store.proposal(approval.id).await.unwrap(), Some(vec![0]), "a closed gate's votes stay");
    }
}
