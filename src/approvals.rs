//! The domain, with no I/O: ids, Scenario's runs as the API reports them, gate detection over a
//! run's flow, what a card shows, the states of an approval, the picking rules of selection
//! gates, who started a run, and re-runs.

pub mod detect;
pub mod durations;
pub mod enums;
pub mod escalation;
pub mod groups;
pub mod ids;
mod lenient;
pub mod people;
pub mod policy;
pub mod progress;
pub mod rerun;
pub mod review;
pub mod selection;
pub mod settle;
pub mod state;
pub mod wire;
