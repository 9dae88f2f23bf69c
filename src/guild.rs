//! What the bridge knows of its Discord server, shared by the card writer and the handlers: the
//! home server, the bot's member there and the permissions it needs, the members who may decide,
//! and Discord's error codes.

pub mod api_error;
pub mod electorate;
pub mod home;
pub mod permissions;
