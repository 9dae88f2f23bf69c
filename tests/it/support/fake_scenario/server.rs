//! The HTTP face of the fake: one handler that logs, applies faults, checks auth, and routes.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::faults::{Endpoint, Fault, RecordedRequest, take};
use super::render;
use super::state::{JobEntry, State};
use super::{Options, Shared};

enum Reply {
    Json(StatusCode, Value),
    Raw(StatusCode, &'static str, Vec<u8>),
    Redirect(String),
}

fn error(status: u16, message: impl Into<String>) -> Reply {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = status.canonical_reason().unwrap_or("Error");
    Reply::Json(status, json!({ "message": message.into(), "error": reason, "statusCode": status.as_u16() }))
}

fn classify(method: &Method, path: &str) -> (Endpoint, Vec<String>) {
    if path.starts_with("/cdn/") {
        return (Endpoint::Cdn, vec![path.trim_start_matches("/cdn/").to_owned()]);
    }
    let Some(rest) = path.strip_prefix("/v1/") else {
        return (Endpoint::Other, Vec::new());
    };
    let segs: Vec<String> = rest.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let endpoint = match (method.as_str(), s.as_slice()) {
        ("GET", ["jobs"]) => Endpoint::ListJobs,
        ("GET", ["jobs", _]) => Endpoint::GetJob,
        ("GET", ["workflows"]) => Endpoint::ListWorkflows,
        ("GET", ["workflows", _]) => Endpoint::GetWorkflow,
        ("PUT", ["workflows", _, "user-approval"]) => Endpoint::UserApproval,
        ("PUT", ["workflows", _, "user-selection"]) => Endpoint::UserSelection,
        ("PUT", ["workflows", _, "run"]) => Endpoint::RunWorkflow,
        ("POST", ["assets", "get-bulk"]) => Endpoint::GetBulkAssets,
        ("GET", ["assets", _]) => Endpoint::GetAsset,
        _ => Endpoint::Other,
    };
    (endpoint, segs)
}

/// The one handler behind every route.
pub async fn handle(
    AxumState(shared): AxumState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let at = Instant::now();
    let (endpoint, segs) = classify(&method, uri.path());
    let query = uri.query().unwrap_or_default().to_owned();
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let auth_ok = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
        == Some(shared.expected_auth.as_str());
    let json_body: Option<Value> = serde_json::from_slice(&body).ok();
    let over_limit = match shared.limit.lock().unwrap().as_mut() {
        Some(limit) if endpoint != Endpoint::Cdn => limit.arrive(at),
        _ => None,
    };
    let fault = match over_limit {
        Some(seconds) => Some(Fault::status(429).with_retry_after(&seconds.to_string())),
        None => take(&mut shared.faults.lock().unwrap(), endpoint),
    };
    let index = {
        let mut log = shared.log.lock().unwrap();
        log.push(RecordedRequest {
            endpoint,
            method: method.to_string(),
            path: uri.path().trim_start_matches("/v1").to_owned(),
            params: params.clone(),
            auth_ok,
            user_agent: headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned),
            body: json_body.clone(),
            fault: fault.as_ref().map(Fault::name),
            at,
            reached: false,
        });
        log.len() - 1
    };
    match &fault {
        Some(Fault::Status { status, retry_after, retry_after_ms, body }) => {
            let mut response = reply(Reply::Json(StatusCode::from_u16(*status).unwrap(), body.clone()));
            for (name, value) in [("retry-after", retry_after), ("retry-after-ms", retry_after_ms)] {
                if let Some(value) = value {
                    response.headers_mut().insert(name, HeaderValue::from_str(value).unwrap());
                }
            }
            return response;
        }
        Some(Fault::WrongShape(value)) => return reply(Reply::Json(StatusCode::OK, value.clone())),
        Some(Fault::CloseConnection) => return broken(),
        Some(Fault::Delay(delay)) => tokio::time::sleep(*delay).await,
        Some(Fault::Hold(release)) => release.released().await,
        Some(Fault::TruncatedBody | Fault::SlowAnswer(_) | Fault::ApplyThenClose) | None => {}
    }
    let required_project = shared.options.lock().unwrap().required_project.clone();
    let answer = if endpoint == Endpoint::Cdn {
        match shared.state.lock().unwrap().cdn.serve(segs.first().map_or("", String::as_str), &params) {
            Ok((status, content_type, bytes)) => {
                Reply::Raw(StatusCode::from_u16(status).unwrap(), content_type, bytes)
            }
            Err(location) => Reply::Redirect(location),
        }
    } else if !auth_ok {
        error(401, "Invalid API key or secret")
    } else if required_project.is_some_and(|p| params.get("projectId") != Some(&p)) {
        error(403, "This API key has no access to the requested project")
    } else {
        shared.answer(endpoint, &segs, &params, json_body)
    };
    // A request whose client went away during a `Delay` or a `Hold` is dropped before this point, unseen.
    if let Some(request) = shared.log.lock().unwrap().get_mut(index) {
        request.reached = true;
    }
    if let Some(Fault::SlowAnswer(delay)) = &fault {
        tokio::time::sleep(*delay).await;
    }
    match (fault, answer) {
        (Some(Fault::ApplyThenClose), _) => broken(),
        (Some(Fault::TruncatedBody), Reply::Json(status, value)) => {
            let text = value.to_string().into_bytes();
            reply(Reply::Raw(status, "application/json", text[..text.len() / 2].to_vec()))
        }
        (_, answer) => reply(answer),
    }
}

