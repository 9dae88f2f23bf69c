//! Fenced card writes across replicas: replica A's edit of a card is held at Discord past its
//! turn, replica B takes the turn and writes the decided state, and the two edits land in the
//! order the test forces. Whichever lands last, the card ends showing the decided state. The same
//! on SQLite, where a standby serving the endpoint writes cards beside the active bridge with no
//! shared turn at all.

use std::sync::Arc;

use approval_bridge::{
    approvals::state::{ApprovalState, Decision},
    cards::{
        previews::Previews,
        publish::{CardWriter, sync_card},
    },
    guild::home::HomeServer,
    routes::Routes,
    store::{Claim, Reviewer, Store},
};
use sqlx::{Connection as _, PgConnection};

use super::replicas::{WITHIN, one_card_on_postgres, open_button};
use crate::support::{
    app::{TestApp, spawn_app_over_http},
    fake_discord::DiscordFault,
    fake_scenario::{FlowTemplate, Release},
    postgres::TempSchema,
    wait::wait_until,
};

const EDIT: &str = "/channels/{channel_id}/messages/{message_id}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_card_write_landing_after_the_decided_one_is_written_over_at_rest() {
    card_writes_race("reliability::card_fencing::older_last", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decided_card_write_landing_after_an_older_one_stands() {
    card_writes_race("reliability::card_fencing::decided_last", false).await;
}

/// On SQLite a standby serving the endpoint writes the cards its clicks decide beside the active
/// bridge, with no turn shared between the two processes: only the fence keeps the card true.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_an_older_write_of_the_active_bridge_landing_after_a_standbys_is_written_over_at_rest() {
    standby_race(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_a_standbys_decided_write_landing_after_an_older_one_stands() {
    standby_race(false).await;
}

async fn standby_race(older_lands_last: bool) {
    let app = spawn_app_over_http(|_| {}).await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let job = app.scenario.start_parked_run(&workflow);
    app.poll().await;
    let approval = app.approval(&job, "review").await;
    let standby = replica_b(&app, &app.settings().database_url).await;
    race(&app, standby, &approval, older_lands_last, async |sql: String| app.execute_sql(&sql).await, None)
        .await;
}

async fn card_writes_race(test: &str, older_lands_last: bool) {
    let Some((schema, app, _workflow, approval)) = one_card_on_postgres(test).await else { return };
    let b = replica_b(&app, &schema.url()).await;
    // A's turn runs out while its edit is held, so B takes it.
    let expire = format!("UPDATE lease SET expires_at = 0 WHERE name = 'card:{}'", approval.id);
    race(
        &app,
        b,
        &approval,
        older_lands_last,
        async |statement: String| sql(&schema, &statement).await,
        Some(expire),
    )
    .await;
}

/// A (the test's bridge) starts to edit the card, its edit held at Discord; meanwhile the gate is
/// decided and B writes the decided card (after `run_sql` ran `between`, if any), its edit held
/// too; the two edits land in the order asked. At rest the card shows the decided row.
async fn race(
    app: &TestApp,
    b: CardWriter,
    approval: &approval_bridge::store::Approval,
    older_lands_last: bool,
    run_sql: impl AsyncFn(String),
    between: Option<String>,
) {
    // A starts to edit the card (say, a tally changed); its edit is held at Discord.
    let (release_a, release_b) = (Release::default(), Release::default());
    app.discord.inject("PATCH", EDIT, DiscordFault::Hold(release_a.clone()), 1);
    run_sql(format!("UPDATE approvals SET card_current = 0 WHERE id = {}", approval.id)).await;
    let a_write = tokio::spawn({
        let (cards, approval) = (app.bridge().cards.clone(), approval.clone());
        async move { sync_card(&cards, &approval).await.map(drop).map_err(|e| e.to_string()) }
    });
    wait_until("A's edit held", WITHIN, async || app.discord.held() >= 1).await;

    // The gate is decided meanwhile, and B writes the decided card (its edit held too, so the
    // test picks the landing order).
    if let Some(statement) = between {
        run_sql(statement).await;
    }
    decide(app.store(), app, approval).await;
    app.discord.inject("PATCH", EDIT, DiscordFault::Hold(release_b.clone()), 1);
    let b_write = tokio::spawn({
        let approval = approval.clone();
        async move { sync_card(&b, &approval).await.map(drop).map_err(|e| e.to_string()) }
    });
    wait_until("B's edit held", WITHIN, async || app.discord.held() >= 2).await;

    let (first, last) = if older_lands_last { (release_b, release_a) } else { (release_a, release_b) };
    let (first_write, last_write) = if older_lands_last { (b_write, a_write) } else { (a_write, b_write) };
    first.release();
    first_write.await.expect("no panic").expect("the first write");
    last.release();
    last_write.await.expect("no panic").expect("the last write");

    // At rest (the lease holder's next passes), the card shows the row: decided, no buttons.
    app.poll().await;
    app.poll().await;
    let row = app.store().approval(approval.id).await.unwrap().unwrap();
    assert_eq!((row.state, row.card_current), (ApprovalState::Approved, true));
    let card = app.discord.message(app.channel, approval.message_id.unwrap().get()).unwrap();
    assert!(open_button(&card).is_none(), "older lands last: {older_lands_last}: {card}");
}

/// Replica B (or a standby on SQLite): a card writer of its own on the database at `url` and the
/// same Discord.
async fn replica_b(app: &TestApp, url: &str) -> CardWriter {
    let settings = app.settings();
    let store = Store::connect(url).await.expect("replica B's store");
    let routes = Arc::new(Routes::new(store.clone(), &settings.discord));
    let home = Arc::new(HomeServer::new(app.bridge().home.id()));
    let (discord, scenario) = (app.bridge().discord.clone(), app.bridge().scenario.clone());
    let previews = Previews::new(settings.discord.card_upload_budget, settings.discord.preview_hosts);
    CardWriter::new(store, discord, scenario, routes, home, previews).for_replica("replica-b")
}

/// Claims and approves the gate in the store, as a click on another replica would.
async fn decide(store: &Store, app: &TestApp, approval: &approval_bridge::store::Approval) {
    let ana = Reviewer { id: app.reviewer("ana").user_id.into(), name: "ana".into() };
    let held = app.bridge().claims.hold();
    let Claim::Won(claimed) =
        store.claim(approval.id, &ana, Decision::Approve, None, held.token()).await.unwrap()
    else {
        panic!("the claim is won")
    };
    assert!(store.sending(&claimed).await.unwrap());
    assert!(store.decided(&claimed).await.unwrap().is_some());
}

async fn sql(schema: &TempSchema, statement: &str) {
    let mut conn = PgConnection::connect(&schema.url()).await.expect("connect");
    sqlx::query(statement).execute(&mut conn).await.expect(statement);
}
