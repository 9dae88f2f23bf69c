//! Events read from the audit trail and the refusal counts (`crate::events` makes the records),
//! and written to the outbox in the transaction of the entry they are made of.

use sqlx::{AnyConnection, FromRow};

use super::{Store, StoreError, now_ms};
use crate::approvals::ids::ApprovalId;
use crate::events::{AuditFacts, Event, EventKind, Filter, GateFacts, RefusalFacts, card_link};

/// The audit entries that may be events, with their gates.
fn audit_events_sql(condition: &str) -> String {
    let actions: Vec<String> = EventKind::AUDIT_ACTIONS.iter().map(|a| format!("'{a}'")).collect();
    format!(
        "SELECT au.id AS audit_id, au.at, au.action, au.to_state, au.actor_id, au.actor_name, au.reason, au.detail,
                {GATE_COLUMNS}
         FROM audit au JOIN approvals ap ON ap.id = au.approval_id
         WHERE au.action IN ({}) AND {condition}",
        actions.join(", ")
    )
}

/// The refusal counts, with their gates when about a card.
fn refusal_events_sql(condition: &str) -> String {
    format!(
        "SELECT r.id AS refusal_id, r.first_at, r.actor_id, r.actor_name, r.attempt, r.why, r.attempts,
                {GATE_COLUMNS}
         FROM refusals r LEFT JOIN approvals ap ON ap.id = r.approval_id
         WHERE {condition}"
    )
}

const GATE_COLUMNS: &str =
    "ap.id AS approval_id, ap.workflow_id, ap.gate_json, ap.job_id, ap.node_id, ap.iteration,
                ap.channel_id, ap.message_id, ap.picks,
                (SELECT home_guild_id FROM event_setup WHERE id = 1) AS home_guild_id";

/// Only while events go to the outbox (`EVENTS_URL` set).
const OUTBOX_ON: &str = "EXISTS (SELECT 1 FROM event_setup WHERE id = 1 AND outbox = 1)";

#[derive(FromRow)]
struct GateRow {
    approval_id: Option<i64>,
    workflow_id: Option<String>,
    gate_json: Option<String>,
    job_id: Option<String>,
    node_id: Option<String>,
    iteration: Option<i64>,
    channel_id: Option<i64>,
    message_id: Option<i64>,
    picks: Option<String>,
    home_guild_id: Option<i64>,
}

impl GateRow {
    fn facts(self) -> Option<GateFacts> {
        let card = match (self.home_guild_id, self.channel_id, self.message_id) {
            (Some(guild), Some(channel), Some(message)) => Some(card_link(guild, channel, message)),
            _ => None,
        };
        Some(GateFacts {
            approval_id: self.approval_id?,
            workflow_id: self.workflow_id?,
            // The snapshot is read in Rust: SQLite and PostgreSQL spell JSON access differently.
            workflow_name: self.gate_json.and_then(|json| {
                let snapshot: serde_json::Value = serde_json::from_str(&json).ok()?;
                snapshot.get("workflow_name")?.as_str().map(str::to_owned)
            }),
            job_id: self.job_id?,
            node_id: self.node_id?,
            iteration: self.iteration,
            card,
            // Written by the bridge from a `Vec<u32>`; unreadable picks are left out, not fatal.
            picks: self.picks.and_then(|p| serde_json::from_str(&p).ok()),
        })
    }
}

#[derive(FromRow)]
struct AuditRow {
    audit_id: i64,
    at: i64,
    action: String,
    to_state: Option<String>,
    actor_id: Option<i64>,
    actor_name: Option<String>,
    reason: Option<String>,
    detail: Option<String>,
    #[sqlx(flatten)]
    gate: GateRow,
}

impl AuditRow {
    fn event(self) -> Option<Event> {
        Event::from_audit(AuditFacts {
            audit_id: self.audit_id,
            at: self.at,
            action: self.action,
            to_state: self.to_state,
            actor: self.actor_id.map(|id| (id, self.actor_name.unwrap_or_default())),
            reason: self.reason,
            detail: self.detail,
            gate: self.gate.facts()?,
        })
    }
}

#[derive(FromRow)]
struct RefusalRow {
    refusal_id: i64,
    first_at: i64,
    actor_id: i64,
    actor_name: String,
    attempt: String,
    why: String,
    attempts: i64,
    #[sqlx(flatten)]
    gate: GateRow,
}

impl RefusalRow {
    fn event(self) -> Event {
        Event::from_refusal(RefusalFacts {
            refusal_id: self.refusal_id,
            at: self.first_at,
            actor: (self.actor_id, self.actor_name),
            attempt: self.attempt,
            why: self.why,
            attempts: self.attempts,
            gate: self.gate.facts(),
        })
    }
}

