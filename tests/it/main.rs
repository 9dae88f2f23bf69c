mod fake_discord;
mod support;
