//! The approval domain, with no I/O: ids, and gate detection over a job's flow.

pub mod detect;
pub mod ids;
