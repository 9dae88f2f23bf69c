//! The API's string enums. Each keeps an `Unknown` variant carrying the raw value: Scenario adds
//! values between releases (`rejected`, `user-selection` and `splat` are recent), and a value this
//! build does not know must never fail a poll. `Display` and `as_str` give the wire spelling back.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! wire_enum {
    (
        $(#[$doc:meta])*
        $name:ident { $( $(#[$vdoc:meta])* $variant:ident = $wire:literal, )* }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )*
            /// A value this build does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// The value as the API spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Unknown(raw) => raw,
                }
            }

            /// Reads a wire value; an unknown one becomes `Unknown`, never an error.
            pub fn from_wire(raw: &str) -> Self {
                match raw {
                    $( $wire => Self::$variant, )*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(raw: &str) -> Self {
                Self::from_wire(raw)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                Ok(Self::from_wire(&raw))
            }
        }
    };
}

wire_enum!(
    /// The status of a job (`job.status`, `statusHistory[].status`).
    JobStatus {
        /// Created, not yet scheduled.
        Pending = "pending",
        /// Waiting for a worker.
        Queued = "queued",
        /// A worker is starting.
        WarmingUp = "warming-up",
        /// Running; a workflow parked at a gate stays here.
        InProgress = "in-progress",
        /// Writing its results.
        Finalizing = "finalizing",
        /// Finished well (terminal).
        Success = "success",
        /// Finished badly (terminal).
        Failure = "failure",
        /// Stopped, e.g. by a rejected gate (terminal).
        Canceled = "canceled",
    }
);

impl JobStatus {
    /// Whether the job can no longer change: `success`, `failure` or `canceled`.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Success | Self::Failure | Self::Canceled)
    }
}

wire_enum!(
    /// The type of a job. Scenario has about forty; the bridge only needs `workflow`, the rest
    /// that matter for logs are named and any other stays `Unknown` with its raw value.
    JobType {
        /// A workflow run: the only kind that has gates.
        Workflow = "workflow",
        /// A custom model job (often a node of a workflow).
        Custom = "custom",
        /// An inference (image generation) job.
        Inference = "inference",
        /// A prompt generation job.
        GeneratePrompt = "generate-prompt",
        /// A background removal job.
        RemoveBackground = "remove-background",
        /// An upscale job.
        Upscale = "upscale",
        /// An upload job.
        Upload = "upload",
    }
);

wire_enum!(
    /// The type of a node in a workflow's flow.
    NodeType {
        /// Runs a custom model.
        CustomModel = "custom-model",
        /// Repeats its body nodes `count` times, or once per item of its input.
        ForEach = "for-each",
        /// Generates a prompt.
        GeneratePrompt = "generate-prompt",
        /// Outputs a fixed list of items.
        List = "list",
        /// An if/else node.
        Logic = "logic",
        /// Runs a model.
        Model = "model",
        /// Removes an image's background.
        RemoveBackground = "remove-background",
        /// Transforms values.
        Transform = "transform",
        /// Parks the run until a person approves or rejects it: the bridge's gate.
        UserApproval = "user-approval",
        /// Parks the run until a person picks among items.
        UserSelection = "user-selection",
        /// Runs another workflow.
        Workflow = "workflow",
    }
);

wire_enum!(
    /// The status of a node in a running workflow's flow.
    NodeStatus {
        /// Not started (or, for a gate whose inputs are ready, waiting for a decision).
        Pending = "pending",
        /// Running (or, for a gate, possibly waiting for a decision: which one is unsettled).
        Processing = "processing",
        /// Done; for a gate: approved.
        Success = "success",
        /// Failed.
        Failure = "failure",
        /// Not run (a branch not taken, a ForEach template, a cancelled iteration).
        Skipped = "skipped",
        /// A gate that a person rejected.
        Rejected = "rejected",
    }
);

impl NodeStatus {
    /// Whether the nodes after this one may run: `success` or `skipped`.
    pub fn lets_dependents_run(&self) -> bool {
        matches!(self, Self::Success | Self::Skipped)
    }
}

wire_enum!(
    /// The kind of an asset.
    AssetKind {
        /// A picture.
        Image = "image",
        /// A high dynamic range picture.
        ImageHdr = "image-hdr",
        /// A video.
        Video = "video",
        /// A sound.
        Audio = "audio",
        /// A 3D model.
        ThreeD = "3d",
        /// A document.
        Document = "document",
        /// JSON data.
        Json = "json",
        /// Plain text.
        Text = "text",
    }
);

wire_enum!(
    /// The data type of a node or workflow input.
    InputType {
        /// `true` or `false`.
        Boolean = "boolean",
        /// One asset.
        File = "file",
        /// Several assets.
        FileArray = "file_array",
        /// An array of input groups.
        InputsArray = "inputs_array",
        /// One model.
        Model = "model",
        /// Several models.
        ModelArray = "model_array",
        /// A number.
        Number = "number",
        /// Several numbers.
        NumberArray = "number_array",
        /// Text; a prompt when the input's `prompt` flag is set.
        String = "string",
        /// Several texts.
        StringArray = "string_array",
    }
);

wire_enum!(
    /// The status of a workflow (the template, not a run).
    WorkflowStatus {
        /// Being edited.
        Draft = "draft",
        /// Can be run.
        Ready = "ready",
        /// Deleted.
        Deleted = "deleted",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip() {
        let status: JobStatus = serde_json::from_str("\"in-progress\"").unwrap();
        assert_eq!(status, JobStatus::InProgress);
        assert_eq!(serde_json::to_string(&status).unwrap(), "\"in-progress\"");
    }

    #[test]
    fn an_unknown_value_is_kept_and_displayed_verbatim() {
        let kind: NodeType = serde_json::from_str("\"hologram\"").unwrap();
        assert_eq!(kind, NodeType::Unknown("hologram".into()));
        assert_eq!(kind.to_string(), "hologram");
        assert_eq!(serde_json::to_string(&kind).unwrap(), "\"hologram\"");
    }

    #[test]
    fn only_success_failure_and_canceled_are_terminal() {
        let terminal: Vec<_> = ["pending", "queued", "warming-up", "in-progress", "finalizing"]
            .into_iter()
            .map(JobStatus::from_wire)
            .filter(JobStatus::is_terminal)
            .collect();
        assert!(terminal.is_empty());
        assert!(JobStatus::Success.is_terminal());
        assert!(JobStatus::Failure.is_terminal());
        assert!(JobStatus::Canceled.is_terminal());
        assert!(!JobStatus::Unknown("paused".into()).is_terminal());
    }
}
