//! The REST side: one fallback handler parses, authenticates, validates against the OpenAPI
//! schema, routes, answers and records every request under `/api/v10`.
//!
//! Discord's rate limits apply only when [`FakeDiscordConfig::rate_limits`] asks for them
//! ([`ratelimit`]): a limited request is answered 429 before its handler runs.
//!
//! [`FakeDiscordConfig::rate_limits`]: super::FakeDiscordConfig::rate_limits
//! [`ratelimit`]: super::ratelimit

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::errors::{ApiError, FormErrors};
use super::record::{RecordedFile, RecordedRequest};
use super::routes::{authorised, find};
use super::{Shared, multipart, openapi, rules};

/// What a handler answers on success.
pub(super) struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub(super) fn json(body: Value) -> Self {
        Self { status: 200, body: Some(body), headers: vec![] }
    }
    pub(super) fn no_content() -> Self {
        Self { status: 204, body: None, headers: vec![] }
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

/// Answers one request and records it.
pub(super) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // A follow-up on an interaction whose POST is still being answered waits for that answer.
    let webhook = format!("/api/v10/webhooks/{}/", super::APPLICATION_ID);
    if let Some(token) = parts.uri.path().strip_prefix(webhook.as_str()) {
        shared.delivery.wait_until_answered(token.split('/').next().unwrap_or_default()).await;
    }
    let bytes = to_bytes(body, 64 * 1024 * 1024).await.unwrap_or_default();
    let method = parts.method.as_str().to_owned();
    let full_path = parts.uri.path();
    let template = full_path.strip_prefix("/api/v10").and_then(|path| find(&method, path).ok());
    if let Some(release) = template.and_then(|(spec, _)| shared.faults.take_hold(&method, spec.template)) {
        release.released().await;
    }
    let at = Instant::now();
    let query = parts.uri.query().unwrap_or_default().to_owned();
    let parsed = multipart::parse_body(&parts.headers, &bytes);
    let (body, files) = match &parsed {
        Ok((body, files)) => (body.clone(), files.clone()),
        Err(_) => (None, vec![]),
    };
    let mut route = None;
    let mut injected: Option<Vec<(&'static str, String)>> = None;
    let mut slow = None;
    let mut broken = false;
    let mut hang = false;
    let result = full_path.strip_prefix("/api/v10").ok_or_else(ApiError::not_found).and_then(|path| {
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
        // A fault the test armed answers only a request Discord would have accepted: a bad body
        // still gets its 400 first, so an armed fault never hides a malformed request.
        match shared.faults.take(&method, spec.template) {
            Some(super::DiscordFault::SlowAnswer(delay)) => slow = Some(delay),
            Some(fault @ super::DiscordFault::BrokenAnswer) => {
                broken = true;
                let (status, body, headers) = fault.answer();
                injected = Some(headers);
                return Err(ApiError { status, body });
            }
            Some(super::DiscordFault::NoAnswer) => {
                hang = true;
                return Err(ApiError { status: 0, body: Value::Null });
            }
            Some(fault) => {
                let (status, body, headers) = fault.answer();
                injected = Some(headers);
                return Err(ApiError { status, body });
            }
            None => {}
        }
        let limited =
            shared.config.rate_limits.as_ref().map(|limits| {
                shared.limiter.take(limits, &method, spec.template, params.first().copied(), at)
            });
        let limit_headers = match limited {
            Some(Err(too_many)) => return Ok(too_many),
            Some(Ok(headers)) => headers,
            None => vec![],
        };
        let ctx = Ctx { params, query: &query, body: body.as_ref(), files: &files };
        let mut reply = (spec.handler)(&shared, &ctx)?;
        reply.headers.extend(limit_headers);
        Ok(reply)
    });
    if let Some(delay) = slow {
        tokio::time::sleep(delay).await;
    }
    let was_injected = injected.is_some() || hang;
    let (status, response, extra_headers) = match result {
        Ok(reply) => (reply.status, reply.body, reply.headers),
        Err(error) => (error.status, Some(error.body), injected.unwrap_or_default()),
    };
    let path = full_path.strip_prefix("/api/v10").unwrap_or(full_path).to_owned();
    shared.log.push(RecordedRequest {
        seq: 0,
        method,
        path,
        route,
        body,
        files,
        status,
        response: response.clone(),
        at,
        injected: was_injected,
    });
    if broken {
        return broken_answer(status);
    }
    if hang {
        // Held until the client drops the connection, which drops this future.
        std::future::pending::<()>().await;
    }
    respond(status, response, extra_headers)
}

/// An answer whose body fails as it is written: hyper drops the connection mid-answer.
fn broken_answer(status: u16) -> Response {
    let failing =
        futures_util::stream::once(async { Err::<Vec<u8>, _>(std::io::Error::other("connection lost")) });
    let mut response = Response::new(Body::from_stream(failing));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    response.headers_mut().insert(header::CONTENT_LENGTH, header::HeaderValue::from_static("64"));
    response
}

fn respond(status: u16, body: Option<Value>, headers: Vec<(&'static str, String)>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match body {
        Some(body) => (status, [(header::CONTENT_TYPE, "application/json")], Body::from(body.to_string()))
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