fn reply(answer: Reply) -> Response {
    match answer {
        Reply::Json(status, value) => (status, axum::Json(value)).into_response(),
        Reply::Raw(status, content_type, bytes) => {
            (status, [(header::CONTENT_TYPE, content_type)], bytes).into_response()
        }
        Reply::Redirect(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
    }
}

/// A response whose body fails at once: hyper drops the connection mid-answer.
fn broken() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected reset",
        ))
    });
    Response::new(Body::from_stream(failing))
}

impl Shared {
    fn answer(
        &self,
        endpoint: Endpoint,
        segs: &[String],
        params: &HashMap<String, String>,
        body: Option<Value>,
    ) -> Reply {
        let options = self.options.lock().unwrap().clone();
        let mut state = self.state.lock().unwrap();
        let port = self.port;
        match endpoint {
            Endpoint::ListJobs => list_jobs(&state, params, &options),
            Endpoint::GetJob => match state.job_index.get(&segs[1]) {
                Some(&i) => Reply::Json(StatusCode::OK, json!({ "job": job_json(&state, &state.jobs[i]) })),
                None => error(404, format!("Job {} not found", segs[1])),
            },
            Endpoint::ListWorkflows => list_workflows(&state, params),
            Endpoint::GetWorkflow => match state.workflow_index.get(&segs[1]) {
                Some(&i) => Reply::Json(
                    StatusCode::OK,
                    json!({ "workflow": render::workflow(&state.workflows[i], true) }),
                ),
                None => error(404, format!("Workflow {} not found", segs[1])),
            },
            Endpoint::UserApproval => decide(&mut state, &segs[1], body),
            Endpoint::UserSelection => select(&mut state, &segs[1], body),
            Endpoint::RunWorkflow => match super::run::run(&mut state, &segs[1], params, body) {
                Ok((status, value)) => Reply::Json(status, value),
                Err((status, message)) => error(status, message),
            },
            Endpoint::GetAsset => match state.assets.get(&segs[1]) {
                Some(a) => {
                    let mut asset = render::asset(a, &state.cdn.sign(port, &a.id));
                    state.cdn.dress(&mut asset);
                    Reply::Json(StatusCode::OK, json!({ "asset": asset }))
                }
                None => error(404, format!("Asset {} not found", segs[1])),
            },
            Endpoint::GetBulkAssets => bulk_assets(&state, port, body),
            _ => error(404, "Route not found"),
        }
    }
}

pub(super) fn job_json(state: &State, entry: &JobEntry) -> Value {
    render::job(entry, &|id| state.assets.get(id).map(|a| state.cdn.url_of(id, a.url.clone())))
}

fn page_size(params: &HashMap<String, String>) -> Result<usize, Reply> {
    match params.get("pageSize") {
        None => Ok(50),
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => Ok(n),
            _ => Err(error(400, "pageSize must be an integer between 1 and 100")),
        },
    }
}

/// Tokens are `p<position>`; `p<position>e` marks that the empty page before it was served.
fn parse_token(params: &HashMap<String, String>) -> Result<(usize, bool), Reply> {
    let Some(token) = params.get("paginationToken") else {
        return Ok((0, false));
    };
    let (digits, served_empty) = match token.strip_suffix('e') {
        Some(d) => (d, true),
        None => (token.as_str(), false),
    };
    digits
        .strip_prefix('p')
        .and_then(|d| d.parse().ok())
        .map(|p| (p, served_empty))
        .ok_or_else(|| error(400, "Invalid pagination token"))
}

