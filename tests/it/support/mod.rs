pub mod app;
pub mod fake_discord;
pub mod fake_scenario;
