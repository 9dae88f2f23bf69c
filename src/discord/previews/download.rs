//! Downloading an original from Scenario's CDN, with a size cap.
//!
//! The CDN URLs are signed, so the request carries no credential: the client is a plain one,
//! never the Scenario API client (whose requests carry the API key).

use std::time::Duration;

use reqwest::{Client, StatusCode};
use url::Url;

use super::NotShown;

/// The largest original downloaded. Scenario's images are a few MiB; an upscale can reach
/// ~30 MiB. Larger files are named on the card as too large.
pub const MAX_DOWNLOAD_BYTES: usize = 40 * 1024 * 1024;
/// How long one download may take, from connecting to the last byte.
pub const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// A client for the CDN: no default headers, no cookies, bounded time.
pub fn cdn_client() -> Client {
    Client::builder()
        .timeout(DOWNLOAD_TIMEOUT)
        .connect_timeout(Duration::from_secs(10))
        .build()
        // Building fails only when the TLS backend cannot start; the Scenario client, built
        // first with the same backend, reports that at start-up.
        .unwrap_or_default()
}

/// The body at `url`, refused past `cap` bytes (announced or streamed).
pub async fn fetch(client: &Client, url: Url, cap: usize) -> Result<Vec<u8>, NotShown> {
    let mut response = client.get(url).send().await.map_err(|err| failed(&err))?;
    match response.status() {
        status if status.is_success() => {}
        // CloudFront answers 403 once a signed URL's policy has ended.
        StatusCode::FORBIDDEN => return Err(NotShown::LinkExpired),
        status => return Err(NotShown::DownloadFailed(Some(status.as_u16()))),
    }
    if response.content_length().is_some_and(|len| len > u64::try_from(cap).unwrap_or(u64::MAX)) {
        return Err(NotShown::TooLarge);
    }
    let mut body = Vec::with_capacity(response.content_length().map_or(0, |len| len as usize));
    while let Some(chunk) = response.chunk().await.map_err(|err| failed(&err))? {
        if body.len() + chunk.len() > cap {
            return Err(NotShown::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn failed(err: &reqwest::Error) -> NotShown {
    if err.is_timeout() { NotShown::DownloadTimedOut } else { NotShown::DownloadFailed(None) }
}
