//! The Full size button: fresh signed links to a card's originals, for the clicker only.
//!
//! Only the reviewers of the card's route may ask (the check Approve makes): each answer reads
//! fresh links from Scenario, which spends the team's quota, and a person may ask a few times a
//! minute. The links are read at the click, since signed URLs expire (the card's own previews are
//! attachments and do not), and only links on `PREVIEW_HOSTS` are given, each with its host shown.

use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

use serenity::all::{CreateEmbed, EditInteractionResponse, UserId};
use tracing::{info, warn};

use super::{
    cards,
    click::{Click, check},
    inert, limits,
    previews::link,
    refusal::Refusal,
    reply::{Answerable, Handled, refuse},
};
use crate::{
    approvals::{ids::AssetId, review::ShownAsset},
    config::PreviewHosts,
    discord::bridge::Bridge,
};

/// Answers one person may have within [`WINDOW`].
const PER_PERSON: usize = 3;
/// The window [`PER_PERSON`] counts in.
const WINDOW: Duration = Duration::from_secs(60);

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
        return refuse(Refusal::FullSizeTooOften { per_minute: PER_PERSON as u32 });
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

/// Who asked for full-size links lately: a few answers per person and minute.
#[derive(Debug, Default)]
pub struct FullSizeLimit {
    asked: Mutex<HashMap<UserId, Vec<Instant>>>,
}

impl FullSizeLimit {
    /// Whether `user` may have an answer at `now`; counts it when so.
    pub fn allow(&self, user: UserId, now: Instant) -> bool {
        let mut asked = self.asked.lock().unwrap_or_else(PoisonError::into_inner);
        // Forgets what is out of the window, so the map holds only the last minute's askers.
        asked.retain(|_, times| {
            times.retain(|at| now.saturating_duration_since(*at) < WINDOW);
            !times.is_empty()
        });
        let times = asked.entry(user).or_default();
        if times.len() >= PER_PERSON {
            return false;
        }
        times.push(now);
        true
    }
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
    fn a_person_gets_a_few_answers_a_minute_and_others_are_counted_apart() {
        let (limit, start) = (FullSizeLimit::default(), Instant::now());
        let (ana, bo) = (UserId::new(1), UserId::new(2));
        for n in 0..PER_PERSON {
            assert!(limit.allow(ana, start + Duration::from_secs(n as u64)), "answer {n}");
        }
        assert!(!limit.allow(ana, start + Duration::from_secs(30)));
        assert!(limit.allow(bo, start + Duration::from_secs(30)), "another person");
        assert!(limit.allow(ana, start + WINDOW), "the first answer left the window");
        assert!(!limit.allow(ana, start + WINDOW));
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
