//! Jobs: list workflow runs page by page, read one.

use reqwest::Method;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tracing::{instrument, warn};

use super::client::{Call, ScenarioClient, field, malformed};
use super::error::ScenarioError;
use crate::approvals::{
    enums::{JobStatus, JobType},
    ids::{JobId, WorkflowId},
    wire::Job,
};

/// The most items the API returns per page.
pub const MAX_PAGE_SIZE: u32 = 100;

/// A guard against a server that keeps handing out tokens: 10 000 pages of 100 is a million runs.
const MAX_PAGES: u32 = 10_000;

/// Filters of `GET /jobs`.
#[derive(Clone, Debug, PartialEq)]
pub struct JobQuery {
    /// `types`, comma-separated (e.g. `workflow`); empty sends none.
    pub types: Vec<JobType>,
    /// `status` (one value).
    pub status: Option<JobStatus>,
    /// `workflowId`.
    pub workflow_id: Option<WorkflowId>,
    /// `updatedAfter` (the API takes it only with status, types or workflowId).
    pub updated_after: Option<OffsetDateTime>,
    /// `pageSize`, clamped to 1–100.
    pub page_size: u32,
}

impl JobQuery {
    /// Workflow runs of any status, 100 per page.
    pub fn workflow_runs() -> Self {
        Self {
            types: vec![JobType::Workflow],
            status: None,
            workflow_id: None,
            updated_after: None,
            page_size: MAX_PAGE_SIZE,
        }
    }

    /// Workflow runs in progress.
    pub fn in_progress_workflow_runs() -> Self {
        Self::workflow_runs().with_status(JobStatus::InProgress)
    }

    /// Workflow runs of any status that changed after `after`. Scenario then sorts them by
    /// update date; `types` is what makes it accept `updatedAfter` at all.
    pub fn workflow_runs_updated_after(after: OffsetDateTime) -> Self {
        Self { updated_after: Some(after), ..Self::workflow_runs() }
    }

    /// Only jobs in this status.
    pub fn with_status(mut self, status: JobStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Only runs of this workflow.
    pub fn with_workflow(mut self, workflow_id: WorkflowId) -> Self {
        self.workflow_id = Some(workflow_id);
        self
    }

    /// This many per page (clamped to 1–100 when sent).
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size;
        self
    }

    fn query_pairs(&self, token: Option<&str>) -> Vec<(&'static str, String)> {
        let mut pairs = vec![("pageSize", self.page_size.clamp(1, MAX_PAGE_SIZE).to_string())];
        if !self.types.is_empty() {
            let types: Vec<&str> = self.types.iter().map(JobType::as_str).collect();
            pairs.push(("types", types.join(",")));
        }
        if let Some(status) = &self.status {
            pairs.push(("status", status.to_string()));
        }
        if let Some(workflow_id) = &self.workflow_id {
            pairs.push(("workflowId", workflow_id.to_string()));
        }
        if let Some(after) = self.updated_after.and_then(|t| t.format(&Rfc3339).ok()) {
            pairs.push(("updatedAfter", after));
        }
        if let Some(token) = token {
            pairs.push(("paginationToken", token.to_owned()));
        }
        pairs
    }
}

/// A list item that could not be read as the API documents it; it was skipped and logged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadableItem {
    /// Its id, when even that could be read.
    pub id: Option<String>,
    /// Why it could not be read.
    pub reason: String,
}

/// One page of `GET /jobs`.
#[derive(Clone, Debug)]
pub struct JobPage {
    /// The jobs that could be read.
    pub jobs: Vec<Job>,
    /// The ones that could not.
    pub unreadable: Vec<UnreadableItem>,
    /// The token of the next page; `None` on the last one.
    pub next_page_token: Option<String>,
}

/// Every page of `GET /jobs`.
#[derive(Clone, Debug, Default)]
pub struct JobListing {
    /// The jobs that could be read.
    pub jobs: Vec<Job>,
    /// The ones that could not.
    pub unreadable: Vec<UnreadableItem>,
    /// Pages fetched.
    pub pages: u32,
}

/// A cursor over the pages of `GET /jobs`; see [`ScenarioClient::job_pages`].
pub struct JobPages<'a> {
    client: &'a ScenarioClient,
    query: &'a JobQuery,
    token: Option<String>,
    fetched: u32,
    done: bool,
}

