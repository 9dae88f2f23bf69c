//! What a card shows, read from its message in Discord's component layout: the text displays,
//! the sections (`**Name**` on the first line), the gallery, the controls. Tests assert on these,
//! as a person reads the card, whatever the nesting.

use serde_json::Value;

use super::fake_discord::layout::{IS_COMPONENTS_V2, flatten};

/// The contents of a card's text displays, in order.
pub fn texts(card: &Value) -> Vec<String> {
    let all = flatten(&card["components"]);
    all.iter().filter(|c| c["type"] == 10).filter_map(|c| c["content"].as_str().map(str::to_owned)).collect()
}

/// The first text display: the title line and the summary under it.
pub fn heading(card: &Value) -> String {
    texts(card).into_iter().next().unwrap_or_default()
}

/// The small print at the bottom (approval, gate, run); on the message a card's previews are
/// posted with before it is drawn, its one line.
pub fn footer(card: &Value) -> String {
    let content = card["content"].as_str().filter(|c| c.starts_with("-# ")).map(str::to_owned);
    texts(card).into_iter().find(|t| t.starts_with("-# ")).or(content).unwrap_or_default()
}

/// The value of the section titled `name`, if the card has one.
pub fn section(card: &Value, name: &str) -> Option<String> {
    let head = format!("**{name}**\n");
    texts(card).into_iter().find_map(|t| t.strip_prefix(&head).map(str::to_owned))
}

/// The pictures of a card's galleries, in order.
pub fn gallery(card: &Value) -> Vec<Value> {
    let all = flatten(&card["components"]);
    all.iter()
        .filter(|c| c["type"] == 12)
        .flat_map(|g| g["items"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// The URLs a card's gallery shows, in order.
pub fn gallery_urls(card: &Value) -> Vec<String> {
    gallery(card).iter().filter_map(|i| i["media"]["url"].as_str().map(str::to_owned)).collect()
}

/// The buttons and menus a card offers.
pub fn controls(card: &Value) -> Vec<Value> {
    flatten(&card["components"]).into_iter().filter(|c| matches!(c["type"].as_u64(), Some(2..=8))).collect()
}

/// Whether a card is drawn in the component layout, with nothing in the older fields.
pub fn is_v2(card: &Value) -> bool {
    let flags = card["flags"].as_u64().unwrap_or(0);
    let empty = |key: &str| card[key].is_null() || card[key] == "" || card[key] == Value::Array(vec![]);
    flags & IS_COMPONENTS_V2 != 0 && empty("content") && empty("embeds")
}

/// Turns a card into one as the bridge posted it before the component layout: no flag, its
/// text in one embed, one embed per picture on `images` (the picture's own URL when `None`),
/// its buttons in a plain row. For tests of cards posted by an older bridge.
pub fn as_embed_card(card: &mut Value, images: &[Option<String>]) {
    let pictures = gallery_urls(card);
    let mut embeds = vec![serde_json::json!({ "title": "Review", "description": heading(card) })];
    for (n, picture) in pictures.iter().enumerate() {
        let url = images.get(n).cloned().flatten().unwrap_or_else(|| picture.clone());
        embeds.push(serde_json::json!({ "image": { "url": url } }));
    }
    let buttons: Vec<Value> = controls(card).into_iter().filter(|c| c["type"] == 2).collect();
    let rows = if buttons.is_empty() {
        vec![]
    } else {
        vec![serde_json::json!({ "type": 1, "components": buttons })]
    };
    card["flags"] = 0.into();
    card["embeds"] = Value::Array(embeds);
    card["components"] = Value::Array(rows);
}
