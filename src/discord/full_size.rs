//! The Full size button: fresh signed links to a card's originals, for the clicker only.
//!
//! Only the reviewers of the card's route may ask (the check Approve makes): each answer reads
//! fresh links from Scenario, which spends the team's quota, and a person may ask a few times a
//! minute. The links are read at the click, since signed URLs expire (the card's own previews are
//! attachments and do not), and only links on `PREVIEW_HOSTS` are given, each with its host shown.

pub mod limit;

use std::{collections::HashMap, time::Instant};

use serenity::all::{CreateEmbed, EditInteractionResponse};
use tracing::{info, warn};

use super::{
    click::{Click, check},
    refusal::Refusal,
    reply::{Answerable, Handled, refuse},
};
use crate::{
    approvals::{ids::AssetId, review::ShownAsset},
    cards::{inert, limits, previews::link, render as cards},
    config::PreviewHosts,
    discord::bridge::Bridge,
};

/// Answers a reviewer's click on Full size with the originals' fresh links, privately.
pub(super) async fn on_click(bridge: &Bridge, card: &Click<'_>, answer: &Answerable<'_>) -> Handled<()> {
    // Acknowledge before any I/O: Discord allows 3 s, Scenario may take longer.
    answer.defer().await?;
    let approval = check(bridge, card).await?;
    if !bridge.full_size.allow(card.user.id, Instant::now()) {
        info!(
            approval_id = approval.id.get(),
            user_id = card.user.id.get(),
            "full-size links refused: asked too often"
        );
        return refuse(Refusal::FullSizeTooOften { per_minute: limit::PER_PERSON as u32 });
    }
    let assets = &approval.snapshot.assets;
    let ids: Vec<AssetId> = assets.iter().map(|a| a.asset_id.clone()).collect();
    let fresh = match bridge.scenario.assets(&ids).await {
        Ok(fresh) => fresh.into_iter().map(|a| (a.id, a.url)).collect(),
        Err(err) => {
            warn!(approval_id = approval.id.get(), error = %err, "full-size links unavailable");
            return refuse(Refusal::NoFreshLinks);
        }
    };
    info!(approval_id = approval.id.get(), user_id = card.user.id.get(), "full-size links given");
    let hosts = bridge.cards.previews().hosts();
    let embed = CreateEmbed::new().title("Full size").description(links_text(assets, &fresh, hosts));
    answer.edit(EditInteractionResponse::new().embed(embed)).await?;
    Ok(())
}

/// One line per asset, linked to its fresh URL with the host shown, in the card's numbering,
/// within an embed description's limit; assets Scenario no longer has, or whose URL is not one
/// to give (not on `hosts`, or one Discord would refuse), say so.
fn links_text(assets: &[ShownAsset], fresh: &HashMap<AssetId, String>, hosts: &PreviewHosts) -> String {
    const HEAD: &str = "Links to the originals, valid for a limited time:";
    let lines: Vec<String> = cards::labels(assets)
        .into_iter()
        .zip(assets)
        .map(|(label, asset)| match fresh.get(&asset.asset_id).map(|url| link::usable(url)) {
            None => format!("{label}: no longer in Scenario"),
            Some(Ok(url)) if hosts.allows(&url) => inert::link(&label, &url),
            Some(Ok(_)) => format!("{label}: no usable link"),
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

    fn cdn() -> PreviewHosts {
        PreviewHosts::parse("https://cdn").unwrap()
    }

    #[test]
    fn every_asset_gets_its_fresh_link_in_the_cards_numbering() {
        let assets = [asset("a", "image"), asset("v", "video"), asset("b", "image")];
        let fresh: HashMap<AssetId, String> = [("a", "https://cdn/a?s=1"), ("v", "https://cdn/v?s=2")]
            .into_iter()
            .map(|(id, url)| (id.into(), url.to_owned()))
            .collect();
        let text = links_text(&assets, &fresh, &cdn());
        assert!(text.contains("[Image 1](https://cdn/a?s=1) (cdn)"), "{text}");
        assert!(text.contains("[Video 1](https://cdn/v?s=2) (cdn)"), "{text}");
        assert!(text.contains("Image 2: no longer in Scenario"), "{text}");
        assert!(!text.contains("old.example"), "{text}");
    }

    #[test]
    fn a_url_discord_would_refuse_is_named_not_linked() {
        let assets = [asset("a", "image")];
        let fresh = HashMap::from([(AssetId::from("a"), "/relative/a.png".to_owned())]);
        assert!(links_text(&assets, &fresh, &cdn()).contains("Image 1: no usable link (relative URL)"));
    }

    #[test]
    fn a_link_off_the_preview_hosts_is_not_given() {
        let assets = [asset("a", "image")];
        let fresh = HashMap::from([(AssetId::from("a"), "http://127.0.0.1:9090/metrics".to_owned())]);
        let text = links_text(&assets, &fresh, &cdn());
        assert!(text.ends_with("\nImage 1: no usable link"), "{text}");
        assert!(!text.contains("127.0.0.1"), "{text}");
    }

    #[test]
    fn many_long_links_stay_within_an_embed_description() {
        let assets: Vec<ShownAsset> = (0..40).map(|n| asset(&format!("a{n}"), "image")).collect();
        let fresh = assets
            .iter()
            .map(|a| (a.asset_id.clone(), format!("https://cdn/{}?{}", a.asset_id, "s".repeat(300))))
            .collect();
        let text = links_text(&assets, &fresh, &cdn());
        assert!(text.chars().count() <= limits::DESCRIPTION);
        assert!(text.ends_with("more"), "{text}");
    }
}
