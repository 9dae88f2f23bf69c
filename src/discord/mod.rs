//! The serenity adapter: review and selection cards, the `custom_id`s of their components, slash
//! commands and the dispatch of interactions.

pub mod attach;
pub mod cards;
pub mod client;
pub mod commands;
pub mod custom_id;
pub mod full_size;
mod handler;
pub mod home;
mod outsiders;
mod picking;
pub mod publish;
pub mod reply;
pub mod review;
