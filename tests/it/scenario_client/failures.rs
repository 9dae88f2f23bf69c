use std::time::{Duration, Instant};

use approval_bridge::approvals::ids::JobId;
use approval_bridge::scenario::{EXCERPT_CHARS, JobQuery, ScenarioClient, ScenarioError};
use secrecy::SecretString;

use crate::support::fake_scenario::{Endpoint, FakeScenario, Fault, FlowTemplate};

async fn fake_with_a_run() -> (FakeScenario, JobId) {
    let fake = FakeScenario::start().await;
    let wf = fake.add_workflow("Posters", FlowTemplate::single_gate());
    let run = fake.start_parked_run(&wf);
    (fake, JobId::from(run))
}

#[tokio::test]
async fn wrong_credentials_are_reported_once_and_not_retried() {
    let fake = FakeScenario::start().await;
    let mut settings = fake.settings();
    settings.api_secret = SecretString::from("wrong");
    let client = ScenarioClient::new(settings).unwrap();

    let error = client.list_jobs(&JobQuery::workflow_runs()).await.unwrap_err();

    assert!(matches!(error, ScenarioError::BadCredentials { status: 401, .. }), "{error:?}");
    assert!(error.to_string().contains("SCENARIO_SDK_API_SECRET"));
    assert!(!error.is_transient());
    assert_eq!(fake.requests().len(), 1);
    assert!(!fake.requests()[0].auth_ok);
}

#[tokio::test]
async fn a_403_points_at_the_project_id_and_is_not_retried() {
    let fake = FakeScenario::start().await;
    fake.require_project_id(Some("proj_other"));
    let error = fake.client().check_connection().await.unwrap_err();
    assert!(matches!(error, ScenarioError::BadCredentials { status: 403, .. }), "{error:?}");
    assert!(error.to_string().contains("SCENARIO_PROJECT_ID"));
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_429_with_retry_after_is_honoured_then_the_call_succeeds() {
    let (fake, run) = fake_with_a_run().await;
    fake.inject(Endpoint::GetJob, Fault::status(429).with_retry_after("1"), 1);

    let started = Instant::now();
    let job = fake.client().get_job(&run).await.unwrap();

    assert_eq!(job.job_id, run);
    assert!(started.elapsed() >= Duration::from_millis(950), "{:?}", started.elapsed());
    assert_eq!(fake.count(Endpoint::GetJob), 2);
}

#[tokio::test]
async fn retry_after_ms_is_preferred_over_retry_after() {
    let (fake, run) = fake_with_a_run().await;
    let fault = Fault::status(503).with_retry_after_ms("300").with_retry_after("30");
    fake.inject(Endpoint::GetJob, fault, 1);
    let started = Instant::now();
    fake.client().get_job(&run).await.unwrap();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(290) && waited < Duration::from_secs(5), "{waited:?}");
}

#[tokio::test]
async fn a_5xx_twice_then_success_takes_three_requests() {
    let (fake, run) = fake_with_a_run().await;
    fake.inject(Endpoint::GetJob, Fault::status(502), 2);
    fake.client().get_job(&run).await.unwrap();
    assert_eq!(fake.count(Endpoint::GetJob), 3);
}

#[tokio::test]
async fn a_5xx_three_times_is_a_server_error() {
    let (fake, run) = fake_with_a_run().await;
    fake.inject(Endpoint::GetJob, Fault::status(503), 3);
    let error = fake.client().get_job(&run).await.unwrap_err();
    assert!(matches!(error, ScenarioError::Server { status: 503, attempts: 3, .. }), "{error:?}");
    assert!(error.is_transient());
    assert_eq!(fake.count(Endpoint::GetJob), 3);
}

