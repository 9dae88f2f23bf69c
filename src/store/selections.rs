//! Reviewers' current choices on selection cards: what each reviewer picked in a card's menus,
//! which Confirm sends. Choosing decides nothing; each choice is audited with who made it.

use serenity::all::UserId;

use super::{
    Reviewer, Snowflake, Store, StoreError,
    audit::{self, AuditAction, NewAudit},
    now_ms,
};
use crate::approvals::ids::ApprovalId;

impl Store {
    /// Records `picks` as the current choice of `reviewer` on the selection gate `approval_id`
    /// (replacing their earlier one), with its audit entry, in one transaction.
    pub async fn choose(
        &self,
        approval_id: ApprovalId,
        reviewer: &Reviewer,
        picks: &[u32],
    ) -> Result<(), StoreError> {
        let picks = serde_json::json!(picks).to_string();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO selection_choices (approval_id, reviewer_id, picks, chosen_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (approval_id, reviewer_id) DO UPDATE SET picks = excluded.picks, chosen_at = excluded.chosen_at",
        )
        .bind(approval_id.get())
        .bind(reviewer.id.column())
        .bind(&picks)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        audit::insert(&mut tx, &NewAudit::by(approval_id, reviewer, AuditAction::Picked).detail(picks))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The current choice of reviewer `reviewer_id` on the selection gate `approval_id`; empty
    /// when they chose nothing yet.
    pub async fn chosen(&self, approval_id: ApprovalId, reviewer_id: UserId) -> Result<Vec<u32>, StoreError> {
        let picks: Option<String> = sqlx::query_scalar(
            "SELECT picks FROM selection_choices WHERE approval_id = $1 AND reviewer_id = $2",
        )
        .bind(approval_id.get())
        .bind(reviewer_id.column())
        .fetch_optional(&self.pool)
        .await?;
        let Some(picks) = picks else { return Ok(Vec::new()) };
        serde_json::from_str(&picks)
            .map_err(|e| StoreError::Corrupt { id: approval_id, what: format!("chosen picks ({e})") })
    }
}

#[cfg(test)]
mod tests {
    use crate::store::{
        Vote,
        tests::{gate, on_both_engines, reviewer, temp_store},
    };

    on_both_engines! {
        async fn each_reviewer_has_one_current_choice_per_gate_and_every_choice_is_audited() {
            let (store, _dir) = temp_store().await;
            let id = store.insert_approval(&gate("job_1", "pick")).await.unwrap().unwrap().id;
            assert!(store.chosen(id, reviewer(1).id).await.unwrap().is_empty(), "nothing chosen yet");
            store.choose(id, &reviewer(1), &[3, 1]).await.unwrap();
            store.choose(id, &reviewer(2), &[0]).await.unwrap();
            store.choose(id, &reviewer(1), &[1, 3, 2]).await.unwrap();
            assert_eq!(
                store.chosen(id, reviewer(1).id).await.unwrap(),
                [1, 3, 2],
                "the latest choice, in pick order"
            );
            assert_eq!(store.chosen(id, reviewer(2).id).await.unwrap(), [0]);
            let picked: Vec<_> = store
                .audit_of(id)
                .await
                .unwrap()
                .into_iter()
                .filter(|e| e.action == "picked")
                .map(|e| (e.actor_id, e.detail))
                .collect();
            let expected = [(1, "[3,1]"), (2, "[0]"), (1, "[1,3,2]")];
            assert_eq!(picked, expected.map(|(who, what)| (Some(who), Some(what.to_owned()))));
        }
    }

    on_both_engines! {
        async fn confirmations_of_different_picks_stored_together_count_only_towards_their_own() {
            let (store, _dir) = temp_store().await;
            let id = store.insert_approval(&gate("job_1", "pick")).await.unwrap().unwrap().id;
            store.vote(id, &reviewer(1), Some(&[0]), None).await.unwrap();
            // As a confirmation of other picks committed at the same moment leaves it: reviewer 1's
            // vote was not seen, so not dropped.
            sqlx::query("INSERT INTO approval_votes (approval_id, reviewer_id, reviewer_name, at, picks) VALUES ($1, 2, 'reviewer2', $2, '[1]')")
                .bind(id.get())
                .bind(crate::store::now_ms())
                .execute(&store.pool)
                .await
                .unwrap();
            assert_eq!(store.proposal(id).await.unwrap(), Some(vec![1]), "the latest vote's picks");
            assert_eq!(store.voters(id).await.unwrap(), [reviewer(2)], "the proposal's voters only");
            let Vote::Counted(voters) = store.vote(id, &reviewer(3), Some(&[1]), None).await.unwrap() else {
                panic!("counted")
            };
            assert_eq!(voters, [reviewer(2), reviewer(3)], "two confirmed the same picks");
        }
    }
}
