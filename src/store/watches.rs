//! The watches table (per-workflow routes set by admins) and its append-only trail,
//! `route_audit`.

use std::time::Duration;

use serenity::all::{ChannelId, RoleId, UserId};
use sqlx::AnyConnection;

use super::{Reviewer, Snowflake, Store, StoreError, approvals::OPEN, now_ms};
use crate::approvals::{
    escalation::Escalation,
    groups::Groups,
    ids::WorkflowId,
    people::SelfApproval,
    policy::{OnDeadline, Policy},
};

/// A route set with `/approvals watch`: the gates of one workflow go to one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watch {
    /// The workflow routed.
    pub workflow_id: WorkflowId,
    /// Its name when the route was set.
    pub workflow_name: String,
    /// The channel of its cards.
    pub channel_id: ChannelId,
    /// The role that decides its gates; `None`: the default reviewers.
    pub reviewer_role_id: Option<RoleId>,
    /// Its own review policy; `None`: the defaults.
    pub policy: Option<Policy>,
    /// The admin who set the route.
    pub set_by: Reviewer,
    /// When, unix milliseconds.
    pub set_at: i64,
    /// For gates waiting when its deadline was last set or shortened: the moment it counts from.
    pub deadline_from: Option<i64>,
    /// Its own re-run setting: on or off; `None`: the default (`RERUNS`).
    pub reruns: Option<bool>,
    /// Its own cap on one re-run's cost, creative units, 0 for none; `None`: the default
    /// (`RERUN_MAX_COST`).
    pub rerun_max_cost: Option<u32>,
    /// Its own thread setting: on or off; `None`: the default (`CARD_THREADS`).
    pub threads: Option<bool>,
    /// Its own rule on a linked author approving their own run; `None`: the default
    /// (`SELF_APPROVAL`).
    pub self_approval: Option<SelfApproval>,
}

/// A route about to be set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWatch {
    /// The workflow to route.
    pub workflow_id: WorkflowId,
    /// Its name in Scenario.
    pub workflow_name: String,
    /// The channel of its cards.
    pub channel_id: ChannelId,
    /// The role that decides its gates; `None`: the default reviewers.
    pub reviewer_role_id: Option<RoleId>,
}

/// One stored route change.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RouteAuditEntry {
    /// Row id, increasing with time.
    pub id: i64,
    /// When, unix milliseconds.
    pub at: i64,
    /// The admin's Discord user id.
    pub actor_id: i64,
    /// Their display name at the time.
    pub actor_name: String,
    /// `watch` or `unwatch`.
    pub action: String,
    /// The workflow.
    pub workflow_id: String,
    /// Its name, when known.
    pub workflow_name: Option<String>,
    /// The route's channel (set, or removed).
    pub channel_id: Option<i64>,
    /// The route's reviewer role (set, or removed).
    pub reviewer_role_id: Option<i64>,
    /// The route's review policy from then on, in words, when the change set one.
    pub policy: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    workflow_id: String,
    workflow_name: String,
    channel_id: i64,
    reviewer_role_id: Option<i64>,
    set_by: i64,
    set_by_name: String,
    set_at: i64,
    deadline_from: Option<i64>,
    reruns: Option<i64>,
    rerun_max_cost: Option<i64>,
    threads: Option<i64>,
    self_approval: Option<String>,
    #[sqlx(flatten)]
    policy: PolicyColumns,
}

impl From<Row> for Watch {
    fn from(row: Row) -> Self {
        Self {
            workflow_id: row.workflow_id.into(),
            workflow_name: row.workflow_name,
            channel_id: ChannelId::from_column(row.channel_id),
            reviewer_role_id: row.reviewer_role_id.map(RoleId::from_column),
            policy: row.policy.policy(),
            set_by: Reviewer { id: UserId::from_column(row.set_by), name: row.set_by_name },
            set_at: row.set_at,
            deadline_from: row.deadline_from,
            reruns: row.reruns.map(|on| on != 0),
            rerun_max_cost: row.rerun_max_cost.and_then(|cap| u32::try_from(cap).ok()),
            threads: row.threads.map(|on| on != 0),
            self_approval: row.self_approval.as_deref().and_then(SelfApproval::parse),
        }
    }
}

