//! Discord's rules for messages in the component layout ("Components V2",
//! <https://discord.com/developers/docs/components/reference>), which the OpenAPI schemas do not
//! say: with the flag `IS_COMPONENTS_V2` a message holds no `content` and no embeds; it holds
//! at most 40 components, nested ones counted, whose text displays hold at most 4000 characters
//! in all; a media gallery holds 1 to 10 pictures; the flag cannot be removed once set; a
//! deferred reply is made V2 only by editing the original response.

use serde_json::Value;

use super::errors::{ApiError, FormErrors, path};

/// The message flag of the component layout.
pub const IS_COMPONENTS_V2: u64 = 1 << 15;
/// Most components in one message, nested ones counted.
pub const MAX_COMPONENTS: usize = 40;
/// Most characters over a message's text displays.
pub const MAX_TEXT: usize = 4000;
/// Most pictures in one media gallery.
pub const MAX_GALLERY: usize = 10;

/// Whether `flags` (a message's or a body's) has the component layout's flag.
pub fn is_v2(flags: &Value) -> bool {
    flags.as_u64().is_some_and(|f| f & IS_COMPONENTS_V2 != 0)
}

/// Every component of `components`, nested ones included, in order.
pub fn flatten(components: &Value) -> Vec<Value> {
    let mut all = Vec::new();
    for c in components.as_array().into_iter().flatten() {
        all.push(c.clone());
        all.extend(flatten(&c["components"]));
        if !c["accessory"].is_null() {
            all.push(c["accessory"].clone());
        }
    }
    all
}

/// The `attachment://` names the components of a body point at (galleries, thumbnails, files).
pub fn attachment_names(components: &Value) -> Vec<String> {
    let mut names = Vec::new();
    for c in flatten(components) {
        let media =
            c["items"].as_array().into_iter().flatten().map(|i| &i["media"]).chain([&c["media"], &c["file"]]);
        names.extend(
            media.filter_map(|m| m["url"].as_str()?.strip_prefix("attachment://").map(str::to_owned)),
        );
    }
    names
}

/// Checks a V2 message body (create or edit); `at` prefixes paths.
pub(super) fn check(body: &Value, at: &[String], errs: &mut FormErrors) {
    let legacy = "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2";
    if body["content"].as_str().is_some_and(|c| !c.is_empty()) {
        errs.push(
            path(at, &["content"]),
            legacy,
            "The 'content' field cannot be used when using MessageFlags.IS_COMPONENTS_V2",
        );
    }
    if body["embeds"].as_array().is_some_and(|e| !e.is_empty()) {
        errs.push(
            path(at, &["embeds"]),
            legacy,
            "The 'embeds' field cannot be used when using MessageFlags.IS_COMPONENTS_V2",
        );
    }
    let all = flatten(&body["components"]);
    if all.len() > MAX_COMPONENTS {
        let msg = format!("Must be {MAX_COMPONENTS} or fewer in length (nested components counted).");
        errs.push(path(at, &["components"]), "BASE_TYPE_MAX_LENGTH", msg);
    }
    let text: usize = all
        .iter()
        .filter(|c| c["type"] == 10)
        .map(|c| c["content"].as_str().map_or(0, |s| s.chars().count()))
        .sum();
    if text > MAX_TEXT {
        let msg = format!("Text displays must be {MAX_TEXT} or fewer characters in total.");
        errs.push(path(at, &["components"]), "COMPONENT_TEXT_DISPLAY_TOTAL_LENGTH_EXCEEDED", msg);
    }
    for c in all.iter().filter(|c| c["type"] == 12) {
        let n = c["items"].as_array().map_or(0, Vec::len);
        if !(1..=MAX_GALLERY).contains(&n) {
            let msg = format!("Must be between 1 and {MAX_GALLERY} in length.");
            errs.push(path(at, &["components"]), "BASE_TYPE_BAD_LENGTH", msg);
        }
    }
}

/// An edit of a message whose flags are `current`: the component layout's flag cannot be
/// removed once set.
pub(super) fn check_flags_kept(current: &Value, body: &Value) -> Result<(), ApiError> {
    let removes = is_v2(current) && body.get("flags").is_some_and(|f| !is_v2(f));
    if !removes {
        return Ok(());
    }
    let mut errs = FormErrors::default();
    let msg = "The IS_COMPONENTS_V2 flag cannot be removed from a message once set";
    errs.push(vec!["flags".into()], "MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG", msg);
    errs.into_result()
}

/// A deferred reply (callback type 5) cannot carry the flag: it is set by editing the original
/// response.
pub(super) fn check_deferred(data: &Value, errs: &mut FormErrors) {
    if is_v2(&data["flags"]) {
        let msg = "A deferred response is made IS_COMPONENTS_V2 by editing the original response";
        errs.push(path(&[], &["data", "flags"]), "INTERACTION_RESPONSE_FLAGS_INVALID", msg);
    }
}
