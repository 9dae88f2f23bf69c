//! The REST side: one fallback handler parses, authenticates, validates against the OpenAPI
//! schema, routes, answers and records every request under `/api/v10`.
//!
//! Per-route rate limits (for a benchmark) fit in [`handle`]: key a bucket by
//! [`RouteSpec::template`] and major parameter, add `X-RateLimit-*` headers to [`Reply`], and
//! answer 429 before calling the handler.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::errors::{ApiError, FormErrors};
use super::record::{RecordedFile, RecordedRequest};
use super::{
    BOT_TOKEN, Shared, commands, multipart, openapi, rest_interactions as ri, rest_messages as rm,
    rules,
};

/// What a handler answers on success.
pub(super) struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub(super) fn json(body: Value) -> Self {
        Self {
            status: 200,
            body: Some(body),
            headers: vec![],
        }
    }
    pub(super) fn no_content() -> Self {
        Self {
            status: 204,
            body: None,
            headers: vec![],
        }
    }
}

/// What a handler gets: path parameters in template order, the query, the body and files.
pub(super) struct Ctx<'a> {
    pub params: Vec<&'a str>,
    pub query: &'a str,
    pub body: Option<&'a Value>,
    pub files: &'a [RecordedFile],
}

impl Ctx<'_> {
    /// Path parameter `i` as a snowflake; a malformed one is a 404 as on Discord.
    pub(super) fn id(&self, i: usize) -> Result<u64, ApiError> {
        self.params[i].parse().map_err(|_| ApiError::not_found())
    }
}

type Handler = fn(&Shared, &Ctx) -> Result<Reply, ApiError>;

/// Who may call a route.
#[derive(Clone, Copy, PartialEq)]
enum Auth {
    /// `Authorization: Bot <token>` required.
    Bot,
    /// Authorised by the token in the path; an `Authorization` header, if sent, must be right.
    Optional,
}

/// One route: method, OpenAPI path template, who may call it, handler.
pub(super) struct RouteSpec {
    method: &'static str,
    pub(super) template: &'static str,
    auth: Auth,
    handler: Handler,
}

const fn route(
    method: &'static str,
    template: &'static str,
    auth: Auth,
    handler: Handler,
) -> RouteSpec {
    RouteSpec {
        method,
        template,
        auth,
        handler,
    }
}

/// Literal segments come before parameters at the same place (`@original` before `{message_id}`).
static ROUTES: &[RouteSpec] = &[
    route("GET", "/gateway", Auth::Optional, rm::gateway),
    route("GET", "/gateway/bot", Auth::Bot, rm::gateway_bot),
    route("GET", "/users/@me", Auth::Bot, rm::current_user),
    route(
        "GET",
        "/oauth2/applications/@me",
        Auth::Bot,
        rm::application,
    ),
    route("GET", "/applications/@me", Auth::Bot, rm::application),
    route(
        "GET",
        "/applications/{application_id}/commands",
        Auth::Bot,
        commands::list_global,
    ),
    route(
        "PUT",
        "/applications/{application_id}/commands",
        Auth::Bot,
        commands::put_global,
    ),
    route(
        "POST",
        "/applications/{application_id}/commands",
        Auth::Bot,
        commands::create_global,
    ),
    route(
        "GET",
        "/applications/{application_id}/guilds/{guild_id}/commands",
        Auth::Bot,
        commands::list_guild,
    ),
    route(
        "PUT",
        "/applications/{application_id}/guilds/{guild_id}/commands",
        Auth::Bot,
        commands::put_guild,
    ),
    route(
        "POST",
        "/applications/{application_id}/guilds/{guild_id}/commands",
        Auth::Bot,
        commands::create_guild,
    ),
    route("GET", "/channels/{channel_id}", Auth::Bot, rm::get_channel),
    route(
        "GET",
        "/channels/{channel_id}/messages",
        Auth::Bot,
        rm::list_messages,
    ),
    route(
        "POST",
        "/channels/{channel_id}/messages",
        Auth::Bot,
        rm::create_message,
    ),
    route(
        "GET",
        "/channels/{channel_id}/messages/{message_id}",
        Auth::Bot,
        rm::get_message,
    ),
    route(
        "PATCH",
        "/channels/{channel_id}/messages/{message_id}",
        Auth::Bot,
        rm::edit_message,
    ),
    route(
        "DELETE",
        "/channels/{channel_id}/messages/{message_id}",
        Auth::Bot,
        rm::delete_message,
    ),
    route(
        "GET",
        "/guilds/{guild_id}/roles",
        Auth::Bot,
        rm::guild_roles,
    ),
    route(
        "GET",
        "/guilds/{guild_id}/channels",
        Auth::Bot,
        rm::guild_channels,
    ),
    route(
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        Auth::Optional,
        ri::callback,
    ),
    route(
        "POST",
        "/webhooks/{webhook_id}/{webhook_token}",
        Auth::Optional,
        ri::create_followup,
    ),
    route(
        "GET",
        "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
        Auth::Optional,
        ri::get_original,
    ),
    route(
        "PATCH",
        "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
        Auth::Optional,
        ri::edit_original,
    ),
    route(
        "DELETE",
        "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
        Auth::Optional,
        ri::delete_original,
    ),
    route(
        "GET",
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        Auth::Optional,
        ri::get_followup,
    ),
    route(
        "PATCH",
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        Auth::Optional,
        ri::edit_followup,
    ),
    route(
        "DELETE",
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        Auth::Optional,
        ri::delete_followup,
    ),
];

