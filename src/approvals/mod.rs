//! The domain, with no I/O: ids, gate detection over a run's flow, what a card shows, the
//! states of an approval, and the picking rules of selection gates.

pub mod detect;
pub mod ids;
pub mod review;
pub mod selection;
pub mod settle;
pub mod state;
