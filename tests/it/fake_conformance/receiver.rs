//! The fake receiver of events takes only what a careful receiver would: a signed JSON event
//! whose id header is its body's id, signed within five minutes.

use std::time::{SystemTime, UNIX_EPOCH};

use approval_bridge::events::sign::{EVENT_ID_HEADER, SIGNATURE_HEADER, header_value};

use crate::support::fake_receiver::{FakeReceiver, SECRET};

async fn post(receiver: &FakeReceiver, secret: &str, at: u64, id_header: &str, body: &str) -> u16 {
    let signature = header_value(secret.as_bytes(), at as i64, body.as_bytes());
    let answer = reqwest::Client::new()
        .post(receiver.url())
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, signature)
        .header(EVENT_ID_HEADER, id_header)
        .body(body.to_owned())
        .send()
        .await
        .expect("the receiver answers");
    answer.status().as_u16()
}

#[tokio::test]
async fn the_receiver_takes_a_signed_event_and_refuses_a_wrong_secret_id_or_old_timestamp() {
    let receiver = FakeReceiver::start().await;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let body = r#"{"id":"audit-1","type":"decision"}"#;
    assert_eq!(post(&receiver, "not-the-secret-at-all", now, "audit-1", body).await, 400);
    assert_eq!(post(&receiver, SECRET, now, "audit-2", body).await, 400, "the id header is not the body's");
    assert_eq!(post(&receiver, SECRET, now - 301, "audit-1", body).await, 400, "signed too long ago");
    assert_eq!(receiver.refused().len(), 3);
    assert!(receiver.received().is_empty());
    assert_eq!(post(&receiver, SECRET, now, "audit-1", body).await, 204);
    assert_eq!(receiver.received().len(), 1);
    assert_eq!(receiver.received()[0].body["type"], "decision");
}