#[tokio::test]
async fn a_429_on_every_attempt_is_rate_limited() {
    let (fake, _) = fake_with_a_run().await;
    fake.inject(Endpoint::ListJobs, Fault::status(429), 3);
    let error = fake.client().list_jobs(&JobQuery::workflow_runs()).await.unwrap_err();
    assert!(matches!(error, ScenarioError::RateLimited { attempts: 3 }), "{error:?}");
    assert!(error.is_transient());
}

#[tokio::test]
async fn a_slow_answer_times_out_after_the_retries() {
    let (fake, run) = fake_with_a_run().await;
    fake.inject(Endpoint::GetJob, Fault::Delay(Duration::from_secs(3)), 3);
    let mut settings = fake.settings();
    settings.request_timeout = Duration::from_millis(200);
    let client = ScenarioClient::new(settings).unwrap();

    let started = Instant::now();
    let error = client.get_job(&run).await.unwrap_err();

    assert!(matches!(error, ScenarioError::Timeout { attempts: 3, .. }), "{error:?}");
    assert!(error.is_transient());
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_body_cut_in_half_is_malformed_with_a_short_excerpt() {
    let (fake, run) = fake_with_a_run().await;
    fake.inject(Endpoint::GetJob, Fault::TruncatedBody, 1);
    let error = fake.client().get_job(&run).await.unwrap_err();
    let ScenarioError::MalformedBody { excerpt, endpoint, .. } = &error else {
        panic!("expected a malformed body, got {error:?}");
    };
    assert_eq!(*endpoint, "GET /jobs/{jobId}");
    assert!(excerpt.starts_with("{\"job\""), "{excerpt}");
    assert!(excerpt.chars().count() <= EXCERPT_CHARS);
    assert!(!error.is_transient());
    assert_eq!(fake.count(Endpoint::GetJob), 1, "a broken body is not retried");
}

#[tokio::test]
async fn valid_json_of_the_wrong_shape_is_malformed() {
    let (fake, run) = fake_with_a_run().await;
    fake.inject(Endpoint::ListJobs, Fault::wrong_shape(), 1);
    fake.inject(Endpoint::GetJob, Fault::wrong_shape(), 1);
    let client = fake.client();

    let list_error = client.list_jobs(&JobQuery::workflow_runs()).await.unwrap_err();
    let get_error = client.get_job(&run).await.unwrap_err();

    for error in [list_error, get_error] {
        assert!(matches!(error, ScenarioError::MalformedBody { .. }), "{error:?}");
    }
}

#[tokio::test]
async fn a_dropped_connection_is_retried() {
    let (fake, run) = fake_with_a_run().await;
    fake.inject(Endpoint::GetJob, Fault::CloseConnection, 1);
    fake.client().get_job(&run).await.unwrap();
    assert_eq!(fake.count(Endpoint::GetJob), 2);
}

#[tokio::test]
async fn a_connection_dropped_every_time_is_a_transport_error() {
    let (fake, run) = fake_with_a_run().await;
    fake.inject(Endpoint::GetJob, Fault::CloseConnection, 3);
    let error = fake.client().get_job(&run).await.unwrap_err();
    assert!(matches!(error, ScenarioError::Transport { attempts: 3, .. }), "{error:?}");
    assert!(error.is_transient());
}

#[tokio::test]
async fn an_unknown_job_is_not_found_without_retries() {
    let fake = FakeScenario::start().await;
    let error = fake.client().get_job(&JobId::from("job_nope")).await.unwrap_err();
    assert!(matches!(error, ScenarioError::NotFound { .. }), "{error:?}");
    assert!(error.to_string().contains("job_nope"));
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn nothing_answering_is_a_transport_error() {
    let fake = FakeScenario::start().await;
    let mut settings = fake.settings();
    settings.base_url = "http://127.0.0.1:9/v1".parse().unwrap();
    let error = ScenarioClient::new(settings).unwrap().check_connection().await.unwrap_err();
    assert!(matches!(error, ScenarioError::Transport { .. } | ScenarioError::Timeout { .. }), "{error:?}");
}
