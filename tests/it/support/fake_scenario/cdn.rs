//! The fake's CDN: CloudFront-style signed URLs that expire (403 once expired, as CloudFront
//! answers), each asset's file as the test set it (real image bytes, or a 404), and assets that
//! are not images (video, 3D) or whose URL Scenario sends broken (empty, relative, overlong).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use image::ImageFormat;

use serde_json::Value;
use time::OffsetDateTime;

/// What the CDN serves for an asset the test gave no file: a small real PNG (64 × 48).
fn default_png() -> Arc<Vec<u8>> {
    static PNG: OnceLock<Arc<Vec<u8>>> = OnceLock::new();
    PNG.get_or_init(|| {
        crate::support::images::encoded(&crate::support::images::picture(64, 48, 0), ImageFormat::Png)
    })
    .clone()
}

/// How long a signed URL is valid.
const VALIDITY_SECS: i64 = 3600;

/// What the CDN serves for one asset.
#[derive(Clone, Debug)]
pub enum CdnFile {
    /// These bytes, with this content type.
    Bytes { content_type: &'static str, bytes: Arc<Vec<u8>> },
    /// This HTTP status, no file.
    Status(u16),
    /// A redirect (302) to this URL.
    Redirect(String),
}

/// The CDN's files and rules.
#[derive(Default)]
pub struct Cdn {
    files: HashMap<String, CdnFile>,
    kinds: HashMap<String, (String, String)>,
    urls: HashMap<String, String>,
    /// Every URL whose `Expires` is at or before this is refused: a test "expires" the URLs
    /// signed so far without waiting an hour.
    expired_through: i64,
    /// Files answered, per asset.
    downloads: HashMap<String, usize>,
}

impl Cdn {
    /// A signed URL for `asset_id` on the fake's CDN route, valid for an hour (and past any
    /// expiry the test forced).
    pub fn sign(&self, port: u16, asset_id: &str) -> String {
        let expires =
            (OffsetDateTime::now_utc().unix_timestamp() + VALIDITY_SECS).max(self.expired_through + 1);
        let signature: String = std::iter::repeat_with(fastrand::alphanumeric).take(24).collect();
        format!(
            "http://127.0.0.1:{port}/cdn/{asset_id}.png?Expires={expires}&Signature={signature}&Key-Pair-Id=KFAKE"
        )
    }

    /// Ends every URL signed so far.
    pub fn expire_all(&mut self) {
        self.expired_through = OffsetDateTime::now_utc().unix_timestamp() + VALIDITY_SECS;
    }

    pub fn set_file(&mut self, asset_id: &str, file: CdnFile) {
        self.files.insert(asset_id.to_owned(), file);
    }

    /// Scenario's kind and MIME type for `asset_id` (default image, image/png).
    pub fn set_kind(&mut self, asset_id: &str, kind: &str, mime: &str) {
        self.kinds.insert(asset_id.to_owned(), (kind.to_owned(), mime.to_owned()));
    }

    /// The URL Scenario sends for `asset_id`, everywhere, instead of a signed one.
    pub fn set_url(&mut self, asset_id: &str, url: &str) {
        self.urls.insert(asset_id.to_owned(), url.to_owned());
    }

    /// The URL of `asset_id` as the API shows it: the test's broken one, else `signed`.
    pub fn url_of(&self, asset_id: &str, signed: String) -> String {
        self.urls.get(asset_id).cloned().unwrap_or(signed)
    }

    /// Applies the test's kind and URL to a rendered asset.
    pub fn dress(&self, asset: &mut Value) {
        let Some(id) = asset["id"].as_str().map(str::to_owned) else { return };
        if let Some((kind, mime)) = self.kinds.get(&id) {
            asset["kind"] = Value::from(kind.as_str());
            asset["metadata"]["kind"] = Value::from(kind.as_str());
            asset["mimeType"] = Value::from(mime.as_str());
        }
        if let Some(url) = self.urls.get(&id) {
            asset["url"] = Value::from(url.as_str());
        }
    }

    /// How many times the file of `asset_id` was served.
    pub fn downloads(&self, asset_id: &str) -> usize {
        self.downloads.get(asset_id).copied().unwrap_or(0)
    }

    /// Answers `GET /cdn/{asset_id}.png?Expires=…&Signature=…`: status, content type, body; or
    /// `Err` with the URL to redirect to.
    pub fn serve(
        &mut self,
        file: &str,
        params: &HashMap<String, String>,
    ) -> Result<(u16, &'static str, Vec<u8>), String> {
        let expires = params.get("Expires").and_then(|e| e.parse::<i64>().ok());
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let fresh = expires.is_some_and(|e| e >= now && e > self.expired_through);
        if !fresh || !params.contains_key("Signature") {
            return Ok((403, "text/xml", b"<Error><Code>AccessDenied</Code></Error>".to_vec()));
        }
        let asset_id = file.rsplit_once('.').map_or(file, |(id, _)| id);
        match self.files.get(asset_id) {
            Some(CdnFile::Status(status)) => {
                Ok((*status, "text/xml", b"<Error><Code>NoSuchKey</Code></Error>".to_vec()))
            }
            Some(CdnFile::Redirect(to)) => Err(to.clone()),
            Some(CdnFile::Bytes { content_type, bytes }) => {
                *self.downloads.entry(asset_id.to_owned()).or_default() += 1;
                Ok((200, content_type, bytes.to_vec()))
            }
            None => {
                *self.downloads.entry(asset_id.to_owned()).or_default() += 1;
                Ok((200, "image/png", default_png().to_vec()))
            }
        }
    }
}

impl super::FakeScenario {
    /// Serves `bytes` (of `content_type`) as the file of `asset_id`.
    pub fn set_asset_file(&self, asset_id: &str, content_type: &'static str, bytes: Arc<Vec<u8>>) {
        self.state().cdn.set_file(asset_id, CdnFile::Bytes { content_type, bytes });
    }

    /// Answers `status` for the file of `asset_id` (a 404 for a file gone from the bucket).
    pub fn set_asset_status(&self, asset_id: &str, status: u16) {
        self.state().cdn.set_file(asset_id, CdnFile::Status(status));
    }

    /// Answers the file of `asset_id` with a redirect to `to`.
    pub fn set_asset_redirect(&self, asset_id: &str, to: &str) {
        self.state().cdn.set_file(asset_id, CdnFile::Redirect(to.to_owned()));
    }

    /// Shows `asset_id` as of `kind` (`video`, `3d`, …) with `mime`.
    pub fn set_asset_kind(&self, asset_id: &str, kind: &str, mime: &str) {
        self.state().cdn.set_kind(asset_id, kind, mime);
    }

    /// Sends `url` as the URL of `asset_id` everywhere (empty, relative, overlong…).
    pub fn set_asset_url(&self, asset_id: &str, url: &str) {
        self.state().cdn.set_url(asset_id, url);
    }

    /// Expires every URL signed so far: the CDN answers them 403, as after CloudFront's policy
    /// ends; URLs signed from now on are fresh.
    pub fn expire_signed_urls(&self) {
        self.state().cdn.expire_all();
    }

    /// How many times the CDN served the file of `asset_id`.
    pub fn cdn_downloads(&self, asset_id: &str) -> usize {
        self.state().cdn.downloads(asset_id)
    }
}
