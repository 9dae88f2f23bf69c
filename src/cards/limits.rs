//! Discord's limits on one message, <https://discord.com/developers/docs/components/reference>
//! and <https://discord.com/developers/docs/resources/message#embed-object-embed-limits>.

/// Components in one message in the component layout, nested ones counted.
pub const COMPONENTS: usize = 40;
/// Characters over all text displays of one message.
pub const TEXT_TOTAL: usize = 4000;
/// Pictures in one media gallery.
pub const GALLERY_ITEMS: usize = 10;
/// A gallery picture's description.
pub const GALLERY_DESCRIPTION: usize = 1024;
/// Embed description (the Full size answer is an embed).
pub const DESCRIPTION: usize = 4096;
