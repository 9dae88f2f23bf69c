//! Reviewers' re-run forms as priced by a dry run, one per reviewer and gate, until Start (which
//! uses it up, see [`Store::request_rerun`]) or Cancel.

use serde_json::Value;
use serenity::all::UserId;

use super::{RerunDraft, Snowflake, Store, StoreError, now_ms};
use crate::approvals::ids::ApprovalId;

impl Store {
    /// Keeps `draft` as the re-run form of `reviewer_id` on gate `approval_id` (replacing theirs).
    pub async fn save_rerun_draft(
        &self,
        approval_id: ApprovalId,
        reviewer_id: UserId,
        draft: &RerunDraft,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO rerun_drafts (approval_id, reviewer_id, inputs, changed, note, cost, drafted_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (approval_id, reviewer_id) DO UPDATE SET inputs = excluded.inputs,
                 changed = excluded.changed, note = excluded.note, cost = excluded.cost, drafted_at = excluded.drafted_at",
        )
        .bind(approval_id.get())
        .bind(reviewer_id.column())
        .bind(Value::Object(draft.inputs.clone()).to_string())
        .bind(serde_json::json!(draft.changed).to_string())
        .bind(draft.note.as_deref())
        .bind(draft.cost)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The re-run form of `reviewer_id` on gate `approval_id`, if they have one.
    pub async fn rerun_draft(
        &self,
        approval_id: ApprovalId,
        reviewer_id: UserId,
    ) -> Result<Option<RerunDraft>, StoreError> {
        let row: Option<(String, String, Option<String>, f64)> = sqlx::query_as(
            "SELECT inputs, changed, note, cost FROM rerun_drafts WHERE approval_id = $1 AND reviewer_id = $2",
        )
        .bind(approval_id.get())
        .bind(reviewer_id.column())
        .fetch_optional(&self.pool)
        .await?;
        let Some((inputs, changed, note, cost)) = row else { return Ok(None) };
        let corrupt = |e: serde_json::Error| StoreError::Corrupt {
            id: approval_id,
            what: format!("re-run form ({e})"),
        };
        Ok(Some(RerunDraft {
            inputs: serde_json::from_str(&inputs).map_err(corrupt)?,
            changed: serde_json::from_str(&changed).map_err(corrupt)?,
            note,
            cost,
        }))
    }

    /// Forgets the re-run form of `reviewer_id` on gate `approval_id` (Cancel); whether there was one.
    pub async fn drop_rerun_draft(
        &self,
        approval_id: ApprovalId,
        reviewer_id: UserId,
    ) -> Result<bool, StoreError> {
        let dropped = sqlx::query("DELETE FROM rerun_drafts WHERE approval_id = $1 AND reviewer_id = $2")
            .bind(approval_id.get())
            .bind(reviewer_id.column())
            .execute(&self.pool)
            .await?;
        Ok(dropped.rows_affected() == 1)
    }
}
