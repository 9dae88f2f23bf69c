//! The domain, with no I/O: ids, gate detection over a run's flow, what a card shows, and the
//! states of an approval.

pub mod detect;
pub mod ids;
pub mod policy;
pub mod review;
pub mod settle;
pub mod state;
