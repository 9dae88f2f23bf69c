//! The health and metrics listener's limits: a slow request head is cut off, connections over
//! the cap are answered 503, large requests are refused, and idle connections do not hold up
//! shutdown.

use std::{net::SocketAddr, time::Duration};

use approval_bridge::{
    metrics::Metrics,
    ops::{
        http::{Limits, serve_with_limits},
        peers::TrustedProxies,
        refusals::Refusals,
    },
};
use axum::{Router, routing::get};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};
use tokio_util::sync::CancellationToken;

use crate::support::wait::wait_until;

/// A bound for events that come promptly; reaching it fails the test.
const BOUND: Duration = Duration::from_secs(10);

/// A listener serving `GET /` and `POST /` within `limits`, with its stop switch and task.
async fn listener(limits: Limits) -> (SocketAddr, CancellationToken, JoinHandle<()>) {
    let (addr, stop, task, _) = counted_listener(limits).await;
    (addr, stop, task)
}

/// [`listener`], with the metrics its refusals are counted in.
async fn counted_listener(limits: Limits) -> (SocketAddr, CancellationToken, JoinHandle<()>, Metrics) {
    let socket = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    let stop = CancellationToken::new();
    let app = Router::new().route("/", get(|| async { "ok" }).post(|body: String| async move { body }));
    let metrics = Metrics::new();
    let refusals = Refusals::new("ops", metrics.clone());
    let task = tokio::spawn(serve_with_limits(socket, app, limits, refusals, stop.clone()));
    (addr, stop, task, metrics)
}

/// Sends a whole keep-alive `GET /` on `stream` and returns the response head and body.
async fn fetch(stream: &mut TcpStream) -> String {
    stream.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
    let mut buf = vec![0; 1024];
    let n = tokio::time::timeout(BOUND, stream.read(&mut buf)).await.expect("an answer").unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// Sends `request` on `stream` and returns the first read of the answer.
async fn answer_to(stream: &mut TcpStream, request: &[u8]) -> String {
    stream.write_all(request).await.unwrap();
    let mut buf = vec![0; 1024];
    let n = tokio::time::timeout(BOUND, stream.read(&mut buf)).await.expect("an answer").unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// Everything the server sends until it closes the connection.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut all = Vec::new();
    tokio::time::timeout(BOUND, stream.read_to_end(&mut all)).await.expect("the server closes").unwrap();
    String::from_utf8_lossy(&all).into_owned()
}

#[tokio::test]
async fn a_client_sending_its_headers_too_slowly_is_disconnected_while_others_are_served() {
    let limits = Limits { request_deadline: Duration::from_millis(300), ..Limits::default() };
    let (addr, _stop, _task) = listener(limits).await;
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nx-slow: 1").await.unwrap();

    let mut quick = TcpStream::connect(addr).await.unwrap();
    assert!(fetch(&mut quick).await.starts_with("HTTP/1.1 200"));
    let read = until_closed(&mut slow).await;
    assert!(read.is_empty() || read.starts_with("HTTP/1.1 408"), "{read}");
}

#[tokio::test]
async fn connections_over_the_cap_are_answered_503_and_a_freed_slot_serves_again() {
    let limits = Limits { max_connections: 2, ..Limits::default() };
    let (addr, _stop, _task) = listener(limits).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        assert!(fetch(&mut stream).await.starts_with("HTTP/1.1 200"));
        held.push(stream);
    }

    let mut third = TcpStream::connect(addr).await.unwrap();
    let read = until_closed(&mut third).await;
    assert!(read.starts_with("HTTP/1.1 503"), "{read}");

    drop(held.pop());
    // The slot comes back once the server sees the close; wait for that event.
    wait_until("the slot to come back", BOUND, async || {
        let mut next = TcpStream::connect(addr).await.unwrap();
        next.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await.unwrap();
        let read = until_closed(&mut next).await;
        assert!(read.starts_with("HTTP/1.1 200") || read.starts_with("HTTP/1.1 503"), "{read}");
        read.starts_with("HTTP/1.1 200")
    })
    .await;
}

#[tokio::test]
async fn a_request_head_or_body_over_the_size_limit_is_refused() {
    let (addr, _stop, _task) = listener(Limits::default()).await;
    let mut huge_head = TcpStream::connect(addr).await.unwrap();
    let padding = "a".repeat(64 * 1024);
    let head = format!("GET / HTTP/1.1\r\nhost: x\r\nx-pad: {padding}\r\n\r\n");
    // The server may close before it has read everything: a failed write is fine.
    let _ = huge_head.write_all(head.as_bytes()).await;
    let read = until_closed(&mut huge_head).await;
    assert!(read.is_empty() || read.starts_with("HTTP/1.1 431"), "{read}");

    let mut big_body = TcpStream::connect(addr).await.unwrap();
    big_body.write_all(b"GET / HTTP/1.1\r\nhost: x\r\ncontent-length: 1048576\r\n\r\n").await.unwrap();
    let read = until_closed(&mut big_body).await;
    assert!(read.starts_with("HTTP/1.1 413"), "{read}");
}

