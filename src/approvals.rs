//! The domain, with no I/O: ids, Scenario's runs as the API reports them, gate detection over a
//! run's flow, what a card shows, the states of an approval, and the picking rules of selection
//! gates.

pub mod detect;
pub mod enums;
pub mod ids;
mod lenient;
pub mod policy;
pub mod review;
pub mod selection;
pub mod settle;
pub mod state;
pub mod wire;
