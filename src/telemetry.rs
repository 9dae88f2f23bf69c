//! The tracing subscriber, shared by the binary and the tests.
//!
//! `pretty` is for a terminal; `json` writes one object per line with the event's fields, the
//! current span's fields (`span`) and every enclosing span's (`spans`), so the ids a span carries
//! (`approval_id`, `job_id`, `node_id`) are on every line logged inside it.
//!
//! Every line, the libraries' included, passes through [`crate::redact`] on its way out, so an
//! interaction token in an error's URL, a span's request or an event's `{:?}` is never written.

use std::io;

use tracing::Dispatch;
use tracing_subscriber::{EnvFilter, fmt, layer::SubscriberExt, util::SubscriberInitExt};

use crate::{config::LogFormat, redact::redact};

/// The filter used when `RUST_LOG` is unset: the bridge at info, its libraries at warn.
pub const DEFAULT_FILTER: &str = "warn,approval_bridge=info";

/// A subscriber writing to `writer` in the given format, filtered by `RUST_LOG`, not installed:
/// [`init`] installs it for the process; a test can make it the default of its own thread
/// (`tracing::dispatcher::set_default`) to capture one bridge's log.
pub fn dispatch<W>(format: LogFormat, writer: W) -> Dispatch
where
    W: for<'w> fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let registry = tracing_subscriber::registry().with(filter);
    let writer = Redacting(writer);
    match format {
        LogFormat::Pretty => Dispatch::new(registry.with(fmt::layer().with_writer(writer))),
        LogFormat::Json => Dispatch::new(
            registry
                .with(fmt::layer().json().with_current_span(true).with_span_list(true).with_writer(writer)),
        ),
    }
}

/// A writer maker whose writers redact tokens from each line ([`crate::redact`]).
struct Redacting<M>(M);

impl<'w, M: fmt::MakeWriter<'w>> fmt::MakeWriter<'w> for Redacting<M> {
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'w self) -> Self::Writer {
        RedactingWriter(self.0.make_writer())
    }

    fn make_writer_for(&'w self, meta: &tracing::Metadata<'_>) -> Self::Writer {
        RedactingWriter(self.0.make_writer_for(meta))
    }
}

/// Writes each buffer redacted. The fmt layer hands over one whole formatted event per write,
/// so a token never straddles two writes.
struct RedactingWriter<W>(W);

impl<W: io::Write> io::Write for RedactingWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match std::str::from_utf8(bytes) {
            Ok(text) => self.0.write_all(redact(text).as_bytes())?,
            Err(_) => self.0.write_all(bytes)?,
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Installs the global subscriber writing to `writer` in the given format.
///
/// Returns an error when a subscriber is already installed (a second call in one process), which
/// callers that may race (tests) can ignore.
pub fn init<W>(format: LogFormat, writer: W) -> Result<(), tracing_subscriber::util::TryInitError>
where
    W: for<'w> fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    dispatch(format, writer).try_init()
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing::{info, info_span};

    use super::*;

    /// A writer into a shared buffer.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_token_in_an_error_or_a_field_never_reaches_the_log() {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let dispatch = dispatch(LogFormat::Pretty, move || writer.clone());
        let token = "aW50ZXJhY3Rpb246OTk5";
        tracing::dispatcher::with_default(&dispatch, || {
            let url = format!("http://127.0.0.1:1/api/v10/interactions/5/{token}/callback");
            tracing::error!(error = %format!("error sending request for url ({url})"), "interaction failed");
            tracing::warn!(event = ?format!("Interaction {{ token: \"{token}\" }}"), "seen");
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(!text.contains(token), "{text}");
        assert!(text.contains("/interactions/5/[redacted]/callback"), "{text}");
    }

    #[test]
    fn json_lines_carry_the_fields_of_their_spans() {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let dispatch = dispatch(LogFormat::Json, move || writer.clone());
        tracing::dispatcher::with_default(&dispatch, || {
            let span = info_span!("decide", approval_id = 7, job_id = "job_1");
            span.in_scope(|| info!(state = "approved", "decision sent"));
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 1, "{text}");
        let line = &lines[0];
        assert_eq!(line["fields"]["message"], "decision sent");
        assert_eq!(line["fields"]["state"], "approved");
        assert_eq!(line["span"]["approval_id"], 7);
        assert_eq!(line["span"]["job_id"], "job_1");
        assert_eq!(line["spans"][0]["name"], "decide");
    }
}
