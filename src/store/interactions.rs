//! The ids of interactions the endpoint has taken, so that each has one effect: a signed POST
//! sent again finds its id and is refused.

use super::{Store, StoreError};

impl Store {
    /// Records interaction `id` as seen at `now_ms`; `true` the first time, `false` when it was
    /// seen before (by any replica). One statement: it is on the path of every click.
    pub async fn first_sighting(&self, id: u64, now_ms: i64) -> Result<bool, StoreError> {
        // Snowflakes fit in 63 bits until the year 2084.
        let id = i64::try_from(id).unwrap_or(i64::MAX);
        let inserted = sqlx::query(
            "INSERT INTO interaction_ids (id, seen_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// Forgets the interactions seen before `before_ms`: once no signature that old is accepted,
    /// they can no longer be replayed. Returns how many were forgotten.
    pub async fn forget_interactions(&self, before_ms: i64) -> Result<u64, StoreError> {
        let deleted = sqlx::query("DELETE FROM interaction_ids WHERE seen_at < $1")
            .bind(before_ms)
            .execute(&self.pool)
            .await?;
        Ok(deleted.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use crate::store::tests::{on_both_engines, temp_store};

    on_both_engines! {
        async fn an_interaction_id_is_taken_once_until_it_is_older_than_any_signature() {
            let (store, _db) = temp_store().await;
            let id = 1_290_000_000_000_000_001;
            assert!(store.first_sighting(id, 1_000).await.unwrap());
            assert!(!store.first_sighting(id, 2_000).await.unwrap(), "a replay");
            assert!(store.first_sighting(id + 1, 2_000).await.unwrap(), "another interaction");
            // Forgotten once nothing signed when it was seen can be accepted any more.
            assert_eq!(store.forget_interactions(1_000).await.unwrap(), 0, "kept up to the bound");
            assert!(!store.first_sighting(id, 3_000).await.unwrap());
            assert_eq!(store.forget_interactions(1_001).await.unwrap(), 1, "forgotten after it");
            assert!(store.first_sighting(id, 4_000).await.unwrap());
            assert!(!store.first_sighting(id + 1, 4_000).await.unwrap(), "the later one is kept");
        }
    }
}
