//! What review policies keep in the database: the approvals counted towards a gate's quorum
//! (`approval_votes`, one per reviewer and gate), the reminders sent and the overdue mark of each
//! gate, and a route's own policy (columns of `watches`).
//!
//! Reminders and the overdue mark are written before the message goes out, each guarded by the
//! value it replaces, so however many passes race, one reminder is sent per step and a gate is
//! pinged overdue once.

use std::time::Duration;

use serenity::all::{ChannelId, Mentionable, MessageId, UserId};

use super::{
    Reviewer, Snowflake, Store, StoreError,
    audit::{self, AuditAction, NewAudit},
    now_ms,
    watches::Watch,
};
use crate::approvals::{
    ids::{ApprovalId, WorkflowId},
    policy::{GateClock, Policy, millis},
    selection::Replaced,
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

/// How an approval towards a quorum was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Vote {
    /// Counted; the reviewers who have approved so far, in order.
    Counted(Vec<Reviewer>),
    /// This reviewer had approved already: nothing counted twice.
    Again(Vec<Reviewer>),
    /// The gate is no longer pending; nothing counted.
    Closed,
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

/// The proposal that `dropped` votes (reviewer, picks, time) stood for: the picks of the latest
/// of them, confirmed by those who voted for the same picks, in order. Two proposals dropped at
/// once (confirmed at the same moment, see `voters_of`) are shown as the later one.
fn replaced(mut dropped: Vec<(i64, Option<String>, i64)>) -> Option<Replaced> {
    dropped.sort_by_key(|&(reviewer, _, at)| (at, reviewer));
    let (_, latest, _) = dropped.last()?.clone();
    let picks = serde_json::from_str(latest.as_deref()?).ok()?;
    let confirmed_by = dropped
        .into_iter()
        .filter(|(_, picks, _)| *picks == latest)
        .map(|(reviewer, ..)| UserId::from_column(reviewer).get())
        .collect();
    Some(Replaced { picks, confirmed_by })
}

// A card a person deleted has no message to reply to: reminders and pings skip it.
const PENDING_GATES: &str = "SELECT id, workflow_id, channel_id,
         CASE WHEN card_deleted_at IS NULL THEN message_id END AS message_id,
         found_at, reminders_sent, last_reminded_at, overdue_at, escalated_at,
         CASE WHEN thread_closed = 0 THEN thread_id END AS thread_id
     FROM approvals WHERE state = 'pending' ORDER BY id";

impl Store {
    /// Counts `reviewer`'s approval of the pending gate `id`, once per reviewer. On a selection
    /// gate the approval confirms `picks` (the proposal): confirming other picks than the votes
    /// counted so far starts a new proposal, and drops those votes (the reviewer's own included).
    /// A `note` goes with the vote: the card's tally and the audit show it.
    pub async fn vote(
        &self,
        id: ApprovalId,
        reviewer: &Reviewer,
        picks: Option<&[u32]>,
        note: Option<&str>,
    ) -> Result<Vote, StoreError> {
        let picks = picks.map(|p| serde_json::json!(p).to_string());
        let mut tx = self.pool.begin().await?;
        if let Some(picks) = &picks {
            let dropped: Vec<(i64, Option<String>, i64)> = sqlx::query_as(
                "DELETE FROM approval_votes WHERE approval_id = $1 AND picks IS DISTINCT FROM $2
                 AND EXISTS (SELECT 1 FROM approvals WHERE id = $1 AND state = 'pending')
                 RETURNING reviewer_id, picks, at",
            )
            .bind(id.get())
            .bind(picks)
            .fetch_all(&mut *tx)
            .await?;
            if let Some(replaced) = replaced(dropped) {
                let detail = serde_json::json!(replaced).to_string();
                audit::insert(&mut tx, &NewAudit::by(id, reviewer, AuditAction::Replaced).detail(detail))
                    .await?;
            }
        }
        let counted = sqlx::query(
            "INSERT INTO approval_votes (approval_id, reviewer_id, reviewer_name, at, picks, note)
             SELECT id, $1, $2, $3, $4, $6 FROM approvals WHERE id = $5 AND state = 'pending'
             ON CONFLICT (approval_id, reviewer_id) DO NOTHING",
        )
        .bind(reviewer.id.column())
        .bind(&reviewer.name)
        .bind(now_ms())
        .bind(&picks)
        .bind(id.get())
        .bind(note)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if counted {
            // The card shows the tally: it is stale until edited.
            sqlx::query("UPDATE approvals SET card_current = 0 WHERE id = $1")
                .bind(id.get())
                .execute(&mut *tx)
                .await?;
            let entry = NewAudit::by(id, reviewer, AuditAction::Counted).reason(note);
            let entry = match &picks {
                Some(picks) => entry.detail(picks.as_str()),
                None => entry,
            };
            audit::insert(&mut tx, &entry).await?;
        }
        tx.commit().await?;
        let voters = self.voters_of(id, picks.as_deref()).await?;
        let pending: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM approvals WHERE id = $1 AND state = 'pending'")
                .bind(id.get())
                .fetch_optional(&self.pool)
                .await?;
        Ok(match (counted, pending) {
            (true, _) => Vote::Counted(voters),
            (false, Some(_)) if voters.iter().any(|v| v.id == reviewer.id) => Vote::Again(voters),
            (false, _) => Vote::Closed,
        })
    }

    /// The reviewers whose approvals of gate `id` are counted, in the order they came; on a
    /// selection gate, those who confirmed its proposal (the picks of the latest vote).
    pub async fn voters(&self, id: ApprovalId) -> Result<Vec<Reviewer>, StoreError> {
        self.voters_of(id, None).await
    }

    /// The voters of gate `id` who confirmed `picks` (a JSON array), or with `None`, its proposal.
    /// Two confirmations of different picks made at the same moment may both be stored (neither
    /// transaction saw the other's vote to drop it): each counts only towards its own picks.
    async fn voters_of(&self, id: ApprovalId, picks: Option<&str>) -> Result<Vec<Reviewer>, StoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT reviewer_id, reviewer_name FROM approval_votes WHERE approval_id = $1
             AND picks IS NOT DISTINCT FROM COALESCE($2, (SELECT p.picks FROM approval_votes p
                 WHERE p.approval_id = $1 ORDER BY p.at DESC, p.reviewer_id DESC LIMIT 1))
             ORDER BY at, reviewer_id",
        )
        .bind(id.get())
        .bind(picks)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id, name)| Reviewer { id: UserId::from_column(id), name }).collect())
    }

    /// The notes that came with the approvals counted towards gate `id`, by reviewer, in order.
    pub async fn vote_notes(&self, id: ApprovalId) -> Result<Vec<(UserId, String)>, StoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT reviewer_id, note FROM approval_votes WHERE approval_id = $1 AND note IS NOT NULL
             ORDER BY at, reviewer_id",
        )
        .bind(id.get())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id, note)| (UserId::from_column(id), note)).collect())
    }

    /// The picks the counted votes of selection gate `id` confirm (its proposal), if any.
    pub async fn proposal(&self, id: ApprovalId) -> Result<Option<Vec<u32>>, StoreError> {
        let picks: Option<Option<String>> = sqlx::query_scalar(
            "SELECT picks FROM approval_votes WHERE approval_id = $1
             ORDER BY at DESC, reviewer_id DESC LIMIT 1",
        )
        .bind(id.get())
        .fetch_optional(&self.pool)
        .await?;
        picks
            .flatten()
            .map(|p| serde_json::from_str(&p))
            .transpose()
            .map_err(|e| StoreError::Corrupt { id, what: format!("proposed picks ({e})") })
    }

    /// The latest proposal of selection gate `id` that a confirmation of other picks replaced.
    pub async fn replaced_proposal(&self, id: ApprovalId) -> Result<Option<Replaced>, StoreError> {
        let detail: Option<Option<String>> = sqlx::query_scalar(
            "SELECT detail FROM audit WHERE approval_id = $1 AND action = $2 ORDER BY id DESC LIMIT 1",
        )
        .bind(id.get())
        .bind(AuditAction::Replaced.as_str())
        .fetch_optional(&self.pool)
        .await?;
        detail
            .flatten()
            .map(|json| serde_json::from_str(&json))
            .transpose()
            .map_err(|e| StoreError::Corrupt { id, what: format!("replaced proposal ({e})") })
    }

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
