//! `approval-bridge export` and `/approvals export`: every kind of event, in JSON Lines and CSV,
//! with the filters; the file attached to a private answer, within the upload limit.

use std::time::Duration;

use serde_json::Value;

use super::{export, exported, parked, reject, types};
use crate::{
    commands::{admin, approvals, run},
    support::{
        app::{PROMPTLY, TestApp, spawn_app_with},
        fake_discord::{GuildMember, OptionValue},
    },
};

/// A bridge whose gates need two approvals, remind after a minute and are rejected after ten,
/// with one gate of each story: approved by two (a vote, then the decision), rejected with a
/// reason, approved in Scenario, its run cancelled, and one refused, reminded and rejected by
/// its deadline. Returns the app and the two reviewers.
async fn every_kind_of_event() -> (TestApp, GuildMember, GuildMember) {
    let app = spawn_app_with(|env| {
        env.insert("APPROVALS_REQUIRED", "2".into());
        env.insert("REMIND_AFTER", "1m".into());
        env.insert("DEADLINE", "10m".into());
        env.insert("ON_DEADLINE", "reject".into());
    })
    .await;
    let jobs: Vec<String> = ["Lighthouse", "Harbour", "Dunes", "Canyon", "Glacier"]
        .iter()
        .map(|name| parked(&app, name))
        .collect();
    assert_eq!(app.poll().await.cards_posted, 5);
    let (ana, bob) = (app.reviewer("ana"), app.reviewer("bob"));
    let gate = async |i: usize| app.approval(&jobs[i], "review").await;

    assert!(app.answer(&app.click(&ana, &gate(0).await, "Approve").await).await.contains("counted"));
    app.answer(&app.click(&bob, &gate(0).await, "Approve").await).await;
    reject(&app, &ana, &gate(1).await, "the sea is too flat").await;
    app.scenario.approve(&jobs[2], "review").unwrap();
    app.scenario.cancel_run(&jobs[3]);
    app.poll().await;
    app.poll().await;
    let refused = app.click(&GuildMember::new("sam"), &gate(4).await, "Approve").await;
    app.answer(&refused).await;
    app.advance_wall_clock(Duration::from_secs(61));
    assert_eq!(app.poll().await.reminders, 1);
    app.advance_wall_clock(Duration::from_secs(600));
    assert_eq!(app.poll().await.deadlines, 1);
    (app, ana, bob)
}

#[tokio::test]
async fn every_event_type_is_exported_as_json_lines_and_csv_and_the_filters_narrow_it() {
    let (app, ana, _bob) = every_kind_of_event().await;
    let all = exported(&app, &[]).await;
    let mut kinds = types(&all);
    kinds.sort_unstable();
    kinds.dedup();
    let mut expected = vec![
        "decided_in_scenario",
        "deadline",
        "decision",
        "gate_posted",
        "refused",
        "reminder",
        "run_ended",
        "vote",
    ];
    expected.sort_unstable();
    assert_eq!(kinds, expected, "{all:#?}");
    let ids: std::collections::BTreeSet<&str> = all.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), all.len(), "ids are unique");
    let at: Vec<i64> = all.iter().map(|r| r["at_ms"].as_i64().unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] <= w[1]), "oldest first");

    let rejected = all.iter().find(|r| r["type"] == "decision" && r["decision"] == "reject").unwrap();
    assert_eq!(rejected["reason"], "the sea is too flat");
    assert_eq!(rejected["workflow_name"], "Harbour");
    assert_eq!(rejected["actor_id"], ana.user_id.to_string());
    assert_eq!(rejected["actor_name"], "ana");
    let card = rejected["card"].as_str().unwrap();
    assert!(card.starts_with(&format!(
        "https://discord.com/channels/{}/{}/",
        app.discord.guild_id(),
        app.channel
    )));
    let deadline = all.iter().find(|r| r["type"] == "deadline").unwrap();
    assert_eq!((deadline["decision"].as_str(), deadline["actor_id"].as_str()), (Some("reject"), None));
    let refusal = all.iter().find(|r| r["type"] == "refused").unwrap();
    assert_eq!((refusal["actor_name"].as_str(), refusal["attempts"].as_i64()), (Some("sam"), Some(1)));
    assert_eq!(all.iter().find(|r| r["type"] == "decided_in_scenario").unwrap()["decision"], "approve");

    let csv = export(&app, &["--format", "csv"]).await;
    assert!(csv.status.success());
    let csv = String::from_utf8(csv.stdout).unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("id,type,at,at_ms,workflow_id,workflow_name,run,gate,"), "{}", lines[0]);
    assert_eq!(lines.len(), all.len() + 1, "a header and one line per record");
    assert!(lines.iter().any(|l| l.contains(",reject,the sea is too flat,")), "{csv}");

    let rejections = exported(&app, &["--decision", "reject"]).await;
    assert_eq!(types(&rejections), ["decision", "deadline"]);
    let by_ana = exported(&app, &["--reviewer", &ana.user_id.to_string()]).await;
    assert_eq!(types(&by_ana), ["vote", "decision"]);
    let harbour = rejected["workflow_id"].as_str().unwrap();
    let of_harbour = exported(&app, &["--workflow", harbour]).await;
    assert!(
        of_harbour.iter().all(|r| r["workflow_id"] == harbour) && of_harbour.len() == 2,
        "{of_harbour:#?}"
    );
    let first_at = &all[0]["at"];
    let after = exported(&app, &["--since", "2999-01-01"]).await;
    assert!(after.is_empty());
    let before = exported(&app, &["--until", first_at.as_str().unwrap()]).await;
    assert!(before.is_empty(), "until is exclusive");
    assert_eq!(exported(&app, &["--since", first_at.as_str().unwrap()]).await.len(), all.len());

    let wrong = export(&app, &["--decision", "maybe"]).await;
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("use approve, reject or pick"));
}

