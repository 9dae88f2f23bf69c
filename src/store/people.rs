//! The people table (Scenario users linked to Discord members by admins) and its append-only
//! trail, `people_audit`.

use serenity::all::UserId;
use sqlx::AnyConnection;

use super::{Approval, Reviewer, Snowflake, Store, StoreError, approvals::OPEN, now_ms};
use crate::approvals::people::StartedBy;

/// A Scenario user linked to a Discord member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The Scenario user's id (a job's `authorId`).
    pub scenario_user_id: String,
    /// The member who is that user.
    pub member_id: UserId,
    /// The admin who linked them.
    pub linked_by: Reviewer,
    /// When, unix milliseconds.
    pub linked_at: i64,
}

/// One stored link or unlink.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PeopleAuditEntry {
    /// Row id, increasing with time.
    pub id: i64,
    /// When, unix milliseconds.
    pub at: i64,
    /// The admin's Discord user id.
    pub actor_id: i64,
    /// Their display name at the time.
    pub actor_name: String,
    /// `link` or `unlink`.
    pub action: String,
    /// The Scenario user.
    pub scenario_user_id: String,
    /// The member linked, or unlinked.
    pub member_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct Row {
    scenario_user_id: String,
    member_id: i64,
    linked_by: i64,
    linked_by_name: String,
    linked_at: i64,
}

impl From<Row> for Person {
    fn from(row: Row) -> Self {
        Self {
            scenario_user_id: row.scenario_user_id,
            member_id: UserId::from_column(row.member_id),
            linked_by: Reviewer { id: UserId::from_column(row.linked_by), name: row.linked_by_name },
            linked_at: row.linked_at,
        }
    }
}

/// Records a link or an unlink.
async fn audit(
    conn: &mut AnyConnection,
    action: &str,
    scenario_user_id: &str,
    member: Option<UserId>,
    by: &Reviewer,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO people_audit (at, actor_id, actor_name, action, scenario_user_id, member_id)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(now_ms())
    .bind(by.id.column())
    .bind(&by.name)
    .bind(action)
    .bind(scenario_user_id)
    .bind(member.map(Snowflake::column))
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks stale the open cards of runs `scenario_user_id` started, so the next pass redraws
/// their "Started by" line. The snapshot is JSON: its exact text is matched (a `_` in an id
/// matching more only costs a redraw).
async fn redraw_cards_of(conn: &mut AnyConnection, scenario_user_id: &str) -> Result<(), StoreError> {
    let pattern = format!("%\"started_by\":{}%", serde_json::json!({ "person": scenario_user_id }));
    let sql = format!("UPDATE approvals SET card_current = 0 WHERE state IN {OPEN} AND gate_json LIKE $1");
    sqlx::query(&sql).bind(pattern).execute(conn).await?;
    Ok(())
}

impl Store {
    /// Links `scenario_user_id` to `member` (replacing an earlier link), with its audit entry.
    pub async fn link_person(
        &self,
        scenario_user_id: &str,
        member: UserId,
        by: &Reviewer,
    ) -> Result<Person, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row: Row = sqlx::query_as(
            "INSERT INTO people (scenario_user_id, member_id, linked_by, linked_by_name, linked_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (scenario_user_id) DO UPDATE SET
                 member_id = excluded.member_id, linked_by = excluded.linked_by,
                 linked_by_name = excluded.linked_by_name, linked_at = excluded.linked_at
             RETURNING *",
        )
        .bind(scenario_user_id)
        .bind(member.column())
        .bind(by.id.column())
        .bind(&by.name)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        audit(&mut tx, "link", scenario_user_id, Some(member), by).await?;
        redraw_cards_of(&mut tx, scenario_user_id).await?;
        tx.commit().await?;
        Ok(Person::from(row))
    }

    /// Removes the link of `scenario_user_id`, with its audit entry; the link removed, if any.
    pub async fn unlink_person(
        &self,
        scenario_user_id: &str,
        by: &Reviewer,
    ) -> Result<Option<Person>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let removed: Option<Row> =
            sqlx::query_as("DELETE FROM people WHERE scenario_user_id = $1 RETURNING *")
                .bind(scenario_user_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(removed) = removed.map(Person::from) else {
            tx.rollback().await?;
            return Ok(None);
        };
        audit(&mut tx, "unlink", scenario_user_id, Some(removed.member_id), by).await?;
        redraw_cards_of(&mut tx, scenario_user_id).await?;
        tx.commit().await?;
        Ok(Some(removed))
    }

    /// Every link, by Scenario user id.
    pub async fn people(&self) -> Result<Vec<Person>, StoreError> {
        let rows: Vec<Row> =
            sqlx::query_as("SELECT * FROM people ORDER BY scenario_user_id").fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(Person::from).collect())
    }

    /// The member linked to the Scenario user who started the run of `approval`; `None` when a
    /// key started it, the run did not say, or the user is not linked.
    pub async fn linked_author(&self, approval: &Approval) -> Result<Option<UserId>, StoreError> {
        match approval.snapshot.started_by.as_ref().and_then(StartedBy::person) {
            Some(id) => self.member_of(id).await,
            None => Ok(None),
        }
    }

    /// The member linked to `scenario_user_id`, if any.
    async fn member_of(&self, scenario_user_id: &str) -> Result<Option<UserId>, StoreError> {
        let member: Option<(i64,)> =
            sqlx::query_as("SELECT member_id FROM people WHERE scenario_user_id = $1")
                .bind(scenario_user_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(member.map(|(id,)| UserId::from_column(id)))
    }

    /// The latest `limit` links and unlinks, newest first.
    pub async fn people_audit(&self, limit: u32) -> Result<Vec<PeopleAuditEntry>, StoreError> {
        let entries = sqlx::query_as("SELECT * FROM people_audit ORDER BY id DESC LIMIT $1")
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        Ok(entries)
    }
}
