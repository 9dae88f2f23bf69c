//! Who started a run, and whether they may approve its gates: Scenario names the person behind a
//! run (`authorId`), admins link Scenario users to Discord members, and a route's
//! [`SelfApproval`] says whether a linked author may approve their own run. Pure: the store keeps
//! the links, the click flows ask [`SelfApproval::refuses`].

use std::fmt;

use serde::{Deserialize, Serialize};

/// Who started a run, as its job says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartedBy {
    /// A Scenario user, by id.
    Person(String),
    /// An API key: no person (Scenario sends `authorId: null`).
    ApiKey,
}

impl StartedBy {
    /// The Scenario user, when a person started the run.
    pub fn person(&self) -> Option<&str> {
        match self {
            Self::Person(id) => Some(id),
            Self::ApiKey => None,
        }
    }
}

/// Who started a run, as its card names them: the member linked to its Scenario user when
/// there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Starter {
    /// The Discord member (user id) linked to the Scenario user.
    Member(u64),
    /// A Scenario user no member is linked to.
    ScenarioUser(String),
    /// An API key.
    ApiKey,
}

impl Starter {
    /// Who started a run `started_by`, `member` being the one linked to its user, if any.
    pub fn new(started_by: &StartedBy, member: Option<u64>) -> Self {
        match (started_by, member) {
            (StartedBy::Person(_), Some(member)) => Self::Member(member),
            (StartedBy::Person(id), None) => Self::ScenarioUser(id.clone()),
            (StartedBy::ApiKey, _) => Self::ApiKey,
        }
    }
}

/// Whether the member who started a run may approve its gates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SelfApproval {
    /// They may, as any reviewer.
    Allowed,
    /// They may not: another reviewer approves (a linked author may still reject).
    #[default]
    Refused,
}

impl SelfApproval {
    /// The name used in settings, commands and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Refused => "refused",
        }
    }

    /// The rule named `name` (any case); `None` for another word.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "allowed" => Some(Self::Allowed),
            "refused" => Some(Self::Refused),
            _ => None,
        }
    }

    /// Whether `voter` is refused an approval of a run whose author is linked to `author` (the
    /// Discord user id; `None`: not linked, or no person): only a linked author is known.
    pub fn refuses(self, author: Option<u64>, voter: u64) -> bool {
        self == Self::Refused && author == Some(voter)
    }
}

impl fmt::Display for SelfApproval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Allowed => f.write_str("self-approval allowed"),
            Self::Refused => f.write_str("self-approval refused"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_linked_author_is_refused_and_only_when_the_route_refuses() {
        assert!(SelfApproval::Refused.refuses(Some(7), 7));
        assert!(!SelfApproval::Refused.refuses(Some(7), 8), "another reviewer");
        assert!(!SelfApproval::Refused.refuses(None, 7), "an unlinked or keyless run");
        assert!(!SelfApproval::Allowed.refuses(Some(7), 7));
        assert_eq!(SelfApproval::parse(" Refused "), Some(SelfApproval::Refused));
        assert_eq!(SelfApproval::parse("maybe"), None);
    }

    #[test]
    fn a_job_says_a_person_an_api_key_or_nothing() {
        let job = |author: serde_json::Value| {
            let json = serde_json::json!({
                "jobId": "job_1", "jobType": "workflow", "status": "success", "authorId": author
            });
            serde_json::from_value::<crate::approvals::wire::Job>(json).unwrap()
        };
        assert_eq!(job("u1".into()).started_by(), Some(StartedBy::Person("u1".into())));
        assert_eq!(job(serde_json::Value::Null).started_by(), Some(StartedBy::ApiKey));
        assert_eq!(job(7.into()).started_by(), None, "unreadable: unknown");
        let absent = serde_json::json!({ "jobId": "job_1", "jobType": "workflow", "status": "success" });
        let absent: crate::approvals::wire::Job = serde_json::from_value(absent).unwrap();
        assert_eq!(absent.started_by(), None);
    }

    #[test]
    fn who_started_a_run_is_kept_as_json_the_snapshot_can_read_back() {
        let person = StartedBy::Person("u1".into());
        let json = serde_json::to_string(&person).unwrap();
        assert_eq!(serde_json::from_str::<StartedBy>(&json).unwrap(), person);
        assert_eq!(serde_json::to_string(&StartedBy::ApiKey).unwrap(), "\"api_key\"");
    }
}
