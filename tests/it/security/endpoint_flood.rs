//! The interactions endpoint under abuse, behind a load balancer (everything here is on
//! 127.0.0.1, so the balancer's `X-Forwarded-For` tells the attacker from Discord): 256
//! connections trickling their bodies, or announcing bodies far over the limit, while Discord
//! POSTs a click. The click is answered within Discord's 3 s and decides; what the attacker sent
//! is refused and counted.

use std::time::{Duration, Instant};

use approval_bridge::{approvals::state::ApprovalState, metrics::Metrics};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    task::JoinSet,
};

use crate::support::{
    app::{PROMPTLY, TestApp, spawn_app_over_http},
    fake_scenario::Endpoint,
    wait::wait_until,
};

/// The attacker's connections.
const FLOOD: usize = 256;
/// What the load balancer says of the attacker, and of Discord.
const ATTACKER: &str = "203.0.113.66";
const DISCORD: &str = "162.159.135.232";

async fn behind_a_proxy() -> TestApp {
    let app = spawn_app_over_http(|env| {
        env.insert("INTERACTIONS_TRUSTED_PROXIES", "127.0.0.1".into());
    })
    .await;
    app.discord.deliver_through_a_proxy_for(DISCORD);
    app
}

/// A POST head from the attacker, through the balancer, announcing `length` body bytes (or
/// chunks of unknown length).
fn attack_head(length: Option<usize>) -> String {
    let length = match length {
        Some(n) => format!("content-length: {n}"),
        None => "transfer-encoding: chunked".to_owned(),
    };
    format!(
        "POST /interactions HTTP/1.1\r\nhost: bridge\r\ncontent-type: application/json\r\n\
         x-signature-ed25519: {}\r\nx-signature-timestamp: 1\r\nx-forwarded-for: {ATTACKER}\r\n{length}\r\n\r\n",
        "0".repeat(128)
    )
}

fn refusals(metrics: &Metrics, reason: &'static str) -> u64 {
    metrics.http_refusals("interactions", reason)
}

/// A click on the run's card, sent while the flood is on: answered within 3 s, and decided.
async fn click_decides_promptly(app: &TestApp, job: &str) {
    let approval = app.approval(job, "review").await;
    let sent = Instant::now();
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    let answered = app.discord.wait_for_callback(&click, PROMPTLY).await.expect("answered");
    let took = sent.elapsed();
    assert!(!answered.is_rejected(), "{:?}", answered.response);
    assert!(took < Duration::from_secs(3), "answered after {took:?}");
    assert!(app.answer(&click).await.starts_with("Approved"));
    assert_eq!(app.approval(job, "review").await.state, ApprovalState::Approved);
    assert_eq!(app.scenario.requests_to(Endpoint::UserApproval).len(), 1);
    assert!(app.discord.failed_deliveries().is_empty(), "{:?}", app.discord.failed_deliveries());
}

/// A run parked at its gate, with its card posted.
async fn parked_run(app: &TestApp) -> String {
    let (_, job) = crate::commands::parked(app, "Lighthouse");
    assert_eq!(app.poll().await.cards_posted, 1);
    job
}

#[tokio::test]
async fn slow_bodies_on_256_connections_do_not_keep_a_click_from_being_answered_and_deciding() {
    let app = behind_a_proxy().await;
    let job = parked_run(&app).await;
    let metrics = app.bridge().metrics.clone();
    let addr = app.endpoint_addr();
    let mut flood = JoinSet::new();
    for _ in 0..FLOOD {
        flood.spawn(async move {
            // One byte every two seconds, for a few rounds; a connection cut off is opened again.
            for _ in 0..4 {
                let Ok(mut stream) = TcpStream::connect(addr).await else { continue };
                if stream.write_all(format!("{}{{", attack_head(Some(1_000))).as_bytes()).await.is_err() {
                    continue;
                }
                let mut byte = [0u8; 256];
                while let Err(_idle) =
                    tokio::time::timeout(Duration::from_secs(2), stream.read(&mut byte)).await
                {
                    if stream.write_all(b" ").await.is_err() {
                        break;
                    }
                }
            }
        });
    }
    // The flood is on once the attacker's connections over its share have been turned away.
    let over_share = async || refusals(&metrics, "busy") >= (FLOOD - 64) as u64;
    wait_until("the attacker's extra connections refused", PROMPTLY, over_share).await;

    click_decides_promptly(&app, &job).await;

    // The attacker's share was cut off at the request deadline, each time it came back.
    wait_until("slow bodies cut off", PROMPTLY, async || refusals(&metrics, "too_slow") >= 64).await;
    flood.abort_all();
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn oversized_bodies_held_open_do_not_keep_a_click_from_being_answered_and_deciding() {
    let app = behind_a_proxy().await;
    let job = parked_run(&app).await;
    let metrics = app.bridge().metrics.clone();
    let addr = app.endpoint_addr();
    let mut flood = JoinSet::new();
    for n in 0..FLOOD {
        flood.spawn(async move {
            let mut stream = TcpStream::connect(addr).await.expect("connects");
            // Half announce 64 MiB, half send chunks of unknown length; then they hold on,
            // sending more as long as they may.
            let head = attack_head(if n % 2 == 0 { Some(64 << 20) } else { None });
            let _ = stream.write_all(head.as_bytes()).await;
            let chunk = vec![b'a'; 16 * 1024];
            let mut answer = Vec::new();
            for _ in 0..64 {
                if stream.write_all(&chunk).await.is_err() {
                    break;
                }
            }
            let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
            String::from_utf8_lossy(&answer).into_owned()
        });
    }
    wait_until("oversized bodies refused", PROMPTLY, async || refusals(&metrics, "too_big") >= 64).await;

    click_decides_promptly(&app, &job).await;

    let mut answers = Vec::new();
    while let Some(answer) = flood.join_next().await {
        answers.push(answer.expect("no panic"));
    }
    // Each was refused before its body was read: 413, or 503 for those over the attacker's share.
    for answer in &answers {
        let refused = answer.starts_with("HTTP/1.1 413") || answer.starts_with("HTTP/1.1 503");
        assert!(refused || answer.is_empty(), "{answer}");
    }
    let counted = refusals(&metrics, "too_big") + refusals(&metrics, "busy");
    assert!(counted >= FLOOD as u64, "{counted} refusals counted for {FLOOD} connections");
    app.discord.assert_no_rejections();
}
