//! The real `ScenarioClient` against the fake Scenario: every call and every failure mode.

mod assets_and_workflows;
mod budget;
mod decisions;
mod failures;
mod jobs;