/// The parameters of `path` if it fits `template`.
fn fit<'p>(template: &str, path: &'p str) -> Option<Vec<&'p str>> {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    if t.len() != p.len() {
        return None;
    }
    let mut params = vec![];
    for (t, p) in t.iter().zip(&p) {
        if t.starts_with('{') && !p.is_empty() {
            params.push(*p);
        } else if t != p {
            return None;
        }
    }
    Some(params)
}

fn find<'p>(method: &str, path: &'p str) -> Result<(&'static RouteSpec, Vec<&'p str>), ApiError> {
    let mut path_known = false;
    for spec in ROUTES {
        if let Some(params) = fit(spec.template, path) {
            if spec.method == method {
                return Ok((spec, params));
            }
            path_known = true;
        }
    }
    Err(if path_known {
        ApiError::method_not_allowed()
    } else {
        ApiError::not_found()
    })
}

fn authorised(auth: Auth, headers: &HeaderMap) -> bool {
    let expected = format!("Bot {BOT_TOKEN}");
    match headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or_default())
    {
        Some(sent) => sent == expected,
        None => auth == Auth::Optional,
    }
}

/// Answers one request and records it.
pub(super) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let at = Instant::now();
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, 64 * 1024 * 1024).await.unwrap_or_default();
    let method = parts.method.as_str().to_owned();
    let full_path = parts.uri.path();
    let query = parts.uri.query().unwrap_or_default().to_owned();
    let parsed = multipart::parse_body(&parts.headers, &bytes);
    let (body, files) = match &parsed {
        Ok((body, files)) => (body.clone(), files.clone()),
        Err(_) => (None, vec![]),
    };
    let mut route = None;
    let result = full_path
        .strip_prefix("/api/v10")
        .ok_or_else(ApiError::not_found)
        .and_then(|path| {
            parsed.clone()?;
            let (spec, params) = find(&method, path)?;
            route = Some(spec.template);
            if !authorised(spec.auth, &parts.headers) {
                return Err(ApiError::unauthorized());
            }
            if let Some(body) = &body {
                // Discord's own limits first, with Discord's error codes; then the OpenAPI schema,
                // which catches whatever else Discord's form validation would.
                let mut errs = FormErrors::default();
                rules::check_route(spec.template, body, &mut errs);
                errs.into_result()?;
                let mut errs = FormErrors::default();
                openapi::check_body(spec.template, &method.to_lowercase(), body, &mut errs);
                errs.into_result()?;
            }
            let ctx = Ctx {
                params,
                query: &query,
                body: body.as_ref(),
                files: &files,
            };
            (spec.handler)(&shared, &ctx)
        });
    let (status, response, extra_headers) = match result {
        Ok(reply) => (reply.status, reply.body, reply.headers),
        Err(error) => (error.status, Some(error.body), vec![]),
    };
    let path = full_path
        .strip_prefix("/api/v10")
        .unwrap_or(full_path)
        .to_owned();
    let headers = interesting(&parts.headers);
    shared.log.push(RecordedRequest {
        seq: 0,
        method,
        path,
        query,
        route,
        headers,
        body,
        files,
        status,
        response: response.clone(),
        at,
    });
    respond(status, response, extra_headers)
}

fn interesting(headers: &HeaderMap) -> BTreeMap<String, String> {
    [
        "authorization",
        "content-type",
        "user-agent",
        "x-audit-log-reason",
    ]
    .iter()
    .filter_map(|name| {
        Some((
            (*name).to_owned(),
            headers.get(*name)?.to_str().ok()?.to_owned(),
        ))
    })
    .collect()
}

fn respond(status: u16, body: Option<Value>, headers: Vec<(&'static str, String)>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match body {
        Some(body) => (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            Body::from(body.to_string()),
        )
            .into_response(),
        None => status.into_response(),
    };
    for (name, value) in headers {
        if let Ok(value) = value.parse() {
            response.headers_mut().insert(name, value);
        }
    }
    response
}
