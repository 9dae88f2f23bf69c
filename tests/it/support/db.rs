//! Reading a bridge's database from outside, read-only, as an auditor would: for checks after a
//! run of the real binary, while it runs or after it was killed.
#![allow(dead_code)] // Columns kept for the Debug output of failed checks.

use std::path::Path;

use sqlx::{
    Connection,
    sqlite::{SqliteConnectOptions, SqliteConnection},
};

/// One row of `approvals`, the columns the checks look at.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApprovalRow {
    /// Row id (the card's buttons carry it).
    pub id: i64,
    /// The run.
    pub job_id: String,
    /// The gate node.
    pub node_id: String,
    /// `pending`, `deciding`, `approved`, …
    pub state: String,
    /// The card, once posted.
    pub message_id: Option<i64>,
    /// When a person deleted the card.
    pub card_deleted_at: Option<i64>,
    /// Whether the card shows the state.
    pub card_current: bool,
    /// `approve` or `reject`, with the claim.
    pub decision: Option<String>,
    /// Who decided (or is deciding).
    pub decided_by: Option<i64>,
    /// The reviewer's reason, or what the bridge saw.
    pub reason: Option<String>,
}

/// One row of `audit`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    /// Increasing with time.
    pub id: i64,
    /// The approval it is about.
    pub approval_id: i64,
    /// The Discord user who acted, if a person did.
    pub actor_id: Option<i64>,
    /// `gate_found`, `card_posted`, `claimed`, …
    pub action: String,
    /// The state left.
    pub from_state: Option<String>,
    /// The state reached.
    pub to_state: Option<String>,
    /// The reviewer's reason.
    pub reason: Option<String>,
    /// What the bridge saw or said (the decision, for a claim).
    pub detail: Option<String>,
}

/// Every approval and every audit entry, oldest first, read through a read-only connection.
pub async fn read_all(path: &Path) -> (Vec<ApprovalRow>, Vec<AuditRow>) {
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let mut conn = SqliteConnection::connect_with(&options).await.expect("open the database read-only");
    let approvals = sqlx::query_as(
        "SELECT id, job_id, node_id, state, message_id, card_deleted_at, card_current, decision, decided_by, reason
         FROM approvals ORDER BY id",
    )
    .fetch_all(&mut conn)
    .await
    .expect("read approvals");
    let audit = sqlx::query_as(
        "SELECT id, approval_id, actor_id, action, from_state, to_state, reason, detail FROM audit ORDER BY id",
    )
    .fetch_all(&mut conn)
    .await
    .expect("read audit");
    let _ = conn.close().await;
    (approvals, audit)
}