/// Records a route change: the route after a `watch`, the route removed by an `unwatch`, and
/// the policy set, if the change set one.
pub(super) async fn audit_route(
    conn: &mut AnyConnection,
    action: &str,
    route: &Watch,
    policy: Option<&str>,
    by: &Reviewer,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO route_audit
         (at, actor_id, actor_name, action, workflow_id, workflow_name, channel_id, reviewer_role_id, policy)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(now_ms())
    .bind(by.id.column())
    .bind(&by.name)
    .bind(action)
    .bind(route.workflow_id.as_str())
    .bind(&route.workflow_name)
    .bind(route.channel_id.column())
    .bind(route.reviewer_role_id.map(Snowflake::column))
    .bind(policy)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the open cards of `workflow_id` stale, so the next pass redraws them (their tally and
/// deadline follow the route).
pub(super) async fn redraw_open_cards(
    conn: &mut AnyConnection,
    workflow_id: &WorkflowId,
) -> Result<(), StoreError> {
    let sql = format!("UPDATE approvals SET card_current = 0 WHERE workflow_id = $1 AND state IN {OPEN}");
    sqlx::query(&sql).bind(workflow_id.as_str()).execute(conn).await?;
    Ok(())
}

impl Store {
    /// Every route, by workflow name.
    pub async fn watches(&self) -> Result<Vec<Watch>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as("SELECT * FROM watches ORDER BY workflow_name, workflow_id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Watch::from).collect())
    }

    /// Every workflow without a route whose deadline counts from a moment of its own (see
    /// [`Store::remove_watch`]).
    pub async fn unrouted_deadlines(&self) -> Result<Vec<(WorkflowId, i64)>, StoreError> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT workflow_id, deadline_from FROM unrouted_deadlines")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(id, from)| (WorkflowId::new(id), from)).collect())
    }

    /// Sets (or replaces) the route of a workflow, with its audit entry, in one transaction. A
    /// new route takes over the moment the workflow's deadline counted from without one.
    pub async fn set_watch(&self, new: &NewWatch, by: &Reviewer) -> Result<Watch, StoreError> {
        let at = now_ms();
        let mut tx = self.pool.begin().await?;
        let row: Row = sqlx::query_as(
            "INSERT INTO watches (workflow_id, workflow_name, channel_id, reviewer_role_id, set_by, set_by_name, set_at, deadline_from)
             VALUES ($1, $2, $3, $4, $5, $6, $7,
                     (SELECT deadline_from FROM unrouted_deadlines WHERE workflow_id = $1))
             ON CONFLICT (workflow_id) DO UPDATE SET
                 workflow_name = excluded.workflow_name, channel_id = excluded.channel_id,
                 reviewer_role_id = excluded.reviewer_role_id, set_by = excluded.set_by,
                 set_by_name = excluded.set_by_name, set_at = excluded.set_at
             RETURNING *",
        )
        .bind(new.workflow_id.as_str())
        .bind(&new.workflow_name)
        .bind(new.channel_id.column())
        .bind(new.reviewer_role_id.map(Snowflake::column))
        .bind(by.id.column())
        .bind(&by.name)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        let watch = Watch::from(row);
        sqlx::query("DELETE FROM unrouted_deadlines WHERE workflow_id = $1")
            .bind(new.workflow_id.as_str())
            .execute(&mut *tx)
            .await?;
        // The tally counts the approvals of the route's reviewers: redrawn under the new ones.
        redraw_open_cards(&mut tx, &watch.workflow_id).await?;
        audit_route(&mut tx, "watch", &watch, None, by).await?;
        tx.commit().await?;
        Ok(watch)
    }

    /// Removes the route of a workflow, with its audit entry; the route removed, if there was one.
    /// `deadline_from` is the moment the deadline of its waiting gates counts from under the
    /// defaults from now on (`None`: from when each gate was seen), kept until a route is set again.
    pub async fn remove_watch(
        &self,
        workflow_id: &WorkflowId,
        deadline_from: Option<i64>,
        by: &Reviewer,
    ) -> Result<Option<Watch>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let removed: Option<Row> = sqlx::query_as("DELETE FROM watches WHERE workflow_id = $1 RETURNING *")
            .bind(workflow_id.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(removed) = removed.map(Watch::from) else {
            tx.rollback().await?;
            return Ok(None);
        };
        sqlx::query("DELETE FROM unrouted_deadlines WHERE workflow_id = $1")
            .bind(workflow_id.as_str())
            .execute(&mut *tx)
            .await?;
        if let Some(from) = deadline_from {
            sqlx::query("INSERT INTO unrouted_deadlines (workflow_id, deadline_from) VALUES ($1, $2)")
                .bind(workflow_id.as_str())
                .bind(from)
                .execute(&mut *tx)
                .await?;
        }
        redraw_open_cards(&mut tx, &removed.workflow_id).await?;
        audit_route(&mut tx, "unwatch", &removed, None, by).await?;
        tx.commit().await?;
        Ok(Some(removed))
    }

    /// Gives the route of `workflow_id` its own rule on self-approval (`None`: the default),
    /// audited as a route change shown as `shown_as`; `None` when it has no route.
    pub async fn set_self_approval(
        &self,
        workflow_id: &WorkflowId,
        rule: Option<SelfApproval>,
        shown_as: &str,
        by: &Reviewer,
    ) -> Result<Option<Watch>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query("UPDATE watches SET self_approval = $1 WHERE workflow_id = $2")
            .bind(rule.map(SelfApproval::as_str))
            .bind(workflow_id.as_str())
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        let watch = Self::watch_in(&mut tx, workflow_id).await?;
        audit_route(&mut tx, "watch", &watch, Some(shown_as), by).await?;
        tx.commit().await?;
        Ok(Some(watch))
    }

    /// The route of `workflow_id`, read inside a transaction that just changed it.
    pub(super) async fn watch_in(
        conn: &mut AnyConnection,
        workflow_id: &WorkflowId,
    ) -> Result<Watch, StoreError> {
        let row: Row = sqlx::query_as("SELECT * FROM watches WHERE workflow_id = $1")
            .bind(workflow_id.as_str())
            .fetch_one(conn)
            .await?;
        Ok(row.into())
    }

    /// A number that grows with every route change (the newest route audit row), so a process
    /// sharing the database sees that another one changed a route.
    pub async fn routes_version(&self) -> Result<i64, StoreError> {
        let (version,): (i64,) =
            sqlx::query_as("SELECT COALESCE(MAX(id), 0) FROM route_audit").fetch_one(&self.pool).await?;
        Ok(version)
    }

    /// The route changes, newest first, at most `limit`.
    pub async fn route_audit(&self, limit: u32) -> Result<Vec<RouteAuditEntry>, StoreError> {
        let entries = sqlx::query_as("SELECT * FROM route_audit ORDER BY id DESC LIMIT $1")
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        Ok(entries)
    }
}

