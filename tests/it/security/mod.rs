//! One home server: what comes from elsewhere is refused, routes stay at home, refusals stay
//! bounded, tokens stay out of logs, and the operations listener keeps its limits.

mod endpoint_flood;
mod flood;
mod home;
mod inert;
mod listener;
mod logs;
mod outsiders;

use approval_bridge::discord::refusal::Refusal;

use crate::support::{
    app::{PROMPTLY, TestApp},
    fake_discord::{GuildMember, InteractionHandle},
};

/// An admin (Administrator) of the other server the bot was invited to.
pub fn foreign_admin(app: &TestApp) -> GuildMember {
    GuildMember::new("mallory")
        .with_permissions(crate::support::fake_discord::ADMINISTRATOR)
        .in_guild(app.discord.foreign_guild_id())
}

/// The bridge's answer to `handle`, checked to be the ephemeral outside-refusal sentence.
pub async fn assert_refused_as_outside(app: &TestApp, handle: &InteractionHandle) {
    let callback = app.discord.wait_for_callback(handle, PROMPTLY).await.expect("answered");
    assert!(!callback.is_rejected(), "{:?}", callback.response);
    let body = callback.body.unwrap_or_default();
    assert_eq!(body["type"], 4, "answered at once, no deferral: {body}");
    assert_eq!(body["data"]["flags"], 64, "ephemeral: {body}");
    let text = body["data"]["content"].as_str().unwrap_or_default();
    assert_eq!(text, Refusal::OutsideHome.to_string());
}

/// Whether the bridge sent Discord anything but answers to interactions since `seq`.
pub fn only_answers_since(app: &TestApp, seq: usize) -> Vec<String> {
    app.discord
        .requests_since(seq)
        .iter()
        .filter(|r| !r.path.contains("/interactions/") && !r.path.contains("/webhooks/"))
        .map(|r| r.summary())
        .collect()
}
