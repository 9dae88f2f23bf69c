//! The serenity adapter: review and selection cards, the `custom_id`s of their components, slash
//! commands and the dispatch of interactions, from the gateway or from Discord's POSTs to the
//! interactions endpoint.

pub mod api_error;
pub mod attach;
pub mod bridge;
pub mod cards;
mod click;
pub mod client;
pub mod commands;
pub mod custom_id;
pub mod electorate;
pub mod endpoint;
pub mod full_size;
pub mod handler;
pub mod home;
pub mod inert;
pub mod limits;
mod outsiders;
pub mod permissions;
mod picking;
pub mod previews;
pub mod publish;
mod quorum;
pub mod refusal;
pub mod reminders;
pub mod reply;
pub mod review;
