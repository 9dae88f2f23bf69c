pub mod app;
pub mod child;
pub mod db;
pub mod fake_discord;
pub mod fake_scenario;
pub mod images;
pub mod postgres;
pub mod wait;
