//! What review policies keep in the database besides the votes (`votes`): the reminders sent,
//! the overdue mark and the escalation of each gate, and a route's own policy (columns of
//! `watches`).
//!
//! Reminders and the overdue mark are written before the message goes out, each guarded by the
//! value it replaces, so however many passes race, one reminder is sent per step and a gate is
//! pinged overdue once.

use std::time::Duration;

use serenity::all::{ChannelId, Mentionable, MessageId, UserId};

use super::{
    Reviewer, Snowflake, Store, StoreError,
    audit::{AuditAction, NewAudit},
    watches::Watch,
};
use crate::approvals::{
    ids::{ApprovalId, WorkflowId},
    policy::{GateClock, Policy, millis},
};

/// A pending gate as the policy step needs it: which, where its card is, and its clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingGate {
    /// The approval.
    pub id: ApprovalId,
    /// The workflow, whose route's policy applies.
    pub workflow_id: WorkflowId,
    /// The card's channel.
    pub channel_id: ChannelId,
    /// The card, once posted (and while no person deleted it).
    pub message_id: Option<MessageId>,
    /// The card's thread, while it takes pings (started, not closed).
    pub thread_id: Option<ChannelId>,
    /// When it was seen, its reminders, its overdue mark.
    pub clock: GateClock,
}

impl Reviewer {
    /// The id that stands for the bridge itself, deciding under a route's policy (a deadline
    /// passed): no Discord user has it (snowflakes carry their creation time, far above 1), and
    /// it is a valid non-zero id wherever ids are typed.
    pub const BRIDGE_ID: UserId = UserId::new(1);

    /// The bridge itself, as the one who decided.
    pub fn bridge() -> Self {
        Self { id: Self::BRIDGE_ID, name: "approval-bridge".to_owned() }
    }

    /// How a card or an answer names them: a mention, or the bridge by name.
    pub fn mention(&self) -> String {
        if self.id == Self::BRIDGE_ID {
            "approval-bridge".to_owned()
        } else {
            Mentionable::mention(&self.id).to_string()
        }
    }
}

// A card a person deleted has no message to reply to: reminders and pings skip it.
const PENDING_GATES: &str = "SELECT id, workflow_id, channel_id,
         CASE WHEN card_deleted_at IS NULL THEN message_id END AS message_id,
         found_at, reminders_sent, last_reminded_at, overdue_at, escalated_at,
         CASE WHEN thread_closed = 0 THEN thread_id END AS thread_id
     FROM approvals WHERE state = 'pending' ORDER BY id";

