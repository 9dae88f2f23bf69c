//! The Full size button: fresh signed links to a card's originals, for the clicker only.
//!
//! Anyone who can click the card may ask, reviewers and readers alike: the links show what the
//! card shows, in full size, and change nothing. The links are read from Scenario at the click,
//! since signed URLs expire (the card's own previews are attachments and do not).

use std::collections::HashMap;

use serenity::all::{ComponentInteraction, CreateEmbed, EditInteractionResponse, Http};
use tracing::{info, warn};

use super::{cards, custom_id::CardCustomId, limits, previews::link, reply::Answerable};
use crate::{
    approvals::{ids::AssetId, review::ShownAsset},
    discord::bridge::Bridge,
};

/// Answers a click on Full size with the originals' fresh links, privately.
pub async fn on_click(
    bridge: &Bridge,
    http: &Http,
    click: &ComponentInteraction,
    id: CardCustomId,
) -> anyhow::Result<()> {
    let answer = Answerable::component(click);
    // Acknowledge before any I/O: Discord allows 3 s, Scenario may take longer.
    answer.defer(http).await?;
    let approval = bridge.store.approval(id.approval_id).await?.filter(|a| {
        a.channel_id == click.channel_id.get() && a.message_id.is_none_or(|m| m == click.message.id.get())
    });
    let Some(approval) = approval else {
        answer.finish(http, "This card is not one approval-bridge knows.").await?;
        return Ok(());
    };
    let assets = &approval.snapshot.assets;
    let ids: Vec<AssetId> = assets.iter().map(|a| a.asset_id.clone()).collect();
    let fresh = match bridge.scenario.assets(&ids).await {
        Ok(fresh) => fresh.into_iter().map(|a| (a.id, a.url)).collect(),
        Err(err) => {
            warn!(approval_id = approval.id.get(), error = %err, "full-size links unavailable");
            let text = format!("Scenario did not give fresh links ({err}); try again in a moment.");
            answer.finish(http, text).await?;
            return Ok(());
        }
    };
    info!(approval_id = approval.id.get(), user_id = click.user.id.get(), "full-size links given");
    let embed = CreateEmbed::new().title("Full size").description(links_text(assets, &fresh));
    click.edit_response(http, EditInteractionResponse::new().embed(embed)).await?;
    Ok(())
}

/// One line per asset, linked to its fresh URL, in the card's numbering, within an embed
/// description's limit; assets Scenario no longer has, or whose URL Discord would refuse, say so.
fn links_text(assets: &[ShownAsset], fresh: &HashMap<AssetId, String>) -> String {
    const HEAD: &str = "Links to the originals, valid for a limited time:";
    let lines: Vec<String> = cards::labels(assets)
        .into_iter()
        .zip(assets)
        .map(|(label, asset)| match fresh.get(&asset.asset_id).map(|url| link::usable(url)) {
            None => format!("{label}: no longer in Scenario"),
            Some(Ok(url)) => format!("[{label}]({url})"),
            Some(Err(why)) => format!("{label}: no usable link ({why})"),
        })
        .collect();
    let mut text = HEAD.to_owned();
    for (n, line) in lines.iter().enumerate() {
        let tail = format!("\n…and {} more", lines.len() - n);
        if text.chars().count() + 1 + line.chars().count() + tail.chars().count() > limits::DESCRIPTION {
            text.push_str(&tail);
            break;
        }
        text.push('\n');
        text.push_str(line);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(id: &str, kind: &str) -> ShownAsset {
        ShownAsset {
            asset_id: id.into(),
            url: "https://old.example/expired".into(),
            kind: Some(kind.into()),
            node_id: "gen".into(),
        }
    }

    #[test]
    fn every_asset_gets_its_fresh_link_in_the_cards_numbering() {
        let assets = [asset("a", "image"), asset("v", "video"), asset("b", "image")];
        let fresh: HashMap<AssetId, String> = [("a", "https://cdn/a?s=1"), ("v", "https://cdn/v?s=2")]
            .into_iter()
            .map(|(id, url)| (id.into(), url.to_owned()))
            .collect();
        let text = links_text(&assets, &fresh);
        assert!(text.contains("[Image 1](https://cdn/a?s=1)"), "{text}");
        assert!(text.contains("[Video 1](https://cdn/v?s=2)"), "{text}");
        assert!(text.contains("Image 2: no longer in Scenario"), "{text}");
        assert!(!text.contains("old.example"), "{text}");
    }

    #[test]
    fn a_url_discord_would_refuse_is_named_not_linked() {
        let assets = [asset("a", "image")];
        let fresh = HashMap::from([(AssetId::from("a"), "/relative/a.png".to_owned())]);
        assert!(links_text(&assets, &fresh).contains("Image 1: no usable link (relative URL)"));
    }

    #[test]
    fn many_long_links_stay_within_an_embed_description() {
        let assets: Vec<ShownAsset> = (0..40).map(|n| asset(&format!("a{n}"), "image")).collect();
        let fresh = assets
            .iter()
            .map(|a| (a.asset_id.clone(), format!("https://cdn/{}?{}", a.asset_id, "s".repeat(300))))
            .collect();
        let text = links_text(&assets, &fresh);
        assert!(text.chars().count() <= limits::DESCRIPTION);
        assert!(text.ends_with("more"), "{text}");
    }
}
