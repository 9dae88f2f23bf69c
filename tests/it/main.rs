mod fake_discord;
mod fake_scenario_schemas;
mod scenario_client;
mod support;
