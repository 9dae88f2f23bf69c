//! Downloading an original from Scenario's CDN, with a size cap.
//!
//! The CDN URLs are signed, so the request carries no credential: the client is a plain one,
//! never the Scenario API client (whose requests carry the API key). It connects only where
//! [`super::guard`] lets it: hosts of `PREVIEW_HOSTS`, on every redirect hop, and no internal
//! address a name resolves to; it ignores proxy settings, so that check is made on the address
//! actually connected to.

use std::{sync::Arc, time::Duration};

use reqwest::{Client, StatusCode};
use tracing::warn;
use url::Url;

use super::{NotShown, guard};
use crate::config::PreviewHosts;

/// The largest original downloaded. Scenario's images are a few MiB; an upscale can reach
/// ~30 MiB. Larger files are named on the card as too large.
pub const MAX_DOWNLOAD_BYTES: usize = 40 * 1024 * 1024;
/// How long one download may take, from connecting to the last byte.
pub const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// A client for the CDN on `hosts`: no default headers, no cookies, bounded time.
pub fn cdn_client(hosts: Arc<PreviewHosts>) -> Client {
    Client::builder()
        .timeout(DOWNLOAD_TIMEOUT)
        .connect_timeout(Duration::from_secs(10))
        .no_proxy()
        .dns_resolver(Arc::new(guard::PublicOnly))
        .redirect(guard::redirects(hosts))
        .build()
        // Building fails only when the TLS backend cannot start; the Scenario client, built
        // first with the same backend, reports that at start-up.
        .unwrap_or_default()
}

/// The body at `url`, refused past `cap` bytes (announced or streamed). The caller checked that
/// `url` is on the client's hosts.
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
    if err.is_timeout() {
        return NotShown::DownloadTimedOut;
    }
    // The cause chain names the refused redirect or the internal address; the log keeps it (the
    // host only: a signed URL is a key to the file).
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    let host = err.url().and_then(Url::host_str).unwrap_or_default();
    warn!(host, error = %causes.join(": "), "preview download failed");
    NotShown::DownloadFailed(None)
}
