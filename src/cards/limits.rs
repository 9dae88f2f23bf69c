//! Discord's limits on one message, <https://discord.com/developers/docs/resources/message#embed-object-embed-limits>

/// Embeds per message.
pub const EMBEDS: usize = 10;
/// Characters over all embeds of a message.
pub const EMBED_TOTAL: usize = 6000;
/// Embed title.
pub const TITLE: usize = 256;
/// Embed description.
pub const DESCRIPTION: usize = 4096;
/// Field name.
pub const FIELD_NAME: usize = 256;
/// Field value.
pub const FIELD_VALUE: usize = 1024;
/// Fields per embed.
pub const FIELDS: usize = 25;
/// Footer text.
pub const FOOTER: usize = 2048;
