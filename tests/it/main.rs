mod benchmark;
mod discord_connection;
mod fake_discord;
mod fake_scenario_schemas;
mod hostile_input;
mod review;
mod scenario_client;
mod support;