#[tokio::test]
async fn the_export_opens_the_database_read_only_and_changes_nothing() {
    let (app, ..) = every_kind_of_event().await;
    let path = app.env["DATABASE_URL"].trim_start_matches("sqlite://").to_owned();
    let before = std::fs::read(&path).unwrap();
    exported(&app, &[]).await;
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let missing = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_approval-bridge"))
        .args(["export"])
        .env_clear()
        .env("DATABASE_URL", format!("sqlite://{}", missing.path().join("none.db").display()))
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the database could not be read"));
    assert!(!missing.path().join("none.db").exists(), "nothing is created");
}

#[tokio::test]
async fn approvals_export_attaches_the_file_to_a_private_answer_for_admins_only() {
    let (app, ana, _bob) = every_kind_of_event().await;
    let call = approvals("export").opt("decision", OptionValue::String("reject".into()));
    let handle = app.discord.run_command(&admin(), app.channel, call).await;
    let edit = app.discord.wait_for_original_edit(&handle, PROMPTLY).await.expect("answered");
    let callback = app.discord.wait_for_callback(&handle, PROMPTLY).await.unwrap();
    let flags = callback.body.unwrap_or_default()["data"]["flags"].as_u64().unwrap_or(0);
    assert_ne!(flags & (1 << 6), 0, "private");
    assert_eq!(edit.body.unwrap_or_default()["content"], "2 events.");
    assert_eq!(edit.files.len(), 1);
    assert_eq!(edit.files[0].filename, "approval-bridge-events.jsonl");
    let lines: Vec<Value> = std::str::from_utf8(&edit.files[0].data)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(types(&lines), ["decision", "deadline"]);

    let csv = approvals("export").opt("format", OptionValue::String("csv".into()));
    let handle = app.discord.run_command(&admin(), app.channel, csv).await;
    let edit = app.discord.wait_for_original_edit(&handle, PROMPTLY).await.expect("answered");
    assert_eq!(edit.files[0].filename, "approval-bridge-events.csv");
    assert!(std::str::from_utf8(&edit.files[0].data).unwrap().starts_with("id,type,at,"));

    let refused = run(&app, &ana, approvals("export")).await;
    assert!(refused.contains("Only members with the Manage Server permission"), "{refused}");
    let wrong =
        run(&app, &admin(), approvals("export").opt("since", OptionValue::String("soon".into()))).await;
    assert!(wrong.contains("since: use a date like 2026-11-01"), "{wrong}");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn an_export_over_the_upload_limit_says_so_and_how_to_narrow_it() {
    let app = spawn_app_with(|env| {
        env.insert("CARD_UPLOAD_BUDGET_MIB", "1".into());
    })
    .await;
    parked(&app, "Lighthouse");
    app.poll().await;
    // 1 500 reminders of a thousand characters each: over 1.5 MiB of events.
    app.execute_sql(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500)
         INSERT INTO audit (approval_id, at, action, detail)
         SELECT (SELECT MIN(id) FROM approvals), {}, 'reminded', '{}' FROM n",
        approval_bridge::store::now_ms(),
        "x".repeat(1000)
    ))
    .await;
    let answer = run(&app, &admin(), approvals("export")).await;
    assert!(answer.contains("These 1501 events make a file of "), "{answer}");
    assert!(answer.contains("MiB, more than the 1 MiB Discord takes in one upload here"), "{answer}");
    assert!(answer.contains("Narrow the range with `since` and `until`"), "{answer}");
    let narrowed = approvals("export").opt("until", OptionValue::String("2000-01-01".into()));
    assert_eq!(run(&app, &admin(), narrowed).await, "No event recorded for that choice.");
    app.discord.assert_no_rejections();
}
