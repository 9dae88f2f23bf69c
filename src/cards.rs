//! Review and selection cards: how they are drawn (pure functions from an approval to a message),
//! their previews (images downloaded, made small and attached), the `custom_id`s their components
//! carry, Discord's limits they are kept within, the card writer that posts and edits them, and
//! the reminders that reply to them, and the thread each card may start. The watcher and the Discord handlers both write cards
//! through [`publish::CardWriter`].

pub mod attach;
pub mod custom_id;
pub mod inert;
pub mod layout;
pub mod limits;
pub mod previews;
mod progress;
pub mod publish;
pub mod reminders;
pub mod render;
mod threads;
mod turns;
