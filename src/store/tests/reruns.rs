//! The re-run requests and forms, on both engines.

use serde_json::json;

use crate::approvals::{ids::JobId, rerun::RerunState};
use crate::store::tests::{gate, on_both_engines, reviewer, temp_store, token};
use crate::store::{Rerun, RerunDraft, RerunEnd, RerunRequest};

fn draft(prompt: &str) -> RerunDraft {
    let inputs = json!({ "prompt": prompt }).as_object().unwrap().clone();
    RerunDraft { inputs, changed: vec!["prompt".into()], note: None, cost: 10.0 }
}

on_both_engines! {
    async fn of_two_starts_one_is_recorded_and_only_its_token_may_send_or_end_it() {
        let (store, _dir) = temp_store().await;
        let approval = store.insert_approval(&gate("job_1", "review")).await.unwrap().unwrap();
        let (id, wf) = (approval.id, approval.workflow_id.clone());
        store.save_rerun_draft(id, reviewer(1).id, &draft("a fox")).await.unwrap();
        assert_eq!(store.rerun_draft(id, reviewer(1).id).await.unwrap(), Some(draft("a fox")));
        let (first, second) = (token(), token());
        let RerunRequest::Recorded(recorded) =
            store.request_rerun(id, &wf, &reviewer(1), &draft("a fox"), &first, 2).await.unwrap()
        else {
            panic!("the first Start is recorded")
        };
        assert_eq!(store.rerun_draft(id, reviewer(1).id).await.unwrap(), None, "the form is used up");
        let taken = store.request_rerun(id, &wf, &reviewer(2), &draft("a badger"), &second, 2).await.unwrap();
        assert!(matches!(taken, RerunRequest::Taken(ref r) if r.requested_by == reviewer(1)), "{taken:?}");

        let forged = Rerun { token: Some(second.clone()), ..recorded.clone() };
        assert!(!store.rerun_sending(&forged).await.unwrap(), "another token sends nothing");
        assert!(store.rerun_sending(&recorded).await.unwrap());
        assert!(!store.rerun_sending(&recorded).await.unwrap(), "marked sending once");
        let end = RerunEnd::Started(JobId::from("job_2"));
        assert!(!store.rerun_ended(&forged, &end).await.unwrap());
        assert!(store.rerun_ended(&recorded, &end).await.unwrap());
        assert!(!store.rerun_ended(&recorded, &RerunEnd::NotStarted("x".into())).await.unwrap(), "ended once");
        let started = store.rerun_started_as(&JobId::from("job_2")).await.unwrap().unwrap();
        assert_eq!((started.state, started.round), (RerunState::Started, 2));
        assert!(store.rerun_adopted(&JobId::from("job_2")).await.unwrap());
        let actions: Vec<String> = store.audit_of(id).await.unwrap().into_iter().map(|e| e.action).collect();
        assert!(actions.ends_with(&["rerun_requested".to_owned(), "rerun".to_owned()]), "{actions:?}");
    }
}

on_both_engines! {
    async fn a_request_that_started_nothing_makes_way_for_a_new_start() {
        let (store, _dir) = temp_store().await;
        let approval = store.insert_approval(&gate("job_1", "review")).await.unwrap().unwrap();
        let (id, wf) = (approval.id, approval.workflow_id.clone());
        let first = token();
        let RerunRequest::Recorded(recorded) =
            store.request_rerun(id, &wf, &reviewer(1), &draft("a fox"), &first, 2).await.unwrap()
        else {
            panic!("recorded")
        };
        let orphan = store.take_over_rerun(&recorded, &token()).await.unwrap().expect("taken over");
        assert!(!store.rerun_sending(&recorded).await.unwrap(), "the stopped Start may no longer send");
        assert!(store.rerun_ended(&orphan, &RerunEnd::NotStarted("never sent".into())).await.unwrap());
        let again = store.request_rerun(id, &wf, &reviewer(2), &draft("a badger"), &token(), 2).await.unwrap();
        assert!(matches!(again, RerunRequest::Recorded(ref r) if r.requested_by == reviewer(2)), "{again:?}");
    }
}
