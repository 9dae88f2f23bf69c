//! The registry's families, labels and text format.

use super::*;

#[test]
fn every_metric_is_rendered_under_its_prometheus_name() {
    let metrics = Metrics::new();
    metrics.poll(Some(1_700_000_000_000));
    metrics.scenario_request("GET /jobs", "200".into(), Duration::from_millis(30));
    metrics.http_refusal("interactions", "replay");
    metrics.scenario_budget_grant("decision", Duration::from_millis(120));
    let text = metrics.render();
    for (name, kind) in [
        ("approval_bridge_polls", "counter"),
        ("approval_bridge_poll_failures", "counter"),
        ("approval_bridge_last_successful_poll_timestamp_seconds", "gauge"),
        ("approval_bridge_scenario_requests", "counter"),
        ("approval_bridge_scenario_request_duration_seconds", "histogram"),
        ("approval_bridge_scenario_budget_requests", "counter"),
        ("approval_bridge_scenario_budget_wait_seconds", "histogram"),
        ("approval_bridge_scenario_rate_limited", "counter"),
        ("approval_bridge_gates_found", "counter"),
        ("approval_bridge_cards_posted", "counter"),
        ("approval_bridge_decisions", "counter"),
        ("approval_bridge_gate_wait_seconds", "histogram"),
        ("approval_bridge_click_to_put_seconds", "histogram"),
        ("approval_bridge_open_gates", "gauge"),
        ("approval_bridge_http_refusals", "counter"),
    ] {
        assert!(text.contains(&format!("# TYPE {name} {kind}\n")), "{name} {kind} in\n{text}");
    }
    assert!(text.contains("approval_bridge_polls_total 1\n"), "{text}");
    assert!(text.contains("approval_bridge_last_successful_poll_timestamp_seconds 1700000000\n"));
    let series = r#"approval_bridge_scenario_request_duration_seconds_bucket{le="0.05",endpoint="GET /jobs",status="200"} 1"#;
    assert!(text.contains(series), "{text}");
    assert!(text.ends_with("# EOF\n"));
    for outcome in OUTCOMES {
        assert!(text.contains(&format!("approval_bridge_decisions_total{{outcome=\"{outcome}\"}} 0\n")));
    }
}

#[test]
fn a_new_registry_starts_at_zero() {
    let (one, two) = (Metrics::new(), Metrics::new());
    one.gate_found();
    assert!(one.render().contains("approval_bridge_gates_found_total 1\n"));
    assert!(two.render().contains("approval_bridge_gates_found_total 0\n"), "registries are separate");
}