#[tokio::test]
async fn idle_connections_do_not_hold_up_shutdown() {
    let limits = Limits {
        idle_timeout: Duration::from_secs(600),
        request_deadline: Duration::from_secs(600),
        ..Limits::default()
    };
    let (addr, stop, task) = listener(limits).await;
    let mut kept_alive = TcpStream::connect(addr).await.unwrap();
    assert!(fetch(&mut kept_alive).await.starts_with("HTTP/1.1 200"));
    let mut silent = TcpStream::connect(addr).await.unwrap();
    silent.write_all(b"GET / HT").await.unwrap();

    stop.cancel();
    tokio::time::timeout(BOUND, task).await.expect("the listener stops at once").unwrap();
    assert_eq!(until_closed(&mut kept_alive).await, "", "the idle connection is closed");
    assert!(TcpStream::connect(addr).await.is_err(), "nothing listens any more");
}

#[tokio::test]
async fn a_body_trickled_past_the_request_deadline_is_cut_off_and_counted_as_too_slow() {
    let limits = Limits { request_deadline: Duration::from_millis(300), ..Limits::default() };
    let (addr, _stop, _task, metrics) = counted_listener(limits).await;
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nab").await.unwrap();
    // One more byte now and then: the head came at once, the body never completes.
    let mut closed = false;
    for _ in 0..40 {
        let mut byte = [0u8; 1];
        match tokio::time::timeout(Duration::from_millis(100), slow.read(&mut byte)).await {
            Ok(Ok(0) | Err(_)) => {
                closed = true;
                break;
            }
            Ok(Ok(_)) => panic!("no answer to a body that never came"),
            Err(_) => {
                let _ = slow.write_all(b"c").await;
            }
        }
    }
    assert!(closed, "the trickling client was never cut off");
    assert_eq!(metrics.http_refusals("ops", "too_slow"), 1);

    let mut quick = TcpStream::connect(addr).await.unwrap();
    let read = answer_to(&mut quick, b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\nhi").await;
    assert!(read.starts_with("HTTP/1.1 200") && read.ends_with("hi"), "{read}");
}

#[tokio::test]
async fn a_kept_alive_connection_outlives_the_request_deadline_while_idle() {
    let limits = Limits {
        request_deadline: Duration::from_millis(200),
        idle_timeout: Duration::from_secs(600),
        ..Limits::default()
    };
    let (addr, _stop, _task) = listener(limits).await;
    let mut kept = TcpStream::connect(addr).await.unwrap();
    assert!(fetch(&mut kept).await.starts_with("HTTP/1.1 200"));
    // Idle for five request deadlines: the connection must stay open.
    let mut byte = [0u8; 1];
    let idle = tokio::time::timeout(Duration::from_secs(1), kept.read(&mut byte)).await;
    assert!(idle.is_err(), "the idle connection was closed: {idle:?}");
    assert!(fetch(&mut kept).await.starts_with("HTTP/1.1 200"), "and serves the next request");
}

#[tokio::test]
async fn one_address_holds_at_most_its_share_of_the_connections() {
    let limits = Limits { max_connections: 10, max_per_peer: 2, ..Limits::default() };
    let (addr, _stop, _task, metrics) = counted_listener(limits).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        assert!(fetch(&mut stream).await.starts_with("HTTP/1.1 200"));
        held.push(stream);
    }
    let mut third = TcpStream::connect(addr).await.unwrap();
    let read = until_closed(&mut third).await;
    assert!(read.starts_with("HTTP/1.1 503"), "{read}");
    assert_eq!(metrics.http_refusals("ops", "busy"), 1);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_share() {
    let limits = Limits {
        max_per_peer: 1,
        trusted_proxies: TrustedProxies::parse("127.0.0.1").unwrap(),
        ..Limits::default()
    };
    let (addr, _stop, _task, metrics) = counted_listener(limits).await;
    let head = |client: &str, length: usize| {
        format!("POST / HTTP/1.1\r\nhost: x\r\nx-forwarded-for: {client}\r\ncontent-length: {length}\r\n\r\n")
    };
    // One request of 198.51.100.1 in flight (its body not yet sent).
    let mut first = TcpStream::connect(addr).await.unwrap();
    first.write_all(head("198.51.100.1", 2).as_bytes()).await.unwrap();
    // Its head is read soon; the event that shows it: a second request of that client refused.
    let refused = async || {
        let mut again = TcpStream::connect(addr).await.unwrap();
        let closing = head("198.51.100.1", 0).replace("host: x", "host: x\r\nconnection: close");
        again.write_all(closing.as_bytes()).await.unwrap();
        until_closed(&mut again).await.starts_with("HTTP/1.1 503")
    };
    crate::support::wait::wait_until("a second request of one client refused", BOUND, refused).await;
    assert!(metrics.http_refusals("ops", "busy") >= 1);
    // Another client through the same proxy is served meanwhile.
    let mut other = TcpStream::connect(addr).await.unwrap();
    let read = answer_to(&mut other, format!("{}ok", head("203.0.113.9", 2)).as_bytes()).await;
    assert!(read.starts_with("HTTP/1.1 200"), "{read}");
    let read = answer_to(&mut first, b"hi").await;
    assert!(read.starts_with("HTTP/1.1 200"), "{read}");
}
