//! The outbox of events for `EVENTS_URL`: what is due, delivered, retried later or parked.

use super::{Store, StoreError, now_ms};

/// An event waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxEvent {
    /// The outbox row (delivery order).
    pub id: i64,
    /// The event's id.
    pub event_id: String,
    /// The approval it is about, 0 for none: events of one gate go out in order.
    pub gate: i64,
    /// The event as JSON, exactly as POSTed.
    pub body: String,
    /// Attempts so far.
    pub attempts: i64,
    /// When the first failed attempt was, unix milliseconds.
    pub first_failed_at: Option<i64>,
}

/// How many events wait, and how many of them are parked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Not delivered yet (parked ones included).
    pub waiting: i64,
    /// Retried no more until the next start.
    pub parked: i64,
}

impl Store {
    /// Up to `limit` events due now, oldest first, each the oldest of its gate that is left: a
    /// gate's events go out one after the other, in the order they were written.
    pub async fn due_events(&self, limit: i64) -> Result<Vec<OutboxEvent>, StoreError> {
        let rows = sqlx::query_as(
            "SELECT o.id, o.event_id, o.gate, o.body, o.attempts, o.first_failed_at FROM event_outbox o
             WHERE o.parked_at IS NULL AND o.next_attempt_at <= $1
               AND NOT EXISTS (SELECT 1 FROM event_outbox e WHERE e.gate = o.gate AND e.id < o.id)
             ORDER BY o.id LIMIT $2",
        )
        .bind(now_ms())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// Forgets the events their receiver took (outbox rows `ids`), in one statement: one write
    /// per pass, however many were delivered, so deliveries hold SQLite's write lock briefly.
    pub async fn events_delivered(&self, ids: &[i64]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
        let sql = format!("DELETE FROM event_outbox WHERE id IN ({})", placeholders.join(", "));
        let mut query = sqlx::query(&sql);
        for id in ids {
            query = query.bind(*id);
        }
        query.execute(&self.pool).await?;
        Ok(())
    }

    /// Notes a failed attempt; the next is not before `next_at` (unix milliseconds).
    pub async fn event_failed(
        &self,
        event: &OutboxEvent,
        next_at: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE event_outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2,
                 first_failed_at = COALESCE(first_failed_at, $3)
             WHERE id = $4",
        )
        .bind(next_at)
        .bind(error)
        .bind(now_ms())
        .bind(event.id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Parks an event whose attempts failed for too long: it is tried again at the next start,
    /// and its gate's later events wait behind it.
    pub async fn event_parked(&self, event: &OutboxEvent, error: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE event_outbox SET attempts = attempts + 1, parked_at = $1, last_error = $2 WHERE id = $3",
        )
        .bind(now_ms())
        .bind(error)
        .bind(event.id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Gives every parked event a new round of attempts; returns how many there were.
    pub async fn unpark_events(&self) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE event_outbox SET parked_at = NULL, first_failed_at = NULL, next_attempt_at = $1
             WHERE parked_at IS NOT NULL",
        )
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// How many events wait in the outbox; `None` while events are off.
    pub async fn outbox_counts(&self) -> Result<Option<OutboxCounts>, StoreError> {
        let on: Option<(i64,)> =
            sqlx::query_as("SELECT outbox FROM event_setup WHERE id = 1").fetch_optional(&self.pool).await?;
        if on.is_none_or(|(on,)| on == 0) {
            return Ok(None);
        }
        let (waiting, parked): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN parked_at IS NULL THEN 0 ELSE 1 END), 0) FROM event_outbox",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Some(OutboxCounts { waiting, parked }))
    }
}