/// Writes the event audit entry `audit_id` is (if it is one) to the outbox, on `conn`, inside the
/// transaction that wrote the entry; nothing while events are off.
pub(super) async fn audited(conn: &mut AnyConnection, audit_id: i64, action: &str) -> Result<(), StoreError> {
    if !EventKind::AUDIT_ACTIONS.contains(&action) {
        return Ok(());
    }
    let sql = audit_events_sql(&format!("au.id = $1 AND {OUTBOX_ON}"));
    let row: Option<AuditRow> = sqlx::query_as(&sql).bind(audit_id).fetch_optional(&mut *conn).await?;
    enqueue_audited(conn, row).await
}

/// Writes the event of the newest `action` entry of gate `approval_id` to the outbox, as
/// [`audited`] does, for the entries a transition's trigger writes (migration 0020): one read,
/// which finds nothing while events are off.
pub(super) async fn audited_by_trigger(
    conn: &mut AnyConnection,
    approval_id: ApprovalId,
    action: &str,
) -> Result<(), StoreError> {
    let newest = "au.id = (SELECT MAX(id) FROM audit WHERE approval_id = $1 AND action = $2)";
    let sql = audit_events_sql(&format!("{newest} AND {OUTBOX_ON}"));
    let row: Option<AuditRow> =
        sqlx::query_as(&sql).bind(approval_id.get()).bind(action).fetch_optional(&mut *conn).await?;
    enqueue_audited(conn, row).await
}

async fn enqueue_audited(conn: &mut AnyConnection, row: Option<AuditRow>) -> Result<(), StoreError> {
    match row.and_then(AuditRow::event) {
        Some(event) => enqueue(conn, &event).await,
        None => Ok(()),
    }
}

/// Writes the event of refusal count `refusal_id` (its first attempt) to the outbox, as
/// [`audited`] does.
pub(super) async fn refused(conn: &mut AnyConnection, refusal_id: i64) -> Result<(), StoreError> {
    let sql = refusal_events_sql(&format!("r.id = $1 AND {OUTBOX_ON}"));
    let row: Option<RefusalRow> = sqlx::query_as(&sql).bind(refusal_id).fetch_optional(&mut *conn).await?;
    match row {
        Some(row) => enqueue(conn, &row.event()).await,
        None => Ok(()),
    }
}

async fn enqueue(conn: &mut AnyConnection, event: &Event) -> Result<(), StoreError> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO event_outbox (event_id, gate, body, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(&event.id)
    .bind(event.approval.unwrap_or(0))
    .bind(event.to_json())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    /// Every event `filter` keeps, oldest first.
    pub async fn events(&self, filter: &Filter) -> Result<Vec<Event>, StoreError> {
        let since = filter.since_ms.unwrap_or(i64::MIN);
        let until = filter.until_ms.unwrap_or(i64::MAX);
        let workflow = filter.workflow_id.as_deref();
        let sql = audit_events_sql(
            "au.at >= $1 AND au.at < $2 AND ($3 IS NULL OR ap.workflow_id = $3) AND ($4 IS NULL OR au.actor_id = $4)
             ORDER BY au.id",
        );
        let audited: Vec<AuditRow> = sqlx::query_as(&sql)
            .bind(since)
            .bind(until)
            .bind(workflow)
            .bind(filter.reviewer_id)
            .fetch_all(&self.pool)
            .await?;
        let sql = refusal_events_sql(
            "r.first_at >= $1 AND r.first_at < $2 AND ($3 IS NULL OR ap.workflow_id = $3) AND ($4 IS NULL OR r.actor_id = $4)
             ORDER BY r.id",
        );
        let refused: Vec<RefusalRow> = sqlx::query_as(&sql)
            .bind(since)
            .bind(until)
            .bind(workflow)
            .bind(filter.reviewer_id)
            .fetch_all(&self.pool)
            .await?;
        let mut events: Vec<Event> = audited
            .into_iter()
            .filter_map(AuditRow::event)
            .chain(refused.into_iter().map(RefusalRow::event))
            .filter(|event| filter.keeps(event))
            .collect();
        events.sort_by_key(|event| event.at_ms);
        Ok(events)
    }

    /// Says whether events go to the outbox from now on (`EVENTS_URL` set), and the home server
    /// their card links name.
    pub async fn set_event_setup(&self, outbox: bool, home_guild_id: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO event_setup (id, outbox, home_guild_id) VALUES (1, $1, $2)
             ON CONFLICT (id) DO UPDATE SET outbox = excluded.outbox, home_guild_id = excluded.home_guild_id",
        )
        .bind(i64::from(outbox))
        .bind(home_guild_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
