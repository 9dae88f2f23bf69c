//! Discord's rules for files sent with a message
//! (<https://discord.com/developers/docs/reference#uploading-files>):
//! - file parts are named `files[n]`, each `n` once;
//! - the request's files together stay within the upload limit, else 413 with code 40005;
//! - when the JSON lists `attachments`, a new file is listed by its `n` (as `id`) and a file
//!   kept from the message by its attachment id; an edit's list is what the message keeps
//!   (API v10), so each new file must be listed too;
//! - an embed's or a component's `attachment://name` names a file of the message after the
//!   request.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::errors::{ApiError, FormErrors};
use super::payloads::id_text;
use super::record::RecordedFile;

/// Checks the files of a message create or edit. `existing` is the message's attachments
/// before an edit (empty for a create).
pub(super) fn check(
    body: &Value,
    files: &[RecordedFile],
    existing: &[Value],
    limit: usize,
) -> Result<(), ApiError> {
    let total: usize = files.iter().map(|f| f.size).sum();
    if total > limit {
        return Err(ApiError {
            status: 413,
            body: json!({ "code": 40005, "message": "Request entity too large" }),
        });
    }
    let mut errs = FormErrors::default();
    let mut indexes = HashSet::new();
    for file in files {
        let index = file
            .field
            .strip_prefix("files[")
            .and_then(|r| r.strip_suffix(']'))
            .and_then(|n| n.parse::<u64>().ok());
        match index {
            Some(n) if indexes.insert(n) => {}
            _ => errs.push(
                vec![file.field.clone()],
                "BASE_TYPE_BAD_FILE",
                "File parts are named files[n], each n once.",
            ),
        }
    }
    let listed = body.get("attachments").and_then(Value::as_array);
    let mut names: HashSet<String> = HashSet::new();
    match listed {
        None => {
            names.extend(files.iter().map(|f| f.filename.clone()));
            names.extend(existing.iter().filter_map(|a| a["filename"].as_str().map(str::to_owned)));
        }
        Some(listed) => {
            let mut seen_files = HashSet::new();
            for (i, entry) in listed.iter().enumerate() {
                let id = id_text(&entry["id"]);
                let new = id.parse::<u64>().ok().filter(|n| indexes.contains(n));
                if let Some(n) = new {
                    seen_files.insert(n);
                    let file = files.iter().find(|f| f.field == format!("files[{n}]"));
                    names.extend(file.map(|f| f.filename.clone()));
                } else if let Some(kept) = existing.iter().find(|a| id_text(&a["id"]) == id) {
                    names.extend(kept["filename"].as_str().map(str::to_owned));
                } else {
                    let at = vec!["attachments".into(), i.to_string(), "id".into()];
                    errs.push(
                        at,
                        "ATTACHMENT_NOT_FOUND",
                        format!(
                            "Unknown attachment {id}: neither a file of this request nor of the message."
                        ),
                    );
                }
            }
            for n in indexes.difference(&seen_files) {
                let at = vec![format!("files[{n}]")];
                errs.push(at, "ATTACHMENT_NOT_LISTED", "A file sent must be listed in attachments.");
            }
        }
    }
    for name in super::layout::attachment_names(&body["components"]) {
        if !names.contains(&name) {
            errs.push(
                vec!["components".into()],
                "ATTACHMENT_NOT_FOUND",
                format!("attachment://{name} names no file of the message."),
            );
        }
    }
    for (e, embed) in body.get("embeds").and_then(Value::as_array).into_iter().flatten().enumerate() {
        for key in ["image", "thumbnail"] {
            let Some(name) = embed[key]["url"].as_str().and_then(|u| u.strip_prefix("attachment://")) else {
                continue;
            };
            if !names.contains(name) {
                let at = vec!["embeds".into(), e.to_string(), key.into(), "url".into()];
                errs.push(
                    at,
                    "ATTACHMENT_NOT_FOUND",
                    format!("attachment://{name} names no file of the message."),
                );
            }
        }
    }
    errs.into_result()
}