impl JobPages<'_> {
    /// The next page; `None` after the last. A page may be empty and still not be the last.
    /// A token repeated, or more pages than any listing needs, is an answer the API does not document.
    pub async fn next(&mut self) -> Result<Option<JobPage>, ScenarioError> {
        if self.done {
            return Ok(None);
        }
        let page = self.client.list_jobs_page(self.query, self.token.as_deref()).await?;
        self.fetched += 1;
        match &page.next_page_token {
            None => self.done = true,
            Some(next) if self.token.as_deref() == Some(next.as_str()) => {
                return Err(malformed(LIST_JOBS, "the same page token twice".into(), &next.clone().into()));
            }
            Some(_) if self.fetched >= MAX_PAGES => {
                return Err(malformed(LIST_JOBS, format!("more than {MAX_PAGES} pages"), &Value::Null));
            }
            Some(next) => self.token = Some(next.clone()),
        }
        Ok(Some(page))
    }

    /// Pages fetched so far.
    pub fn fetched(&self) -> u32 {
        self.fetched
    }
}

const LIST_JOBS: &str = "GET /jobs";
const GET_JOB: &str = "GET /jobs/{jobId}";

impl ScenarioClient {
    /// Lists every job matching `query`, following `nextPaginationToken` to the end (through empty
    /// pages that still carry a token). A job that cannot be read is logged and skipped.
    #[instrument(name = "scenario.list_jobs", skip_all, fields(
        status = ?query.status, workflow_id = ?query.workflow_id, pages, jobs
    ))]
    pub async fn list_jobs(&self, query: &JobQuery) -> Result<JobListing, ScenarioError> {
        let mut listing = JobListing::default();
        let mut pages = self.job_pages(query);
        while let Some(page) = pages.next().await? {
            listing.jobs.extend(page.jobs);
            listing.unreadable.extend(page.unreadable);
        }
        listing.pages = pages.fetched();
        let span = tracing::Span::current();
        span.record("pages", listing.pages);
        span.record("jobs", listing.jobs.len());
        Ok(listing)
    }

    /// The pages of `GET /jobs` for `query`, one at a time, so a caller can handle each page
    /// before the next is fetched and never holds thousands of runs at once.
    pub fn job_pages<'a>(&'a self, query: &'a JobQuery) -> JobPages<'a> {
        JobPages { client: self, query, token: None, fetched: 0, done: false }
    }

    /// Fetches one page of `GET /jobs`.
    #[instrument(name = "scenario.list_jobs_page", skip_all, fields(has_token = token.is_some()))]
    pub async fn list_jobs_page(
        &self,
        query: &JobQuery,
        token: Option<&str>,
    ) -> Result<JobPage, ScenarioError> {
        let mut body = self
            .execute(Call {
                endpoint: LIST_JOBS,
                method: Method::GET,
                path: vec!["jobs"],
                query: query.query_pairs(token),
                body: None,
                not_found: "job list".into(),
            })
            .await?;
        let items: Vec<Value> = field(LIST_JOBS, &mut body, "jobs")?;
        let next_page_token = body
            .get("nextPaginationToken")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        let (jobs, unreadable) = parse_each(items, "jobId", "job");
        Ok(JobPage { jobs, unreadable, next_page_token })
    }

    /// Checks that Scenario answers and accepts the credentials by listing one workflow run.
    pub async fn check_connection(&self) -> Result<(), ScenarioError> {
        let query = JobQuery::workflow_runs().with_page_size(1);
        self.list_jobs_page(&query, None).await.map(|_| ())
    }

    /// Reads one job.
    #[instrument(name = "scenario.get_job", skip_all, fields(job_id = %job_id))]
    pub async fn get_job(&self, job_id: &JobId) -> Result<Job, ScenarioError> {
        let mut body = self
            .execute(Call {
                endpoint: GET_JOB,
                method: Method::GET,
                path: vec!["jobs", job_id.as_str()],
                query: Vec::new(),
                body: None,
                not_found: format!("job {job_id}"),
            })
            .await?;
        field(GET_JOB, &mut body, "job")
    }
}

/// Reads each list item on its own, so one bad item never fails the page.
pub(super) fn parse_each<T: serde::de::DeserializeOwned>(
    items: Vec<Value>,
    id_key: &str,
    what: &str,
) -> (Vec<T>, Vec<UnreadableItem>) {
    let mut parsed = Vec::with_capacity(items.len());
    let mut unreadable = Vec::new();
    for item in items {
        match T::deserialize(&item) {
            Ok(value) => parsed.push(value),
            Err(error) => {
                let id = item.get(id_key).and_then(Value::as_str).map(str::to_owned);
                warn!(id = ?id, %error, "skipping a {what} the bridge cannot read");
                unreadable.push(UnreadableItem { id, reason: error.to_string() });
            }
        }
    }
    (parsed, unreadable)
}
