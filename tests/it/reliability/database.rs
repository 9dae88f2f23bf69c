//! The database failing under a running bridge: a full disk, and a file that can no longer be
//! written. The bridge says so in words, keeps running, leaves no half-written state, and works
//! again once the disk does.
//!
//! Tests run as root, so file permissions do not stop writes, and `PRAGMA max_page_count` or
//! `query_only` would only bind a connection of the test's own, not the bridge's pool. What
//! does bind every process, root included: a small tmpfs filled up (a real ENOSPC, which SQLite
//! reports as SQLITE_FULL) and the immutable attribute (`chattr +i`: writes fail with EPERM even
//! through descriptors opened before). Both need privileges (CAP_SYS_ADMIN to mount,
//! CAP_LINUX_IMMUTABLE and a file system with attributes for chattr); without them the test says
//! it was skipped and passes.

use std::{io::Write, path::Path, process::Command};

use approval_bridge::approvals::state::ApprovalState;

use super::scenario_faults::parked_run;
use crate::support::{
    app::{TestApp, spawn_app_with},
    fake_scenario::{Endpoint, FlowTemplate},
};

/// A 2 MiB tmpfs, unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount() -> Option<Self> {
        let dir = tempfile::tempdir().ok()?;
        let mounted =
            Command::new("mount").args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"]).arg(dir.path()).status();
        mounted.ok().filter(|s| s.success()).map(|_| Self { dir })
    }

    /// Writes a ballast file until the disk is full.
    fn fill(&self) {
        let mut ballast = std::fs::File::create(self.dir.path().join("ballast")).expect("ballast");
        let chunk = vec![0u8; 16 * 1024];
        while ballast.write_all(&chunk).and_then(|()| ballast.flush()).is_ok() {}
        let mut rest = vec![0u8; 1];
        while ballast.write_all(&rest).is_ok() {
            rest.push(0);
        }
    }

    fn free(&self) {
        std::fs::remove_file(self.dir.path().join("ballast")).expect("remove ballast");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

/// Sets or clears the immutable attribute; `false` when chattr is not permitted here.
fn immutable(path: &Path, on: bool) -> bool {
    let flag = if on { "+i" } else { "-i" };
    Command::new("chattr").arg(flag).arg(path).status().is_ok_and(|s| s.success())
}

/// Approves as `ana` and returns the answer.
async fn approve(app: &TestApp, job: &str) -> String {
    let approval = app.approval(job, "review").await;
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    app.answer(&click).await
}

#[tokio::test]
async fn a_full_disk_is_reported_in_words_and_leaves_no_half_written_state() {
    let Some(disk) = SmallDisk::mount() else {
        eprintln!("SKIPPED: mounting a tmpfs is not permitted here (needs CAP_SYS_ADMIN)");
        return;
    };
    let url = format!("sqlite://{}", disk.dir.path().join("bridge.db").display());
    let app = spawn_app_with(|env| _ = env.insert("DATABASE_URL", url)).await;
    let job = parked_run(&app).await;
    let workflow = app.scenario.add_workflow("Second", FlowTemplate::single_gate());
    let second = app.scenario.start_parked_run(&workflow);
    disk.fill();

    // The pass goes on past the run it cannot store, and says why.
    let report = app.poll().await;
    assert_eq!(report.new_gates, 0, "{report:?}");
    assert!(
        report.failures.iter().any(|f| f.contains("the disk holding the database is full")),
        "{report:?}"
    );
    let answer = approve(&app, &job).await;
    assert!(
        answer.contains("could not write to its database (the disk holding the database is full"),
        "{answer}"
    );
    assert!(app.scenario.requests_to(Endpoint::UserApproval).is_empty(), "no decision without a claim");
    let approval = app.approval(&job, "review").await;
    assert_eq!((approval.state, approval.decided_by), (ApprovalState::Pending, None), "claim rolled back");
    assert!(app.store().approval_by_gate(&second.as_str().into(), &"review".into()).await.unwrap().is_none());

    disk.free();
    // Every pooled connection sees the new row at once: none is left inside a transaction that
    // SQLite rolled back on its own when the disk was full.
    let report = app.poll().await;
    assert_eq!((report.new_gates, report.cards_posted), (1, 1), "{report:?}");
    assert!(approve(&app, &job).await.starts_with("Approved."));
    assert_eq!(app.scenario.requests_to(Endpoint::UserApproval).len(), 1);
    let trail: Vec<String> =
        app.store().audit_of(approval.id).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(trail, ["gate_found", "card_posted", "claimed", "decided"]);
}

#[tokio::test]
async fn a_database_that_can_no_longer_be_written_is_reported_and_the_bridge_recovers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bridge.db");
    let url = format!("sqlite://{}", db.display());
    let app = spawn_app_with(|env| _ = env.insert("DATABASE_URL", url)).await;
    let job = parked_run(&app).await;
    let files: Vec<_> = ["bridge.db", "bridge.db-wal"].iter().map(|f| dir.path().join(f)).collect();
    if !files.iter().all(|f| immutable(f, true)) {
        files.iter().for_each(|f| _ = immutable(f, false));
        eprintln!("SKIPPED: chattr +i is not permitted here (needs CAP_LINUX_IMMUTABLE)");
        return;
    }
    let answer = approve(&app, &job).await;
    files.iter().for_each(|f| assert!(immutable(f, false)));
    eprintln!("with the database immutable, the reviewer read: {answer}");
    assert!(answer.contains("could not write to its database"), "{answer}");
    assert!(!answer.starts_with("Approved"), "{answer}");
    assert!(app.scenario.requests_to(Endpoint::UserApproval).is_empty(), "no decision without a claim");
    let approval = app.approval(&job, "review").await;
    assert_eq!((approval.state, approval.decided_by), (ApprovalState::Pending, None));
    let again = approve(&app, &job).await;
    assert!(again.starts_with("Approved."), "works again: {again}");
    assert_eq!(app.scenario.requests_to(Endpoint::UserApproval).len(), 1);
}
