use super::{format::Format, *};

fn gate() -> GateFacts {
    GateFacts {
        approval_id: 12,
        workflow_id: "wflow_1".into(),
        workflow_name: Some("Lighthouse".into()),
        job_id: "job_1".into(),
        node_id: "review".into(),
        iteration: None,
        card: Some(card_link(7, 8, 9)),
        picks: None,
    }
}

fn audit(action: &str, to_state: Option<&str>, actor: Option<(i64, &str)>) -> AuditFacts {
    AuditFacts {
        audit_id: 40,
        at: 1_764_670_443_120,
        action: action.into(),
        to_state: to_state.map(str::to_owned),
        actor: actor.map(|(id, name)| (id, name.to_owned())),
        reason: None,
        detail: None,
        gate: gate(),
    }
}

#[test]
fn each_event_kind_comes_from_its_audit_entry_and_others_are_no_events() {
    let ana = Some((555, "ana"));
    let cases = [
        (audit("card_posted", None, None), Some(EventKind::GatePosted)),
        (audit("approval_counted", None, ana), Some(EventKind::Vote)),
        (audit("decided", Some("approved"), ana), Some(EventKind::Decision)),
        (
            audit("decided", Some("rejected"), Some((BRIDGE_ACTOR_ID, "approval-bridge"))),
            Some(EventKind::Deadline),
        ),
        (audit("settled", Some("decided_elsewhere"), None), Some(EventKind::DecidedInScenario)),
        (audit("settled", Some("run_ended"), None), Some(EventKind::RunEnded)),
        (audit("reminded", None, None), Some(EventKind::Reminder)),
        (audit("overdue", None, None), Some(EventKind::Deadline)),
        (audit("gate_found", Some("pending"), None), None),
        (audit("claimed", Some("deciding"), ana), None),
        (audit("refused", None, ana), None),
        (audit("picked", None, ana), None),
    ];
    for (facts, kind) in cases {
        let action = facts.action.clone();
        assert_eq!(Event::from_audit(facts).map(|e| e.kind), kind, "{action}");
    }
    for kind in EventKind::ALL {
        assert!(!kind.as_str().is_empty());
    }
}

#[test]
fn a_decision_says_who_what_why_and_the_picks_as_the_card_numbers_them() {
    let mut facts = audit("decided", Some("rejected"), Some((555, "ana")));
    facts.reason = Some("too dark".into());
    let event = Event::from_audit(facts).unwrap();
    assert_eq!(event.id, "audit-40");
    assert_eq!(event.at, "2025-12-02T10:14:03.120Z");
    assert_eq!((event.decision, event.reason.as_deref()), (Some(DecisionKind::Reject), Some("too dark")));
    assert_eq!((event.actor_id.as_deref(), event.actor_name.as_deref()), (Some("555"), Some("ana")));
    assert_eq!(event.card.as_deref(), Some("https://discord.com/channels/7/8/9"));

    let mut facts = audit("decided", Some("approved"), Some((555, "ana")));
    facts.gate.picks = Some(vec![1, 3]);
    let event = Event::from_audit(facts).unwrap();
    assert_eq!((event.decision, event.picks), (Some(DecisionKind::Pick), Some(vec![2, 4])));
}

#[test]
fn a_deadline_decision_is_the_bridges_under_its_policy_not_a_persons() {
    let facts = audit("decided", Some("approved"), Some((BRIDGE_ACTOR_ID, "approval-bridge (policy 2d)")));
    let event = Event::from_audit(facts).unwrap();
    assert_eq!(event.kind, EventKind::Deadline);
    assert_eq!(event.decision, Some(DecisionKind::Approve));
    assert_eq!((event.actor_id, event.detail.as_deref()), (None, Some("approval-bridge (policy 2d)")));
}

#[test]
fn a_vote_carries_its_picks_and_a_gate_decided_in_scenario_its_direction() {
    let mut facts = audit("approval_counted", None, Some((555, "ana")));
    facts.detail = Some("[0,2]".into());
    let vote = Event::from_audit(facts).unwrap();
    assert_eq!((vote.decision, vote.picks, vote.detail), (Some(DecisionKind::Pick), Some(vec![1, 3]), None));

    let mut facts = audit("settled", Some("decided_elsewhere"), None);
    facts.detail = Some(APPROVED_IN_SCENARIO.into());
    assert_eq!(Event::from_audit(facts).unwrap().decision, Some(DecisionKind::Approve));
    let mut facts = audit("settled", Some("decided_elsewhere"), None);
    facts.detail = Some("Rejected in Scenario".into());
    assert_eq!(Event::from_audit(facts).unwrap().decision, Some(DecisionKind::Reject));
}

#[test]
fn a_refusal_counts_its_attempts_with_or_without_a_card() {
    let facts = RefusalFacts {
        refusal_id: 3,
        at: 0,
        actor: (777, "eve".into()),
        attempt: "approve".into(),
        why: "no reviewer role".into(),
        attempts: 41,
        gate: None,
    };
    let event = Event::from_refusal(facts);
    assert_eq!((event.id.as_str(), event.kind, event.attempts), ("refusal-3", EventKind::Refused, Some(41)));
    assert_eq!((event.approval, event.detail.as_deref()), (None, Some("approve: no reviewer role")));
}

#[test]
fn the_filter_keeps_by_time_workflow_decision_and_reviewer() {
    let event = Event::from_audit(audit("decided", Some("approved"), Some((555, "ana")))).unwrap();
    let at = event.at_ms;
    assert!(Filter::default().keeps(&event));
    assert!(Filter { since_ms: Some(at), until_ms: Some(at + 1), ..Filter::default() }.keeps(&event));
    assert!(!Filter { until_ms: Some(at), ..Filter::default() }.keeps(&event));
    assert!(!Filter { workflow_id: Some("wflow_2".into()), ..Filter::default() }.keeps(&event));
    assert!(Filter { decision: Some(DecisionKind::Approve), ..Filter::default() }.keeps(&event));
    assert!(!Filter { decision: Some(DecisionKind::Reject), ..Filter::default() }.keeps(&event));
    assert!(Filter { reviewer_id: Some(555), ..Filter::default() }.keeps(&event));
    assert!(!Filter { reviewer_id: Some(556), ..Filter::default() }.keeps(&event));
}

#[test]
fn instants_are_dates_at_midnight_utc_or_rfc3339() {
    assert_eq!(parse_instant("1970-01-02"), Some(86_400_000));
    assert_eq!(parse_instant("1970-01-01T00:00:01.5Z"), Some(1_500));
    assert_eq!(parse_instant("1970-01-01T01:00:00+01:00"), Some(0));
    assert_eq!(parse_instant("yesterday"), None);
    assert_eq!(parse_instant("2026-13-01"), None);
}

#[test]
fn csv_quotes_what_needs_it_and_defuses_formulas() {
    let mut facts = audit("decided", Some("rejected"), Some((555, "=HYPERLINK(\"x\")")));
    facts.reason = Some("dark, \"muddy\"\nsky".into());
    let event = Event::from_audit(facts).unwrap();
    let header = Format::Csv.header();
    assert!(header.starts_with("id,type,at,at_ms,workflow_id,") && header.ends_with("attempts\r\n"));
    let line = Format::Csv.record(&event);
    assert!(line.contains(",\"'=HYPERLINK(\"\"x\"\")\",reject,\"dark, \"\"muddy\"\"\nsky\","), "{line}");
    let json: serde_json::Value = serde_json::from_str(Format::JsonLines.record(&event).trim_end()).unwrap();
    assert_eq!((json["type"].as_str(), json["actor_id"].as_str()), (Some("decision"), Some("555")));
}
