//! The scripted reviewers of the crash test: people looking at the approval channel and clicking
//! what they see, seeded so a failing run can be replayed.
//!
//! Each card gets an intent the first time it is seen (approve, reject with a reason, or leave
//! it). Reviewers (holding the role) click what they intend, sometimes twice in a row or together
//! with another reviewer; outsiders (no role) click either button now and then. A click that gets
//! no answer (the bridge was down) is simply clicked again later while the card still shows its
//! buttons, as a person would.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use crate::support::fake_discord::{FakeDiscord, GuildMember, InteractionHandle};

/// What the script means to do with a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Approve,
    Reject,
    Leave,
}

/// What a recorded click was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClickKind {
    /// The Approve button.
    Approve,
    /// The Reject button (which should open the reason form).
    RejectButton,
    /// The reason form, submitted with this reason.
    ReasonSubmit(String),
}

/// One interaction the script caused.
#[derive(Debug, Clone)]
pub struct Click {
    pub member: u64,
    pub authorised: bool,
    pub approval_id: i64,
    pub kind: ClickKind,
    pub handle: InteractionHandle,
}

/// A card as a person sees it: its message and, while it has buttons, their ids.
struct LiveCard {
    approval_id: i64,
    message_id: u64,
    approve: String,
    reject: String,
}

/// The reviewers, the outsiders, and everything they did.
pub struct Script {
    rng: fastrand::Rng,
    channel: u64,
    pub reviewers: Vec<GuildMember>,
    pub outsiders: Vec<GuildMember>,
    intents: HashMap<i64, Intent>,
    /// Reject clicks whose reason form may have opened: (click, when).
    open_forms: Vec<(Click, Instant)>,
    last_click: HashMap<i64, Instant>,
    pub clicks: Vec<Click>,
}

impl Script {
    pub fn new(seed: u64, channel: u64, reviewer_role: u64) -> Self {
        let reviewers =
            ["ana", "bo", "chen"].iter().map(|n| GuildMember::new(n).with_roles(&[reviewer_role])).collect();
        let outsiders = ["mallory", "trudy"].iter().map(|n| GuildMember::new(n)).collect();
        Self {
            rng: fastrand::Rng::with_seed(seed),
            channel,
            reviewers,
            outsiders,
            intents: HashMap::new(),
            open_forms: Vec::new(),
            last_click: HashMap::new(),
            clicks: Vec::new(),
        }
    }

    /// The intent for an approval, chosen when the script first sees its card.
    pub fn intent(&mut self, approval_id: i64) -> Intent {
        let roll = self.rng.f64();
        *self.intents.entry(approval_id).or_insert(if roll < 0.45 {
            Intent::Approve
        } else if roll < 0.85 {
            Intent::Reject
        } else {
            Intent::Leave
        })
    }

    /// Whether an authorised reviewer could be shown as the one who decided.
    pub fn is_reviewer(&self, user_id: u64) -> bool {
        self.reviewers.iter().any(|m| m.user_id == user_id)
    }

    /// One random action while the bridge is connected: submit an open reason form, or click a
    /// live card (a reviewer as intended, maybe twice; or an outsider). Returns whether it was a
    /// reviewer's decision (an Approve click or a reason submitted), after which the bridge is
    /// busy deciding: a good moment to kill it.
    pub async fn step(&mut self, discord: &FakeDiscord) -> bool {
        let before = self.clicks.len();
        self.act(discord).await;
        self.clicks[before..]
            .iter()
            .any(|c| c.authorised && matches!(c.kind, ClickKind::Approve | ClickKind::ReasonSubmit(_)))
    }

