//! Newtype ids for the things the bridge passes around, so a node id can never be sent where a
//! job id is expected. They are transparent on the wire: `"job_…"` stays a plain JSON string.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a raw id as the API spells it.
            pub fn new(raw: impl Into<String>) -> Self {
                Self(raw.into())
            }

            /// The id as the API spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Gives the owned string back.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(raw: String) -> Self {
                Self(raw)
            }
        }

        impl From<&str> for $name {
            fn from(raw: &str) -> Self {
                Self(raw.to_owned())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_id!(
    /// A Scenario job id (`job_…`). A workflow run is a job of type `workflow`; its id is the
    /// `workflowJobId` of the approval endpoint.
    JobId
);
string_id!(
    /// A Scenario workflow id (`wflow_…`).
    WorkflowId
);
string_id!(
    /// The id of a node in a workflow's flow (`metadata.flow[].id`), unique within one run.
    NodeId
);
string_id!(
    /// A Scenario asset id (`asset_…`).
    AssetId
);
string_id!(
    /// The token of one claim on an approval: the claim a decision runs under. A claim taken
    /// over gets a new token, so the decision it was taken from can no longer finish it.
    ClaimToken
);

/// The bridge's own id of an approval (its row): what a card's buttons name and what its audit
/// trail is kept under. Made only from a stored row or a card's `custom_id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApprovalId(i64);

impl ApprovalId {
    /// Wraps a row id.
    pub fn new(raw: i64) -> Self {
        Self(raw)
    }

    /// The row id.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for ApprovalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_strings_on_the_wire() {
        let id: JobId = serde_json::from_str("\"job_abc\"").unwrap();
        assert_eq!(id.as_str(), "job_abc");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"job_abc\"");
    }

    #[test]
    fn ids_display_as_the_raw_string() {
        assert_eq!(NodeId::from("gate").to_string(), "gate");
        assert_eq!(WorkflowId::new(String::from("wflow_1")).into_inner(), "wflow_1");
        assert_eq!(AssetId::from("asset_1").as_ref(), "asset_1");
    }
}
