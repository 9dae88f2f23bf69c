pub mod fake_scenario;