impl Store {
    /// When the deadline of gate `id` was found passed with nothing decided, if it was.
    pub async fn overdue_since(&self, id: ApprovalId) -> Result<Option<i64>, StoreError> {
        let row: Option<(Option<i64>,)> = sqlx::query_as("SELECT overdue_at FROM approvals WHERE id = $1")
            .bind(id.get())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.and_then(|(at,)| at))
    }

    /// The pending gates with approvals counted, with their workflow and how many: what a
    /// lowered quorum may have decided. A gate whose decision was given back after its last
    /// approval (the quorum was reached, and sending failed) is left out: its reviewers were told
    /// that nothing was decided, and it waits for one of them.
    pub async fn pending_tallies(&self) -> Result<Vec<(ApprovalId, WorkflowId, usize)>, StoreError> {
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT t.approval_id, t.workflow_id, t.n FROM (
                 SELECT v.approval_id, a.workflow_id, COUNT(*) AS n, MAX(v.at) AS last_at
                 FROM approval_votes v JOIN approvals a ON a.id = v.approval_id
                 WHERE a.state = 'pending' GROUP BY v.approval_id, a.workflow_id) t
             WHERE NOT EXISTS (
                 SELECT 1 FROM audit r
                 WHERE r.approval_id = t.approval_id AND r.action = 'released' AND r.at >= t.last_at)
             ORDER BY t.approval_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let count = |n: i64| usize::try_from(n).unwrap_or(0);
        Ok(rows
            .into_iter()
            .map(|(id, workflow_id, n)| (ApprovalId::new(id), workflow_id.into(), count(n)))
            .collect())
    }

    /// Every pending gate with its clock, oldest first.
    pub async fn pending_gates(&self) -> Result<Vec<PendingGate>, StoreError> {
        type Columns =
            (i64, String, i64, Option<i64>, i64, i64, Option<i64>, Option<i64>, Option<i64>, Option<i64>);
        let rows: Vec<Columns> = sqlx::query_as(PENDING_GATES).fetch_all(&self.pool).await?;
        let gates = rows.into_iter().map(
            |(id, workflow_id, channel_id, message_id, found_at, sent, last, overdue, escalated, thread)| {
                PendingGate {
                    id: ApprovalId::new(id),
                    workflow_id: workflow_id.into(),
                    channel_id: ChannelId::from_column(channel_id),
                    message_id: message_id.map(MessageId::from_column),
                    thread_id: thread.map(ChannelId::from_column),
                    clock: GateClock {
                        found_at,
                        reminders_sent: u32::try_from(sent).unwrap_or(u32::MAX),
                        last_reminded_at: last,
                        overdue_at: overdue,
                        escalated_at: escalated,
                    },
                }
            },
        );
        Ok(gates.collect())
    }

    /// Takes the next reminder of a pending gate (`sent` before it); `false` when another pass
    /// took it, or the gate closed.
    pub async fn reminding(&self, gate: &PendingGate, now: i64) -> Result<bool, StoreError> {
        let update = sqlx::query(
            "UPDATE approvals SET reminders_sent = reminders_sent + 1, last_reminded_at = $1
             WHERE id = $2 AND state = 'pending' AND reminders_sent = $3",
        )
        .bind(now)
        .bind(gate.id.get())
        .bind(i64::from(gate.clock.reminders_sent));
        let entry = NewAudit::by_bridge(gate.id, AuditAction::Reminded)
            .detail(format!("reminder {}", gate.clock.reminders_sent + 1));
        self.transition(update, entry).await
    }

    /// Marks a pending gate overdue (its deadline passed, the policy decides nothing); `false`
    /// when it was marked already or closed.
    pub async fn mark_overdue(&self, id: ApprovalId, policy: &Policy, now: i64) -> Result<bool, StoreError> {
        let update = sqlx::query(
            "UPDATE approvals SET overdue_at = $1, card_current = 0
             WHERE id = $2 AND state = 'pending' AND overdue_at IS NULL",
        )
        .bind(now)
        .bind(id.get());
        let entry = NewAudit::by_bridge(id, AuditAction::Overdue).detail(format!("policy: {policy}"));
        self.transition(update, entry).await
    }

    /// Records that a pending gate escalated (pinged its escalation role); `false` when it had
    /// already, or closed.
    pub async fn escalating(&self, gate: &PendingGate, role: u64, now: i64) -> Result<bool, StoreError> {
        let update = sqlx::query(
            "UPDATE approvals SET escalated_at = $1, card_current = 0
             WHERE id = $2 AND state = 'pending' AND escalated_at IS NULL",
        )
        .bind(now)
        .bind(gate.id.get());
        let entry = NewAudit::by_bridge(gate.id, AuditAction::Escalated).detail(format!("to role {role}"));
        self.transition(update, entry).await
    }

    /// When gate `id` escalated, if it did.
    pub async fn escalated_since(&self, id: ApprovalId) -> Result<Option<i64>, StoreError> {
        let at: Option<Option<i64>> = sqlx::query_scalar("SELECT escalated_at FROM approvals WHERE id = $1")
            .bind(id.get())
            .fetch_optional(&self.pool)
            .await?;
        Ok(at.flatten())
    }

    /// Gives the route of `workflow_id` its own policy, or back to the defaults with `None`,
    /// audited as a `watch` of the route (`shown_as`: the policy in words), its deadline counting
    /// from `deadline_from` for gates waiting before; `None` when the workflow has no route.
    pub async fn set_policy(
        &self,
        workflow_id: &WorkflowId,
        (policy, deadline_from): (Option<&Policy>, Option<i64>),
        shown_as: &str,
        by: &Reviewer,
    ) -> Result<Option<Watch>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let ms = |d: Option<Duration>| d.map(millis);
        let updated = sqlx::query(
            "UPDATE watches SET approvals_required = $1, remind_after_ms = $2, max_reminders = $3, deadline_ms = $4, on_deadline = $5, deadline_from = $6, each_of = $8,
                 escalate_to = $9, escalate_after_ms = $10
             WHERE workflow_id = $7",
        )
        .bind(policy.map(|p| i64::from(p.approvals_required)))
        .bind(policy.and_then(|p| ms(p.remind_after)))
        .bind(policy.map(|p| i64::from(p.max_reminders)))
        .bind(policy.and_then(|p| ms(p.deadline)))
        .bind(policy.map(|p| p.on_deadline.as_str()))
        .bind(deadline_from)
        .bind(workflow_id.as_str())
        .bind(policy.and_then(|p| p.each_of.to_column()))
        .bind(policy.and_then(|p| p.escalation).and_then(|e| i64::try_from(e.role).ok()))
        .bind(policy.and_then(|p| p.escalation).and_then(|e| ms(e.after)))
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        // Open cards show the tally and the deadline: they are redrawn under the new policy.
        super::watches::redraw_open_cards(&mut tx, workflow_id).await?;
        let watch = Self::watch_in(&mut tx, workflow_id).await?;
        super::watches::audit_route(&mut tx, "watch", &watch, Some(shown_as), by).await?;
        tx.commit().await?;
        Ok(Some(watch))
    }

    /// Gives the route of `workflow_id` its re-run setting (`reruns`: on or off, `None` the
    /// default) and cost cap (`max_cost`: creative units, 0 none, `None` the default), audited as
    /// a `watch` of the route (`shown_as`: the re-run policy in words); `None` when the workflow
    /// has no route.
    pub async fn set_rerun_policy(
        &self,
        workflow_id: &WorkflowId,
        (reruns, max_cost): (Option<bool>, Option<u32>),
        shown_as: &str,
        by: &Reviewer,
    ) -> Result<Option<Watch>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let updated =
            sqlx::query("UPDATE watches SET reruns = $1, rerun_max_cost = $2 WHERE workflow_id = $3")
                .bind(reruns.map(i64::from))
                .bind(max_cost.map(i64::from))
                .bind(workflow_id.as_str())
                .execute(&mut *tx)
                .await?;
        if updated.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        // Open cards offer Re-run, or not, by the route's setting.
        super::watches::redraw_open_cards(&mut tx, workflow_id).await?;
        let watch = Self::watch_in(&mut tx, workflow_id).await?;
        super::watches::audit_route(&mut tx, "watch", &watch, Some(shown_as), by).await?;
        tx.commit().await?;
        Ok(Some(watch))
    }
}
