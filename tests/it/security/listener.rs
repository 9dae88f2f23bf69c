//! The health and metrics listener's limits: a slow request head is cut off, connections over
//! the cap are answered 503, large requests are refused, and idle connections do not hold up
//! shutdown.

use std::{net::SocketAddr, time::Duration};

use approval_bridge::ops::http::{Limits, serve_with_limits};
use axum::{Router, routing::get};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::watch,
    task::JoinHandle,
};

use crate::support::wait::wait_until;

/// A bound for events that come promptly; reaching it fails the test.
const BOUND: Duration = Duration::from_secs(10);

/// A listener serving `GET /` within `limits`, with its stop switch and task.
async fn listener(limits: Limits) -> (SocketAddr, watch::Sender<bool>, JoinHandle<()>) {
    let socket = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    let (stop, stopped) = watch::channel(false);
    let app = Router::new().route("/", get(|| async { "ok" }));
    let task = tokio::spawn(serve_with_limits(socket, app, limits, stopped));
    (addr, stop, task)
}

/// Sends a whole keep-alive `GET /` on `stream` and returns the response head and body.
async fn fetch(stream: &mut TcpStream) -> String {
    stream.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
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
    let limits = Limits { header_read_timeout: Duration::from_millis(300), ..Limits::default() };
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
    let limits = Limits { header_read_timeout: Duration::from_secs(600), ..Limits::default() };
    let (addr, stop, task) = listener(limits).await;
    let mut kept_alive = TcpStream::connect(addr).await.unwrap();
    assert!(fetch(&mut kept_alive).await.starts_with("HTTP/1.1 200"));
    let mut silent = TcpStream::connect(addr).await.unwrap();
    silent.write_all(b"GET / HT").await.unwrap();

    stop.send(true).unwrap();
    tokio::time::timeout(BOUND, task).await.expect("the listener stops at once").unwrap();
    assert_eq!(until_closed(&mut kept_alive).await, "", "the idle connection is closed");
    assert!(TcpStream::connect(addr).await.is_err(), "nothing listens any more");
}
