//! Discord's rate limits, opt-in (off by default, so ordinary tests never wait): a bucket per
//! route and major parameter, and the bot's global limit, answered with Discord's
//! `X-RateLimit-*` headers and 429s. See <https://discord.com/developers/docs/topics/rate-limits>.
//!
//! Buckets are fixed windows, as Discord's are: the first request after a window ended opens the
//! next one, which allows `limit` requests until it closes. A refused request takes no slot.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::rest::Reply;

/// The limits a fake enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Requests per window on one route and major parameter (e.g. posts in one channel).
    pub route_limit: u32,
    /// The window of a route bucket.
    pub route_window: Duration,
    /// Requests per window over every route but the interaction routes.
    pub global_limit: u32,
    /// The window of the global limit.
    pub global_window: Duration,
}

impl RateLimits {
    /// Discord's: 5 messages per 5 s in a channel, 50 requests per second for the bot.
    pub fn discord() -> Self {
        Self {
            route_limit: 5,
            route_window: Duration::from_secs(5),
            global_limit: 50,
            global_window: Duration::from_secs(1),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    opened: Instant,
    used: u32,
}

impl Window {
    /// Requests left in this window at `now`, and when it closes.
    fn left(this: Option<&Self>, limit: u32, length: Duration, now: Instant) -> (u32, Instant) {
        match this {
            Some(w) if now < w.opened + length => (limit.saturating_sub(w.used), w.opened + length),
            _ => (limit, now + length),
        }
    }

    fn take(this: &mut Option<Self>, length: Duration, now: Instant) {
        match this {
            Some(w) if now < w.opened + length => w.used += 1,
            _ => *this = Some(Self { opened: now, used: 1 }),
        }
    }
}

/// The fake's counters.
#[derive(Debug, Default)]
pub(super) struct Limiter {
    windows: Mutex<Windows>,
}

/// The open window of each route bucket, and of the global limit.
#[derive(Debug, Default)]
struct Windows {
    routes: HashMap<String, Option<Window>>,
    global: Option<Window>,
}

impl Limiter {
    /// Takes a slot for a request to `template` (`major` is its first path parameter) at `now`:
    /// `Ok` with the headers to add to the answer, or `Err` with the 429 to answer instead.
    /// Interaction routes are outside the global limit, as on Discord.
    pub(super) fn take(
        &self,
        limits: &RateLimits,
        method: &str,
        template: &'static str,
        major: Option<&str>,
        now: Instant,
    ) -> Result<Vec<(&'static str, String)>, Reply> {
        let key = format!("{method} {template} {}", major.unwrap_or_default());
        let global_applies = !template.starts_with("/interactions/") && !template.starts_with("/webhooks/");
        let mut guard = self.windows.lock().expect("rate limits");
        let Windows { routes, global } = &mut *guard;
        let bucket = routes.entry(key).or_default();
        let (route_left, route_reset) =
            Window::left(bucket.as_ref(), limits.route_limit, limits.route_window, now);
        let (global_left, global_reset) =
            Window::left(global.as_ref(), limits.global_limit, limits.global_window, now);
        let headers = |remaining: u32, reset: Instant| {
            let after = reset.saturating_duration_since(now);
            // Rounded up to Discord's millisecond precision, so a client waiting for it is never early.
            let after_ms = after.as_micros().div_ceil(1000);
            let reset_at = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default() + after;
            vec![
                ("x-ratelimit-limit", limits.route_limit.to_string()),
                ("x-ratelimit-remaining", remaining.to_string()),
                ("x-ratelimit-reset", format!("{:.3}", reset_at.as_secs_f64())),
                ("x-ratelimit-reset-after", format!("{}.{:03}", after_ms / 1000, after_ms % 1000)),
                ("x-ratelimit-bucket", bucket_hash(template)),
            ]
        };
        if global_applies && global_left == 0 {
            return Err(too_many(global_reset.saturating_duration_since(now), true, vec![]));
        }
        if route_left == 0 {
            let retry = route_reset.saturating_duration_since(now);
            return Err(too_many(retry, false, headers(0, route_reset)));
        }
        Window::take(bucket, limits.route_window, now);
        if global_applies {
            Window::take(global, limits.global_window, now);
        }
        Ok(headers(route_left - 1, route_reset))
    }
}

/// Discord's 429: `retry_after` in seconds (float) in the body, whole seconds in `Retry-After`.
fn too_many(retry: Duration, global: bool, mut headers: Vec<(&'static str, String)>) -> Reply {
    let retry_ms = retry.as_micros().div_ceil(1000).max(1);
    let seconds = retry_ms as f64 / 1000.0;
    headers.push(("retry-after", retry_ms.div_ceil(1000).to_string()));
    headers.push(("x-ratelimit-scope", if global { "global" } else { "user" }.to_owned()));
    if global {
        headers.push(("x-ratelimit-global", "true".to_owned()));
    }
    let body = json!({ "message": "You are being rate limited.", "retry_after": seconds, "global": global });
    Reply { status: 429, body: Some(body), headers }
}

/// An opaque bucket id per route, as Discord's `X-RateLimit-Bucket`.
fn bucket_hash(template: &str) -> String {
    let hash = template
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_allows_its_limit_per_window_then_answers_429_until_it_resets() {
        let (limiter, limits, t0) = (Limiter::default(), RateLimits::discord(), Instant::now());
        let post = |at| limiter.take(&limits, "POST", "/channels/{channel_id}/messages", Some("1"), at);
        for _ in 0..5 {
            assert!(post(t0).is_ok());
        }
        let refused = post(t0 + Duration::from_secs(1)).expect_err("the sixth is refused");
        assert_eq!(refused.status, 429);
        assert_eq!(refused.body.unwrap()["retry_after"], 4.0);
        assert!(post(t0 + Duration::from_secs(5)).is_ok(), "a new window");
        let other = limiter.take(&limits, "POST", "/channels/{channel_id}/messages", Some("2"), t0);
        assert!(other.is_ok(), "another channel has its own bucket");
    }

    #[test]
    fn the_global_limit_spans_routes_but_not_interactions() {
        let (limiter, t0) = (Limiter::default(), Instant::now());
        let limits = RateLimits { global_limit: 2, ..RateLimits::discord() };
        let post =
            |channel| limiter.take(&limits, "POST", "/channels/{channel_id}/messages", Some(channel), t0);
        assert!(post("1").is_ok() && post("2").is_ok());
        let refused = post("3").expect_err("the global limit is reached");
        assert!(refused.headers.iter().any(|(name, value)| *name == "x-ratelimit-global" && value == "true"));
        let callback = "/interactions/{interaction_id}/{interaction_token}/callback";
        assert!(limiter.take(&limits, "POST", callback, Some("9"), t0).is_ok());
    }
}
