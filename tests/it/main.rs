mod support;
mod fake_discord;
