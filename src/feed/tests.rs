use time::format_description::well_known::Rfc3339;

use super::*;

/// A Scenario timestamp.
fn stamp(rfc3339: &str) -> OffsetDateTime {
    OffsetDateTime::parse(rfc3339, &Rfc3339).unwrap()
}

const EVERY: Duration = Duration::from_secs(600);

fn at(t0: Duration, secs: u64) -> Duration {
    t0 + Duration::from_secs(secs)
}

#[test]
fn the_first_pass_is_a_sweep_and_its_newest_update_becomes_the_cursor() {
    let t0 = Duration::from_secs(1_000);
    let mut feed = Feed::new(EVERY);
    assert_eq!(feed.next_pass(t0), Pass::Sweep(SweepReason::Start));

    let newest = stamp("2026-12-02T10:00:00.123Z");
    feed.swept(t0, Some(newest));

    assert_eq!(feed.cursor(), Some(newest));
    assert_eq!(feed.next_pass(at(t0, 5)), Pass::Delta { after: newest - DELTA_OVERLAP });
}

#[test]
fn the_delta_query_reaches_back_by_the_overlap_from_scenarios_own_newest_stamp() {
    let t0 = Duration::from_secs(1_000);
    let mut feed = Feed::new(EVERY);
    feed.swept(t0, Some(stamp("2026-12-02T10:00:00.000Z")));
    feed.advanced(at(t0, 5), Some(stamp("2026-12-02T10:00:07.500Z")));

    assert_eq!(feed.next_pass(at(t0, 10)), Pass::Delta { after: stamp("2026-12-02T09:59:57.500Z") });
}

#[test]
fn once_the_cursor_has_stood_still_for_the_overlap_the_query_starts_at_the_cursor() {
    let t0 = Duration::from_secs(1_000);
    let mut feed = Feed::new(EVERY);
    let first = stamp("2026-12-02T10:00:00.000Z");
    feed.swept(t0, Some(first));
    feed.advanced(at(t0, 5), Some(first));

    assert_eq!(feed.next_pass(at(t0, 9)), Pass::Delta { after: first - DELTA_OVERLAP });
    assert_eq!(
        feed.next_pass(at(t0, 10)),
        Pass::Delta { after: first },
        "a pass that saw nothing new does not reopen it"
    );

    let second = stamp("2026-12-02T10:00:12.000Z");
    feed.advanced(at(t0, 15), Some(second));
    assert_eq!(
        feed.next_pass(at(t0, 20)),
        Pass::Delta { after: second - DELTA_OVERLAP },
        "a move reopens it"
    );
    assert_eq!(feed.next_pass(at(t0, 25)), Pass::Delta { after: second });
}

#[test]
fn the_cursor_never_moves_back() {
    let t0 = Duration::from_secs(1_000);
    let mut feed = Feed::new(EVERY);
    feed.swept(t0, Some(stamp("2026-12-02T10:00:05Z")));
    feed.advanced(at(t0, 5), Some(stamp("2026-12-02T10:00:01Z")));
    feed.advanced(at(t0, 10), None);
    assert_eq!(feed.cursor(), Some(stamp("2026-12-02T10:00:05Z")));
}

#[test]
fn a_later_sweep_leaves_the_cursor_where_the_delta_passes_left_it() {
    let t0 = Duration::from_secs(1_000);
    let mut feed = Feed::new(EVERY);
    feed.swept(t0, Some(stamp("2026-12-02T10:00:00Z")));
    feed.advanced(at(t0, 300), Some(stamp("2026-12-02T10:05:00Z")));

    feed.swept(at(t0, 600), Some(stamp("2026-12-02T10:09:00Z")));

    assert_eq!(feed.cursor(), Some(stamp("2026-12-02T10:05:00Z")));
}

#[test]
fn a_sweep_comes_back_every_period_and_not_before() {
    let t0 = Duration::from_secs(1_000);
    let mut feed = Feed::new(EVERY);
    feed.swept(t0, Some(stamp("2026-12-02T10:00:00Z")));

    assert!(matches!(feed.next_pass(at(t0, 599)), Pass::Delta { .. }));
    assert_eq!(feed.next_pass(at(t0, 600)), Pass::Sweep(SweepReason::Due));

    feed.swept(at(t0, 600), None);
    assert!(matches!(feed.next_pass(at(t0, 601)), Pass::Delta { .. }));
}

#[test]
fn without_any_run_seen_every_pass_sweeps() {
    let t0 = Duration::from_secs(1_000);
    let mut feed = Feed::new(EVERY);
    feed.swept(t0, None);
    assert_eq!(feed.next_pass(at(t0, 5)), Pass::Sweep(SweepReason::NoCursor));

    feed.swept(at(t0, 5), Some(stamp("2026-12-02T10:00:00Z")));
    assert!(matches!(feed.next_pass(at(t0, 10)), Pass::Delta { .. }));
}

