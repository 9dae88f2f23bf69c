//! When and how long to wait before trying a request again, as the official SDKs do: two retries
//! on connection errors, timeouts, 408, 409, 429 and 5xx; exponential backoff 0.5 s × 2^n capped
//! at 8 s with jitter ×0.75–1.0; a server's `retry-after-ms`, then `retry-after` (seconds or an
//! HTTP date) wins when it asks for 0–60 s.

use std::time::Duration;

use reqwest::header::HeaderMap;
use time::format_description::BorrowedFormatItem;
use time::{OffsetDateTime, PrimitiveDateTime};

/// The longest wait a server may ask for and be obeyed; longer asks fall back to the backoff.
const MAX_SERVER_DELAY: Duration = Duration::from_secs(60);

/// How many times and how patiently a request is retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (the SDK's: 2).
    pub max_retries: u32,
    /// The first backoff (the SDK's: 0.5 s), doubled each retry.
    pub base_delay: Duration,
    /// The longest backoff (the SDK's: 8 s).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_retries: 2, base_delay: Duration::from_millis(500), max_delay: Duration::from_secs(8) }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self { max_retries: 0, ..Self::default() }
    }

    /// The backoff before retry number `retry` (0 for the first retry), with jitter.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(16));
        let full = self.base_delay.saturating_mul(factor).min(self.max_delay);
        // Jitter ×0.75–1.0 spreads the retries of clients that failed together.
        full.mul_f64(1.0 - fastrand::f64() * 0.25)
    }

    /// The wait before retry number `retry`: what the server asked for when it asked for 0–60 s,
    /// else the backoff.
    pub fn delay(&self, retry: u32, headers: Option<&HeaderMap>) -> Duration {
        headers.and_then(server_delay).unwrap_or_else(|| self.backoff(retry))
    }
}

/// Whether a status is worth another attempt: 408, 409, 429 and 5xx.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 409 | 429) || status >= 500
}

/// The wait a server asked for, from `retry-after-ms` then `retry-after`, if within 0–60 s.
pub fn server_delay(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let asked = header("retry-after-ms")
        .and_then(|ms| ms.parse::<f64>().ok())
        .map(|ms| ms / 1000.0)
        .or_else(|| {
            let value = header("retry-after")?;
            value.parse::<f64>().ok().or_else(|| seconds_until_http_date(value))
        })?;
    if !asked.is_finite() || asked < 0.0 {
        return None;
    }
    let delay = Duration::from_secs_f64(asked);
    (delay <= MAX_SERVER_DELAY).then_some(delay)
}

/// IMF-fixdate, the HTTP date format: `Sun, 06 Nov 1994 08:49:37 GMT`.
const HTTP_DATE: &str = "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT";

fn seconds_until_http_date(value: &str) -> Option<f64> {
    let format: Vec<BorrowedFormatItem<'_>> = time::format_description::parse(HTTP_DATE).ok()?;
    let at = PrimitiveDateTime::parse(value, &format).ok()?.assume_utc();
    Some((at - OffsetDateTime::now_utc()).as_seconds_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn the_default_policy_is_the_sdks() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.max_retries, 2);
        assert_eq!(policy.base_delay, Duration::from_millis(500));
        assert_eq!(policy.max_delay, Duration::from_secs(8));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let policy = RetryPolicy::default();
        for _ in 0..50 {
            let first = policy.backoff(0);
            assert!(first >= Duration::from_millis(375) && first <= Duration::from_millis(500));
            let second = policy.backoff(1);
            assert!(second >= Duration::from_millis(750) && second <= Duration::from_millis(1000));
            let late = policy.backoff(10);
            assert!(late >= Duration::from_secs(6) && late <= Duration::from_secs(8));
        }
    }

    #[test]
    fn retry_after_ms_wins_over_retry_after() {
        let h = headers(&[("retry-after-ms", "250"), ("retry-after", "3")]);
        assert_eq!(server_delay(&h), Some(Duration::from_millis(250)));
        let h = headers(&[("retry-after", "1.5")]);
        assert_eq!(server_delay(&h), Some(Duration::from_millis(1500)));
    }

    #[test]
    fn an_http_date_in_retry_after_is_honoured() {
        let at = OffsetDateTime::now_utc() + time::Duration::seconds(10);
        let format = time::format_description::parse(HTTP_DATE).unwrap();
        let h = headers(&[("retry-after", &at.format(&format).unwrap())]);
        let delay = server_delay(&h).unwrap();
        assert!(delay > Duration::from_secs(8) && delay <= Duration::from_secs(10), "{delay:?}");
    }

    #[test]
    fn a_server_asking_more_than_a_minute_or_nonsense_gets_the_backoff() {
        assert_eq!(server_delay(&headers(&[("retry-after", "120")])), None);
        assert_eq!(server_delay(&headers(&[("retry-after", "-1")])), None);
        assert_eq!(server_delay(&headers(&[("retry-after", "soon")])), None);
        let policy = RetryPolicy::default();
        let delay = policy.delay(0, Some(&headers(&[("retry-after", "120")])));
        assert!(delay <= Duration::from_millis(500));
    }

    #[test]
    fn only_408_409_429_and_5xx_are_retried() {
        let retried: Vec<u16> = (400..600).filter(|s| is_retryable_status(*s)).collect();
        assert_eq!(&retried[..3], &[408, 409, 429]);
        assert_eq!(retried.len(), 3 + 100);
    }
}
