//! Request bodies checked against Discord's own OpenAPI 3.1 description
//! (`tests/fixtures/discord-openapi.json`, MIT, from discord/discord-api-spec).
//!
//! The document is loaded once into a `jsonschema` registry under a made-up base URI, and each
//! route's validator is a one-line schema `{"$ref": "<base>#/paths/<route>/<method>/…/schema"}`
//! compiled on first use and cached: the file is 1.2 MB, so compiling per request would be slow.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::{Draft, Registry, Validator};
use serde_json::{Value, json};

use super::errors::FormErrors;

const BASE: &str = "https://fake-discord.invalid/openapi.json";

fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/discord-openapi.json");
        let text = std::fs::read_to_string(file).expect("tests/fixtures/discord-openapi.json");
        let mut doc: Value = serde_json::from_str(&text).expect("discord-openapi.json is JSON");
        // A new file's entry in `attachments` names its `files[n]` part by `n`, which Discord's
        // own examples send as a number ("id": 0, <https://discord.com/developers/docs/reference#uploading-files>);
        // the description types it as a snowflake string only.
        let id = &mut doc["components"]["schemas"]["MessageAttachmentRequest"]["properties"]["id"];
        *id = json!({ "oneOf": [id.clone(), { "type": "integer", "minimum": 0 }] });
        doc
    })
}

fn registry() -> &'static Registry<'static> {
    static REGISTRY: OnceLock<Registry<'static>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        Registry::new()
            .draft(Draft::Draft202012)
            .add(BASE, document().clone())
            .and_then(|builder| builder.prepare())
            .expect("the OpenAPI document indexes as a JSON Schema 2020-12 resource")
    })
}

/// Escapes a route for a JSON pointer inside a URI fragment (RFC 6901, then RFC 3986).
fn pointer_segment(route: &str) -> String {
    route.replace('~', "~0").replace('/', "~1").replace('{', "%7B").replace('}', "%7D")
}

type Cache = Mutex<HashMap<(String, String), Option<Arc<Validator>>>>;

/// The validator of the JSON request body of `method route` (an OpenAPI path template such as
/// `/channels/{channel_id}/messages`), or `None` when the route takes no JSON body.
fn validator(route: &str, method: &str) -> Option<Arc<Validator>> {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Cache::default);
    let key = (route.to_owned(), method.to_owned());
    if let Some(found) = cache.lock().expect("openapi cache").get(&key) {
        return found.clone();
    }
    let body = &document()["paths"][route][method]["requestBody"]["content"]["application/json"];
    let built = body.get("schema").map(|_| {
        let pointer = format!(
            "{BASE}#/paths/{}/{method}/requestBody/content/application~1json/schema",
            pointer_segment(route)
        );
        let schema = json!({ "$ref": pointer });
        let validator = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .with_registry(registry())
            .build(&schema)
            .unwrap_or_else(|e| panic!("OpenAPI schema of {method} {route} compiles: {e}"));
        Arc::new(validator)
    });
    cache.lock().expect("openapi cache").insert(key, built.clone());
    built
}

/// Validates `body` against the request schema of `method route`, adding one form error per
/// violation, at the instance path the validator reports.
pub(super) fn check_body(route: &str, method: &str, body: &Value, errs: &mut FormErrors) {
    let Some(validator) = validator(route, method) else {
        return;
    };
    for error in validator.iter_errors(body) {
        let location = error.instance_path().to_string();
        let path = location.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect();
        errs.push(path, "SCHEMA_VALIDATION", error.to_string());
    }
}
