//! Counts for the metrics endpoint.

use super::{Store, StoreError, approvals::OPEN};

impl Store {
    /// How many gates wait for a decision (pending or being decided).
    pub async fn open_gate_count(&self) -> Result<i64, StoreError> {
        let count = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM approvals WHERE state IN {OPEN}"))
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }
}
