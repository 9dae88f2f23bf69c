//! Request bodies: JSON, or `multipart/form-data` with a `payload_json` part and `files[n]`
//! parts, as serenity sends when files are attached. A small parser, enough for reqwest's forms.

use axum::http::{HeaderMap, header};
use serde_json::Value;

use super::errors::ApiError;
use super::record::RecordedFile;

/// The JSON body (or `payload_json`) and the files of a request.
pub(super) fn parse_body(
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<(Option<Value>, Vec<RecordedFile>), ApiError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if let Some(boundary) = content_type.strip_prefix("multipart/form-data; boundary=") {
        return parse_multipart(boundary.trim_matches('"'), bytes);
    }
    if bytes.is_empty() {
        return Ok((None, vec![]));
    }
    let body = serde_json::from_slice(bytes).map_err(|e| ApiError::bad_json(&e.to_string()))?;
    Ok((Some(body), vec![]))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_multipart(boundary: &str, bytes: &[u8]) -> Result<(Option<Value>, Vec<RecordedFile>), ApiError> {
    let delimiter = format!("--{boundary}");
    let mut rest = bytes;
    let mut body = None;
    let mut files = vec![];
    let start =
        find(rest, delimiter.as_bytes()).ok_or_else(|| ApiError::bad_json("no multipart boundary"))?;
    rest = &rest[start + delimiter.len()..];
    while !rest.starts_with(b"--") {
        let part_end =
            find(rest, delimiter.as_bytes()).ok_or_else(|| ApiError::bad_json("unterminated part"))?;
        let part = &rest[..part_end];
        rest = &rest[part_end + delimiter.len()..];
        let split = find(part, b"\r\n\r\n").ok_or_else(|| ApiError::bad_json("part without headers"))?;
        let head = String::from_utf8_lossy(&part[..split]);
        let data = part[split + 4..].strip_suffix(b"\r\n").unwrap_or(&part[split + 4..]);
        let name = disposition_param(&head, "name").unwrap_or_default();
        if name == "payload_json" {
            body = Some(serde_json::from_slice(data).map_err(|e| ApiError::bad_json(&e.to_string()))?);
        } else if let Some(filename) = disposition_param(&head, "filename") {
            let content_type = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase().strip_prefix("content-type:").map(|v| v.trim().to_owned())
                })
                .unwrap_or_else(|| "application/octet-stream".into());
            files.push(RecordedFile {
                field: name,
                filename,
                content_type,
                size: data.len(),
                data: data.into(),
            });
        }
    }
    Ok((body, files))
}

fn disposition_param(head: &str, key: &str) -> Option<String> {
    let line = head.lines().find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
    line.split(';').find_map(|piece| {
        let (k, v) = piece.trim().split_once('=')?;
        (k == key).then(|| v.trim_matches('"').to_owned())
    })
}
