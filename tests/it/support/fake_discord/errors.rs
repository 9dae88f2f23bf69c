//! Discord's error replies: `{"code", "message", "errors"?}` with the status Discord uses.
//!
//! Form errors nest like Discord's: `{"components": {"0": {"custom_id": {"_errors": [...]}}}}`.
//! See <https://discord.com/developers/docs/reference#error-messages>.

use serde_json::{Map, Value, json};

/// One reply the fake gives instead of a success: an HTTP status and Discord's JSON error body.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status, e.g. 400, 401, 403, 404.
    pub status: u16,
    /// The JSON body, e.g. `{"code": 10008, "message": "Unknown Message"}`.
    pub body: Value,
}

impl ApiError {
    fn coded(status: u16, code: u32, message: &str) -> Self {
        Self { status, body: json!({ "code": code, "message": message }) }
    }

    pub(super) fn unauthorized() -> Self {
        Self::coded(401, 0, "401: Unauthorized")
    }
    pub(super) fn not_found() -> Self {
        Self::coded(404, 0, "404: Not Found")
    }
    pub(super) fn method_not_allowed() -> Self {
        Self::coded(405, 0, "405: Method Not Allowed")
    }
    pub(super) fn unknown_channel() -> Self {
        Self::coded(404, 10003, "Unknown Channel")
    }
    pub(super) fn unknown_guild() -> Self {
        Self::coded(404, 10004, "Unknown Guild")
    }
    pub(super) fn unknown_message() -> Self {
        Self::coded(404, 10008, "Unknown Message")
    }
    pub(super) fn unknown_application() -> Self {
        Self::coded(404, 10002, "Unknown Application")
    }
    pub(super) fn unknown_webhook() -> Self {
        Self::coded(404, 10015, "Unknown Webhook")
    }
    pub(super) fn unknown_interaction() -> Self {
        Self::coded(404, 10062, "Unknown interaction")
    }
    pub(super) fn unknown_member() -> Self {
        Self::coded(404, 10007, "Unknown Member")
    }
    pub(super) fn not_text_channel() -> Self {
        Self::coded(400, 50008, "Cannot send messages in a non-text channel")
    }
    pub(super) fn missing_access() -> Self {
        Self::coded(403, 50001, "Missing Access")
    }
    pub(super) fn thread_already_created() -> Self {
        Self::coded(400, 160_004, "A thread has already been created for this message")
    }
    pub(super) fn archived_thread() -> Self {
        Self::coded(400, 50_083, "Operation cannot be performed on an archived thread")
    }
    pub(super) fn missing_permissions() -> Self {
        Self::coded(403, 50013, "Missing Permissions")
    }
    pub(super) fn not_message_author() -> Self {
        Self::coded(403, 50005, "Cannot edit a message authored by another user")
    }
    pub(super) fn empty_message() -> Self {
        Self::coded(400, 50006, "Cannot send an empty message")
    }
    pub(super) fn invalid_webhook_token() -> Self {
        Self::coded(401, 50027, "Invalid Webhook Token")
    }
    pub(super) fn already_acknowledged() -> Self {
        Self::coded(400, 40060, "Interaction has already been acknowledged.")
    }
    pub(super) fn bad_json(detail: &str) -> Self {
        Self::coded(400, 50109, &format!("The request body contains invalid JSON. ({detail})"))
    }
}

/// Collects field errors of one request; turns into 400/50035 "Invalid Form Body".
#[derive(Debug, Default)]
pub(super) struct FormErrors {
    items: Vec<(Vec<String>, String, String)>,
}

impl FormErrors {
    /// Records an error at `path` (e.g. `["embeds", "0", "title"]`).
    pub(super) fn push(&mut self, path: Vec<String>, code: &str, message: impl Into<String>) {
        self.items.push((path, code.to_owned(), message.into()));
    }

    pub(super) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// `Ok(())` when nothing was recorded, else the 400/50035 reply.
    pub(super) fn into_result(self) -> Result<(), ApiError> {
        if self.is_empty() {
            return Ok(());
        }
        let mut errors = Map::new();
        for (path, code, message) in self.items {
            let mut node = &mut errors;
            for segment in path {
                node = node
                    .entry(segment)
                    .or_insert_with(|| Value::Object(Map::new()))
                    .as_object_mut()
                    .expect("form error nodes are objects");
            }
            let list = node.entry("_errors").or_insert_with(|| json!([]));
            if let Value::Array(list) = list {
                list.push(json!({ "code": code, "message": message }));
            }
        }
        Err(ApiError {
            status: 400,
            body: json!({ "code": 50035, "message": "Invalid Form Body", "errors": errors }),
        })
    }
}

/// A path built from a prefix and more segments, for [`FormErrors::push`].
pub(super) fn path(prefix: &[String], more: &[&str]) -> Vec<String> {
    prefix.iter().cloned().chain(more.iter().map(|s| (*s).to_owned())).collect()
}
