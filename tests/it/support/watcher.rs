//! A watcher of its own (not the app's) over services built as the app builds them against the
//! fakes, its cadence, sweeps and (optionally) request budget on one clock the test moves.

use std::{sync::Arc, time::Duration};

use approval_bridge::{
    app::Services,
    config::Settings,
    discord, guild,
    monotonic::ManualClock,
    polls::PollRequest,
    scenario::{Budget, BudgetSettings, ScenarioClient},
    store::Store,
    watcher::Watcher,
};
use serenity::all::GuildId;
use tokio::sync::mpsc;

use super::{app::env_for, fake_discord::FakeDiscord, fake_scenario::FakeScenario};

/// The bridge a watcher runs over, and the clock it keeps time on.
pub struct WatcherRig {
    /// The bridge's services, built as the app builds them.
    pub services: Services,
    /// The Scenario client the services were built with (its requests are a person's).
    pub scenario: ScenarioClient,
    /// The clock the watcher and the budget read.
    pub clock: ManualClock,
    /// The budget every Scenario request of the rig waits its turn in, when it has one.
    pub budget: Option<Budget>,
    requests: Option<mpsc::Receiver<PollRequest>>,
    _discord: FakeDiscord,
    _dir: tempfile::TempDir,
}

impl WatcherRig {
    /// A rig against `scenario`, its Scenario requests spending `budget` (on the rig's clock)
    /// when given.
    pub async fn new(scenario: &FakeScenario, budget: Option<BudgetSettings>) -> Self {
        let discord = FakeDiscord::start().await;
        let channel = discord.add_text_channel("approvals");
        let role = discord.add_role("Reviewers", "0");
        let dir = tempfile::tempdir().expect("a temp dir");
        let env = env_for(&discord, scenario, channel, role, &dir.path().join("bridge.db"));
        let settings = Settings::from_lookup(|name| env.get(name).cloned()).expect("valid settings");
        let store = Store::connect(&settings.database_url).await.expect("the database opens");
        let clock = ManualClock::default();
        let budget = budget.map(|settings| Budget::with_clock(settings, Arc::new(clock.clone())));
        let mut client_settings = scenario.settings();
        client_settings.budget = budget.clone();
        let client = ScenarioClient::new(client_settings).expect("valid settings");
        let http = Arc::new(discord::client::http(&settings.discord).expect("a Discord client"));
        let home = guild::home::HomeServer::new(GuildId::new(discord.guild_id()));
        let (services, requests) = Services::build(store, client.clone(), http, &settings.discord, home);
        let requests = Some(requests);
        Self { services, scenario: client, clock, budget, requests, _discord: discord, _dir: dir }
    }

    /// A watcher over the rig's bridge, on its clock, sweeping every `full_sweep`.
    pub fn watcher(&self, full_sweep: Duration) -> Watcher {
        Watcher::new(self.services.watcher())
            .with_full_sweep(full_sweep)
            .with_clock(Arc::new(self.clock.clone()))
    }

    /// The queue of passes asked for (`/approvals sync`), for the one watcher that runs its loop.
    pub fn poll_requests(&mut self) -> mpsc::Receiver<PollRequest> {
        self.requests.take().expect("one watcher loop per rig")
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }
}
