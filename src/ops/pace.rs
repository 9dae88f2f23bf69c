//! The deadline on a whole request. hyper times the request head only, and its timer also
//! starts while a kept-alive connection waits for its next request, so one setting cannot both
//! keep idle connections open for a load balancer and cut off a client that trickles its head
//! or body. Here the clock starts at a request's first byte ([`Clocked`] sees it arrive) and
//! stops once its body has been read ([`Pace::received`]); [`overdue`] completes when a request
//! runs past its deadline, and the listener then closes the connection.

use std::{
    io,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    sync::watch,
    time::Instant,
};

/// Where a connection is in its request cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request's first byte (hyper's idle timeout applies).
    Idle,
    /// A request began arriving at this instant; it must be read by its deadline.
    Reading(Instant),
    /// The request was read and is being answered.
    Serving,
}

/// One connection's request clock, shared by its socket, its requests and its watchdog.
#[derive(Debug, Clone)]
pub struct Pace(Arc<watch::Sender<Phase>>);

impl Default for Pace {
    fn default() -> Self {
        Self(Arc::new(watch::Sender::new(Phase::Idle)))
    }
}

impl Pace {
    /// When the request being read began arriving, if one is being read.
    pub fn started(&self) -> Option<Instant> {
        match *self.0.borrow() {
            Phase::Reading(at) => Some(at),
            Phase::Idle | Phase::Serving => None,
        }
    }

    /// The request's head and body are in: its clock stops.
    pub fn received(&self) {
        self.0.send_replace(Phase::Serving);
    }

    /// The answer is out: the next byte starts the next request's clock.
    pub fn answered(&self) {
        self.0.send_replace(Phase::Idle);
    }

    fn arrived(&self) {
        self.0.send_if_modified(|phase| {
            let idle = *phase == Phase::Idle;
            if idle {
                *phase = Phase::Reading(Instant::now());
            }
            idle
        });
    }
}

/// Completes when a request on the connection of `pace` has been arriving for longer than
/// `deadline`; never while requests arrive in time.
pub async fn overdue(pace: &Pace, deadline: Duration) {
    let mut phase = pace.0.subscribe();
    loop {
        let current = *phase.borrow_and_update();
        let Phase::Reading(at) = current else {
            if phase.changed().await.is_err() {
                return std::future::pending().await;
            }
            continue;
        };
        tokio::select! {
            () = tokio::time::sleep_until(at + deadline) => {
                if *phase.borrow() == current {
                    return;
                }
            }
            changed = phase.changed() => if changed.is_err() {
                return std::future::pending().await;
            },
        }
    }
}

/// A socket that starts its connection's request clock when a request's first byte arrives.
pub struct Clocked<S> {
    inner: S,
    pace: Pace,
}

impl<S> Clocked<S> {
    /// `inner`, timed by `pace`.
    pub fn new(inner: S, pace: Pace) -> Self {
        Self { inner, pace }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Clocked<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.pace.arrived();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Clocked<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_is_overdue_only_while_it_is_still_being_read_at_its_deadline() {
        let pace = Pace::default();
        let deadline = Duration::from_millis(50);
        let watched = Duration::from_millis(250);
        // Idle: never overdue, however long.
        assert!(tokio::time::timeout(watched, overdue(&pace, deadline)).await.is_err());
        // Read in time: the clock stops.
        pace.arrived();
        assert!(pace.started().is_some());
        pace.received();
        assert!(tokio::time::timeout(watched, overdue(&pace, deadline)).await.is_err());
        assert!(pace.started().is_none());
        // The next request trickles: overdue at its deadline, not before.
        pace.answered();
        pace.arrived();
        let began = Instant::now();
        assert!(tokio::time::timeout(watched, overdue(&pace, deadline)).await.is_ok());
        assert!(began.elapsed() >= deadline - Duration::from_millis(1));
    }
}
