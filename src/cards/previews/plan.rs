//! Which assets of a card get a preview, under which file name, and how much room each has.
//! Pure: the card writer decides with these, the tests check them without I/O.

use crate::{approvals::review::ShownAsset, cards::limits};

/// Bytes of a message kept for its `payload_json` (embeds, components) within the budget.
pub const PAYLOAD_ROOM: u64 = 64 * 1024;

/// Characters of an asset id kept in a preview's file name.
const NAME_ID_CHARS: usize = 64;

/// Whether `asset` may be an image: its kind says so, or Scenario gave none (the file decides).
pub fn may_be_image(asset: &ShownAsset) -> bool {
    asset.kind.as_deref().is_none_or(|k| k.starts_with("image"))
}

/// For each asset, the file name of its preview when it gets one: the first
/// [`limits::GALLERY_ITEMS`] assets that may be images, since a message shows at most that many.
pub fn preview_names(assets: &[ShownAsset]) -> Vec<Option<String>> {
    let mut images = 0;
    assets
        .iter()
        .map(|asset| {
            if !may_be_image(asset) || images == limits::GALLERY_ITEMS {
                return None;
            }
            images += 1;
            Some(preview_name(images, asset.asset_id.as_str()))
        })
        .collect()
}

/// `image{number}_{asset id}.jpg`, with only the characters Discord keeps in an
/// `attachment://` name (letters, digits, `_`, `-`), so the name sent is the name stored and an
/// edit finds it again.
fn preview_name(number: usize, asset_id: &str) -> String {
    let id: String = asset_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        .take(NAME_ID_CHARS)
        .collect();
    format!("image{number}_{id}.jpg")
}

/// The bytes one more preview may take: what the budget leaves, shared evenly among the
/// `remaining` previews still to make (this one included), so the first image cannot starve
/// the last.
pub fn room(budget: u64, used: u64, remaining: usize) -> usize {
    let left = budget.saturating_sub(used);
    usize::try_from(left / u64::try_from(remaining.max(1)).unwrap_or(u64::MAX)).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(id: &str, kind: Option<&str>) -> ShownAsset {
        ShownAsset {
            asset_id: id.into(),
            url: format!("https://cdn.example/{id}"),
            kind: kind.map(str::to_owned),
            node_id: "gen".into(),
        }
    }

    #[test]
    fn images_and_unknown_kinds_get_numbered_names_other_kinds_none() {
        let assets = [
            asset("asset_a", Some("image")),
            asset("asset_v", Some("video")),
            asset("asset_b", None),
            asset("asset_m", Some("3d")),
        ];
        let names = preview_names(&assets);
        assert_eq!(
            names,
            [Some("image1_asset_a.jpg".to_owned()), None, Some("image2_asset_b.jpg".to_owned()), None]
        );
    }

    #[test]
    fn only_as_many_images_as_a_message_has_embeds_get_a_preview() {
        let assets: Vec<ShownAsset> = (0..13).map(|n| asset(&format!("asset_{n}"), Some("image"))).collect();
        let names = preview_names(&assets);
        assert_eq!(names.iter().flatten().count(), limits::GALLERY_ITEMS);
        assert!(names[limits::GALLERY_ITEMS..].iter().all(Option::is_none));
    }

    #[test]
    fn names_keep_only_characters_discord_keeps_and_stay_short() {
        let odd = format!("asset/../é x:{}", "y".repeat(200));
        let name = preview_name(3, &odd);
        assert!(name.starts_with("image3_asset"), "{name}");
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c)), "{name}");
        assert!(name.len() <= NAME_ID_CHARS + "image10_.jpg".len(), "{name}");
    }

    #[test]
    fn room_is_shared_evenly_among_the_previews_left() {
        assert_eq!(room(10_000, 1_000, 3), 3_000);
        assert_eq!(room(10_000, 12_000, 2), 0);
        assert_eq!(room(10_000, 0, 0), 10_000);
    }
}
