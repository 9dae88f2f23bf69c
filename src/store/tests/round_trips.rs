//! Counting the store's round trips to PostgreSQL, for tests: a TCP proxy in front of the test
//! server that reads the frontend messages going through it (the wire protocol,
//! <https://www.postgresql.org/docs/current/protocol-message-formats.html>). Each simple query
//! (`Q`) and each `Sync` (`S`, which ends an extended query, and is all a connection check sends)
//! waits for the server's ReadyForQuery: one round trip each. A statement run is a `Q` or an
//! `Execute` (`E`).

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use sqlx::postgres::PgConnectOptions;
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::{TcpListener, TcpStream},
};

/// What went through the proxy so far.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    round_trips: AtomicUsize,
    statements: AtomicUsize,
}

impl Counts {
    /// Round trips and statements counted so far.
    pub(crate) fn now(&self) -> (usize, usize) {
        (self.round_trips.load(Ordering::SeqCst), self.statements.load(Ordering::SeqCst))
    }
}

/// Starts a counting proxy in front of the PostgreSQL of `url`; returns `url` pointed at it
/// (without TLS, so the messages can be read) and the counts.
pub(crate) async fn counting_proxy(url: &str) -> (String, Arc<Counts>) {
    let options: PgConnectOptions = url.parse().expect("a PostgreSQL URL");
    let upstream = format!("{}:{}", options.get_host(), options.get_port());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port for the proxy");
    let port = listener.local_addr().expect("the proxy's address").port();
    let counts = Arc::new(Counts::default());
    let counting = counts.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(&upstream).await else { continue };
            tokio::spawn(relay(client, server, counting.clone()));
        }
    });
    let mut proxied = url::Url::parse(url).expect("a URL");
    proxied.set_host(Some("127.0.0.1")).expect("a host");
    proxied.set_port(Some(port)).expect("a port");
    proxied.query_pairs_mut().append_pair("sslmode", "disable");
    (proxied.to_string(), counts)
}

async fn relay(client: TcpStream, server: TcpStream, counts: Arc<Counts>) {
    let ((mut client_reads, mut client_writes), (mut server_reads, mut server_writes)) =
        (client.into_split(), server.into_split());
    let upstream = async {
        let (mut buffer, mut chunk, mut started) = (Vec::new(), [0u8; 8192], false);
        loop {
            let n = client_reads.read(&mut chunk).await?;
            if n == 0 {
                return server_writes.shutdown().await;
            }
            buffer.extend_from_slice(&chunk[..n]);
            count(&mut buffer, &mut started, &counts);
            server_writes.write_all(&chunk[..n]).await?;
        }
    };
    let downstream = tokio::io::copy(&mut server_reads, &mut client_writes);
    let _ = tokio::join!(upstream, downstream);
}

/// Counts the whole messages at the start of `buffer` and removes them. The first message of a
/// connection (the startup message) has no type byte.
fn count(buffer: &mut Vec<u8>, started: &mut bool, counts: &Counts) {
    loop {
        let (kind, at) = if *started { (buffer.first().copied(), 1) } else { (None, 0) };
        let Some(length) = buffer.get(at..at + 4) else { return };
        let length = u32::from_be_bytes(length.try_into().expect("four bytes")) as usize;
        if buffer.len() < at + length {
            return;
        }
        match kind {
            Some(b'Q') => {
                counts.round_trips.fetch_add(1, Ordering::SeqCst);
                counts.statements.fetch_add(1, Ordering::SeqCst);
            }
            Some(b'S') => drop(counts.round_trips.fetch_add(1, Ordering::SeqCst)),
            Some(b'E') => drop(counts.statements.fetch_add(1, Ordering::SeqCst)),
            _ => {}
        }
        buffer.drain(..at + length);
        *started = true;
    }
}