fn list_jobs(state: &State, params: &HashMap<String, String>, options: &Options) -> Reply {
    let (size, (start, served_empty)) = match (page_size(params), parse_token(params)) {
        (Ok(size), Ok(token)) => (size, token),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let updated_after = match updated_after(params, options) {
        Ok(after) => after,
        Err(refusal) => return refusal,
    };
    if options.empty_pages && !served_empty && start < state.jobs.len() {
        return Reply::Json(
            StatusCode::OK,
            json!({ "jobs": [], "nextPaginationToken": format!("p{start}e") }),
        );
    }
    let types: Option<HashSet<&str>> =
        params.get("types").or(params.get("type")).map(|t| t.split(',').collect());
    let matches = |entry: &JobEntry| {
        let raw = job_fields(entry);
        types.as_ref().is_none_or(|t| raw.0.is_some_and(|v| t.contains(v)))
            && params.get("status").is_none_or(|s| raw.1 == Some(s.as_str()))
            && params.get("workflowId").is_none_or(|w| raw.2 == Some(w.as_str()))
    };
    // The listing's order: creation without updatedAfter; with it, the jobs updated after it,
    // sorted by update date (oldest first, ties in creation order). Tokens are positions in it.
    let order: Vec<usize> = match updated_after {
        None => (0..state.jobs.len()).collect(),
        Some(after) => {
            let mut changed: Vec<(OffsetDateTime, usize)> = state
                .jobs
                .iter()
                .enumerate()
                .filter(|(_, entry)| !options.hidden_from_delta.contains(job_id(entry)))
                .filter_map(|(i, entry)| updated_at(entry).filter(|at| *at > after).map(|at| (at, i)))
                .collect();
            changed.sort_by_key(|(at, _)| *at);
            changed.into_iter().map(|(_, i)| i).collect()
        }
    };
    let mut jobs = Vec::new();
    let mut next = None;
    for (position, &i) in order.iter().enumerate().skip(start) {
        let entry = &state.jobs[i];
        if !matches(entry) {
            continue;
        }
        if jobs.len() == size {
            next = Some(position);
            break;
        }
        jobs.push(job_json(state, entry));
    }
    let mut page = json!({ "jobs": jobs });
    if let Some(next) = next {
        page["nextPaginationToken"] = json!(format!("p{next}"));
    }
    Reply::Json(StatusCode::OK, page)
}

/// `updatedAfter`, checked as the API documents it: only together with status, type, types or
/// workflowId (and `createdAfter` only without them), an ISO 8601 date.
fn updated_after(
    params: &HashMap<String, String>,
    options: &Options,
) -> Result<Option<OffsetDateTime>, Reply> {
    let filtered = ["status", "type", "types", "workflowId"].iter().any(|p| params.contains_key(*p));
    if filtered && params.contains_key("createdAfter") {
        return Err(error(400, "createdAfter cannot be used with status, type, types or workflowId"));
    }
    let Some(raw) = params.get("updatedAfter") else {
        return Ok(None);
    };
    if options.refuse_updated_after {
        return Err(error(400, "property updatedAfter should not exist"));
    }
    if !filtered {
        return Err(error(400, "updatedAfter can only be used with status, type, types or workflowId"));
    }
    OffsetDateTime::parse(raw, &Rfc3339)
        .map(Some)
        .map_err(|_| error(400, "updatedAfter must be an ISO 8601 date"))
}

/// The id of an entry (empty for raw JSON without one).
fn job_id(entry: &JobEntry) -> &str {
    match entry {
        JobEntry::Run(run) => &run.id,
        JobEntry::Raw(raw) => raw.get("jobId").and_then(Value::as_str).unwrap_or_default(),
    }
}

/// When an entry last changed, if it says so readably.
fn updated_at(entry: &JobEntry) -> Option<OffsetDateTime> {
    let raw = match entry {
        JobEntry::Run(run) => run.updated_at.as_str(),
        JobEntry::Raw(raw) => raw.get("updatedAt").and_then(Value::as_str)?,
    };
    OffsetDateTime::parse(raw, &Rfc3339).ok()
}

/// (jobType, status, workflowId) of an entry, for filtering.
fn job_fields(entry: &JobEntry) -> (Option<&str>, Option<&str>, Option<&str>) {
    match entry {
        JobEntry::Run(run) => (Some("workflow"), Some(run.status.as_str()), Some(run.workflow_id.as_str())),
        JobEntry::Raw(raw) => (
            raw.get("jobType").and_then(Value::as_str),
            raw.get("status").and_then(Value::as_str),
            raw.pointer("/metadata/workflowId").and_then(Value::as_str),
        ),
    }
}

fn list_workflows(state: &State, params: &HashMap<String, String>) -> Reply {
    let (size, (start, _)) = match (page_size(params), parse_token(params)) {
        (Ok(size), Ok(token)) => (size, token),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let full = params.get("full").is_none_or(|f| f != "false");
    let items: Vec<Value> =
        state.workflows.iter().skip(start).take(size).map(|w| render::workflow(w, full)).collect();
    let mut page = json!({ "workflows": items });
    if start + size < state.workflows.len() {
        page["nextPaginationToken"] = json!(format!("p{}", start + size));
    }
    Reply::Json(StatusCode::OK, page)
}

fn decide(state: &mut State, workflow_id: &str, body: Option<Value>) -> Reply {
    let Some(Value::Object(body)) = body else {
        return error(400, "The body must be a JSON object");
    };
    let (Some(Value::String(node_id)), Some(Value::String(job_id))) =
        (body.get("nodeId"), body.get("workflowJobId"))
    else {
        return error(400, "nodeId and workflowJobId must be strings");
    };
    let approve = match body.get("action") {
        None | Some(Value::Null) => true,
        Some(Value::String(a)) if a == "approve" => true,
        Some(Value::String(a)) if a == "reject" => false,
        Some(_) => return error(400, "action must be one of: approve, reject"),
    };
    match state.decide(Some(workflow_id), job_id, node_id, approve) {
        Ok(()) => {
            let entry = &state.jobs[state.job_index[job_id.as_str()]];
            Reply::Json(StatusCode::OK, json!({ "job": job_json(state, entry) }))
        }
        Err((status, message)) => error(status, message),
    }
}

/// `PUT /workflows/{id}/user-selection`: `action` is `select` (with `selectedIndices`, a list
/// of candidate indices) or `reject`.
fn select(state: &mut State, workflow_id: &str, body: Option<Value>) -> Reply {
    let Some(Value::Object(body)) = body else {
        return error(400, "The body must be a JSON object");
    };
    let (Some(Value::String(node_id)), Some(Value::String(job_id))) =
        (body.get("nodeId"), body.get("workflowJobId"))
    else {
        return error(400, "nodeId and workflowJobId must be strings");
    };
    let picks = match (body.get("action").and_then(Value::as_str), body.get("selectedIndices")) {
        (Some("select"), Some(Value::Array(indices))) => {
            let picks: Option<Vec<u32>> =
                indices.iter().map(|i| i.as_u64().and_then(|i| u32::try_from(i).ok())).collect();
            match picks {
                Some(picks) => Some(picks),
                None => return error(400, "selectedIndices must be non-negative integers"),
            }
        }
        (Some("select"), _) => return error(400, "selectedIndices is required when action is select"),
        (Some("reject"), _) => None,
        _ => return error(400, "action must be one of: select, reject"),
    };
    match state.select(Some(workflow_id), job_id, node_id, picks) {
        Ok(()) => {
            let entry = &state.jobs[state.job_index[job_id.as_str()]];
            Reply::Json(StatusCode::OK, json!({ "job": job_json(state, entry) }))
        }
        Err((status, message)) => error(status, message),
    }
}

fn bulk_assets(state: &State, port: u16, body: Option<Value>) -> Reply {
    let ids: Option<Vec<&str>> = body
        .as_ref()
        .and_then(|b| b.get("assetIds"))
        .and_then(Value::as_array)
        .and_then(|ids| ids.iter().map(Value::as_str).collect());
    let Some(ids) = ids else {
        return error(400, "assetIds must be an array of strings");
    };
    if ids.len() > 200 {
        return error(400, "Limit of 200 assets");
    }
    let assets: Vec<Value> = ids
        .iter()
        .filter_map(|id| state.assets.get(*id))
        .map(|a| {
            let mut asset = render::asset(a, &state.cdn.sign(port, &a.id));
            state.cdn.dress(&mut asset);
            asset
        })
        .collect();
    Reply::Json(StatusCode::OK, json!({ "assets": assets }))
}