    async fn act(&mut self, discord: &FakeDiscord) {
        if !self.open_forms.is_empty() && self.rng.bool() {
            let i = self.rng.usize(..self.open_forms.len());
            let (opened, at) = self.open_forms.swap_remove(i);
            self.submit_or_keep(discord, opened, at).await;
            return;
        }
        let cards = self.live_cards(discord);
        if cards.is_empty() {
            return;
        }
        let card = &cards[self.rng.usize(..cards.len())];
        let intent = self.intent(card.approval_id);
        if self.rng.f64() < 0.2 {
            let who = self.outsiders[self.rng.usize(..self.outsiders.len())].clone();
            let approve = self.rng.bool();
            self.click(discord, &who, false, card, approve).await;
            return;
        }
        if intent == Intent::Leave {
            return;
        }
        let who = self.reviewers[self.rng.usize(..self.reviewers.len())].clone();
        self.click(discord, &who, true, card, intent == Intent::Approve).await;
        if self.rng.f64() < 0.25 {
            // A double click, or a second reviewer at the same moment.
            let again = self.reviewers[self.rng.usize(..self.reviewers.len())].clone();
            self.click(discord, &again, true, card, intent == Intent::Approve).await;
        }
    }

    /// With the bridge up for good: submits every open form, and clicks again every card meant
    /// to be decided that still has its buttons (at most once a second per card). Returns
    /// whether no such card is left.
    pub async fn settle_step(&mut self, discord: &FakeDiscord) -> bool {
        for (opened, at) in std::mem::take(&mut self.open_forms) {
            self.submit_or_keep(discord, opened, at).await;
        }
        let mut done = true;
        for card in self.live_cards(discord) {
            let intent = self.intent(card.approval_id);
            if intent == Intent::Leave {
                continue;
            }
            done = false;
            let recent =
                self.last_click.get(&card.approval_id).is_some_and(|t| t.elapsed() < Duration::from_secs(1));
            if !recent {
                let who = self.reviewers[self.rng.usize(..self.reviewers.len())].clone();
                self.click(discord, &who, true, &card, intent == Intent::Approve).await;
            }
        }
        done && self.open_forms.is_empty()
    }

    async fn click(
        &mut self,
        discord: &FakeDiscord,
        who: &GuildMember,
        authorised: bool,
        card: &LiveCard,
        approve: bool,
    ) {
        let custom_id = if approve { &card.approve } else { &card.reject };
        let Some(handle) = discord.try_click_button(who, self.channel, card.message_id, custom_id).await
        else {
            return; // the buttons went away before the click
        };
        let kind = if approve { ClickKind::Approve } else { ClickKind::RejectButton };
        let click = Click { member: who.user_id, authorised, approval_id: card.approval_id, kind, handle };
        self.last_click.insert(card.approval_id, Instant::now());
        if !approve {
            self.open_forms.push((click.clone(), Instant::now()));
        }
        self.clicks.push(click);
    }

    /// Submits the reason form of a Reject click if the bridge opened one; keeps waiting for
    /// the bridge's answer up to Discord's 3 s; forgets the click after that.
    async fn submit_or_keep(&mut self, discord: &FakeDiscord, opened: Click, at: Instant) {
        match discord.acknowledged_with(&opened.handle) {
            Some(9) => {
                let reason = format!("not this one ({})", self.rng.u32(..1000));
                let handle = discord.submit_modal(&opened.handle, &[("reason", &reason)]).await;
                let kind = ClickKind::ReasonSubmit(reason);
                self.clicks.push(Click { kind, handle, ..opened });
            }
            None if at.elapsed() < Duration::from_secs(3) => self.open_forms.push((opened, at)),
            _ => {}
        }
    }

    /// Cards in the channel that show their buttons, with the approval their ids point at.
    fn live_cards(&self, discord: &FakeDiscord) -> Vec<LiveCard> {
        let mut cards = Vec::new();
        for message in discord.messages_in(self.channel) {
            let ids: Vec<String> = crate::support::card_view::controls(&message)
                .iter()
                .filter_map(|b| b["custom_id"].as_str().map(str::to_owned))
                .collect();
            let find = |prefix: &str| ids.iter().find(|id| id.starts_with(prefix)).cloned();
            let (Some(approve), Some(reject)) = (find("ab1:a:"), find("ab1:r:")) else { continue };
            let Some(approval_id) = approve.rsplit(':').next().and_then(|id| id.parse().ok()) else {
                continue;
            };
            let message_id = message["id"].as_str().and_then(|id| id.parse().ok()).expect("message id");
            cards.push(LiveCard { approval_id, message_id, approve, reject });
        }
        cards
    }
}
