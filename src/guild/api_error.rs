//! What Discord's API errors mean to the bridge: the JSON error codes it acts on,
//! <https://discord.com/developers/docs/topics/opcodes-and-status-codes#json>.

use serenity::http::HttpError;

/// Unknown Channel: deleted, or never was.
pub const UNKNOWN_CHANNEL: isize = 10003;
/// Unknown Message: deleted.
pub const UNKNOWN_MESSAGE: isize = 10008;
/// Missing Access: the bot cannot see the channel.
pub const MISSING_ACCESS: isize = 50001;
/// Missing Permissions: the bot lacks a permission the request needs.
pub const MISSING_PERMISSIONS: isize = 50013;

/// The JSON error code of a Discord API error, if the error is one.
pub fn discord_error_code(err: &serenity::Error) -> Option<isize> {
    match err {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => Some(response.error.code),
        _ => None,
    }
}

/// Whether Discord answered that the bot cannot see a channel (or it is gone).
pub fn is_unseen(err: &serenity::Error) -> bool {
    matches!(discord_error_code(err), Some(UNKNOWN_CHANNEL | MISSING_ACCESS))
}

/// Whether Discord refused a request for want of the bot's permissions in its channel.
pub fn is_refusal(err: &serenity::Error) -> bool {
    matches!(discord_error_code(err), Some(MISSING_ACCESS | MISSING_PERMISSIONS))
}