#[test]
fn a_route_change_asks_for_one_sweep() {
    let t0 = Duration::from_secs(1_000);
    let mut feed = Feed::new(EVERY);
    feed.swept(t0, Some(stamp("2026-12-02T10:00:00Z")));
    feed.request_sweep();
    assert_eq!(feed.next_pass(at(t0, 5)), Pass::Sweep(SweepReason::RoutesChanged));

    feed.swept(at(t0, 5), None);
    assert!(matches!(feed.next_pass(at(t0, 10)), Pass::Delta { .. }));
}

#[test]
fn after_a_fallback_every_pass_sweeps_and_only_the_first_fallback_reports_itself() {
    let t0 = Duration::from_secs(1_000);
    let mut feed = Feed::new(EVERY);
    feed.swept(t0, Some(stamp("2026-12-02T10:00:00Z")));

    assert!(feed.fall_back("refused".into()));
    assert!(!feed.fall_back("refused again".into()));

    assert_eq!(feed.fallback(), Some("refused"));
    assert_eq!(feed.next_pass(at(t0, 5)), Pass::Sweep(SweepReason::Fallback));
    feed.swept(at(t0, 5), None);
    assert_eq!(feed.next_pass(at(t0, 10)), Pass::Sweep(SweepReason::Fallback));
}

#[test]
fn a_sweep_lists_the_known_non_terminal_statuses_in_lifecycle_order_then_learnt_ones() {
    let mut feed = Feed::new(EVERY);
    let wire = |f: &Feed| f.sweep_statuses().iter().map(ToString::to_string).collect::<Vec<_>>();
    assert_eq!(wire(&feed), ["pending", "queued", "warming-up", "in-progress", "finalizing"]);

    assert!(feed.saw_status(&JobStatus::Unknown("paused".into())));
    assert!(!feed.saw_status(&JobStatus::Unknown("paused".into())), "learnt once");
    assert!(!feed.saw_status(&JobStatus::InProgress));
    assert!(!feed.saw_status(&JobStatus::Canceled));

    assert_eq!(wire(&feed), ["pending", "queued", "warming-up", "in-progress", "finalizing", "paused"]);
    let queries = sweep_queries(&feed.sweep_statuses());
    assert_eq!(queries.len(), 6);
    assert!(
        queries.iter().all(|q| q.types == [crate::scenario::JobType::Workflow] && q.updated_after.is_none())
    );
}

#[test]
fn a_delta_listing_in_update_order_passes_with_equal_stamps() {
    let mut check = DeltaCheck::new(stamp("2026-12-02T10:00:00Z"));
    for stamp in [
        stamp("2026-12-02T10:00:00Z"),
        stamp("2026-12-02T10:00:00.001Z"),
        stamp("2026-12-02T10:00:00.001Z"),
        stamp("2026-12-02T10:00:03Z"),
    ] {
        check.next(Some(stamp)).unwrap();
    }
    assert_eq!(check.newest(), Some(stamp("2026-12-02T10:00:03Z")));
}

#[test]
fn a_delta_listing_sorted_newest_first_passes_too() {
    let mut check = DeltaCheck::new(stamp("2026-12-02T10:00:00Z"));
    check.next(Some(stamp("2026-12-02T10:00:05Z"))).unwrap();
    check.next(Some(stamp("2026-12-02T10:00:02Z"))).unwrap();
    assert_eq!(check.newest(), Some(stamp("2026-12-02T10:00:05Z")));
}

#[test]
fn a_run_older_than_updated_after_makes_the_listing_inconsistent() {
    let mut check = DeltaCheck::new(stamp("2026-12-02T10:00:00Z"));
    let err = check.next(Some(stamp("2026-12-02T09:59:59.999Z"))).unwrap_err();
    assert!(err.contains("before the updatedAfter"), "{err}");
}

#[test]
fn a_run_without_updated_at_makes_the_listing_inconsistent() {
    let mut check = DeltaCheck::new(stamp("2026-12-02T10:00:00Z"));
    assert_eq!(check.next(None).unwrap_err(), "a run without updatedAt");
}

#[test]
fn an_unsorted_listing_is_inconsistent() {
    let mut check = DeltaCheck::new(stamp("2026-12-02T10:00:00Z"));
    check.next(Some(stamp("2026-12-02T10:00:01Z"))).unwrap();
    check.next(Some(stamp("2026-12-02T10:00:03Z"))).unwrap();
    let err = check.next(Some(stamp("2026-12-02T10:00:02Z"))).unwrap_err();
    assert_eq!(err, "runs not sorted by update date");
}

#[test]
fn only_a_400_or_422_refusal_means_the_delta_query_is_not_taken() {
    let refused = ScenarioError::Rejected {
        status: 400,
        message: "updatedAfter is not allowed".into(),
        details: None,
        after_unanswered: false,
    };
    assert!(refuses_delta(&refused));
    let forbidden = ScenarioError::BadCredentials { status: 403, message: None };
    assert!(!refuses_delta(&forbidden));
    assert!(!refuses_delta(&ScenarioError::Server { status: 503, attempts: 3, message: None }));
    assert!(!refuses_delta(&ScenarioError::RateLimited { attempts: 3 }));
}
