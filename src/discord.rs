//! The serenity adapter: slash commands, the click flows on cards, replies, and the dispatch of
//! interactions, from the gateway or from Discord's POSTs to the interactions endpoint. Cards
//! themselves are drawn and written by [`crate::cards`].

pub mod bridge;
mod click;
pub mod client;
pub mod commands;
pub mod endpoint;
pub mod full_size;
pub mod handler;
mod outsiders;
mod picking;
mod quorum;
pub mod refusal;
pub mod reply;
mod rerun;
mod rerun_start;
pub mod review;
mod run_decision;