/// The policy columns of a `watches` row: all set for a route with a policy of its own.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub(super) struct PolicyColumns {
    approvals_required: Option<i64>,
    remind_after_ms: Option<i64>,
    max_reminders: Option<i64>,
    deadline_ms: Option<i64>,
    on_deadline: Option<String>,
    each_of: Option<String>,
    escalate_to: Option<i64>,
    escalate_after_ms: Option<i64>,
}

impl PolicyColumns {
    /// The route's own policy; `None` when it follows the defaults (or a value is unreadable,
    /// which the defaults then cover: the columns are only ever written from a valid policy).
    pub(super) fn policy(&self) -> Option<Policy> {
        let duration = |ms: Option<i64>| ms.and_then(|ms| u64::try_from(ms).ok()).map(Duration::from_millis);
        Some(Policy {
            approvals_required: u8::try_from(self.approvals_required?).ok()?,
            each_of: Groups::from_column(self.each_of.as_deref())?,
            remind_after: duration(self.remind_after_ms),
            max_reminders: u32::try_from(self.max_reminders?).ok()?,
            deadline: duration(self.deadline_ms),
            on_deadline: OnDeadline::parse(self.on_deadline.as_deref()?)?,
            escalation: match self.escalate_to {
                Some(role) => Some(Escalation {
                    role: u64::try_from(role).ok()?,
                    after: duration(self.escalate_after_ms),
                }),
                None => None,
            },
            // The route's, whether it has a policy of its own or not: see `Watch`.
            deadline_from: None,
        })
    }
}
