//! The tracing subscriber, shared by the binary and the tests.

use tracing_subscriber::{EnvFilter, fmt, layer::SubscriberExt, util::SubscriberInitExt};

use crate::config::LogFormat;

/// The filter used when `RUST_LOG` is unset: the bridge at info, its libraries at warn.
pub const DEFAULT_FILTER: &str = "warn,approval_bridge=info";

/// Installs the global subscriber writing to `writer` in the given format.
///
/// Returns an error when a subscriber is already installed (a second call in one process), which
/// callers that may race (tests) can ignore.
pub fn init<W>(format: LogFormat, writer: W) -> Result<(), tracing_subscriber::util::TryInitError>
where
    W: for<'w> fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Pretty => registry.with(fmt::layer().with_writer(writer)).try_init(),
        LogFormat::Json => registry
            .with(fmt::layer().json().with_current_span(true).with_span_list(true).with_writer(writer))
            .try_init(),
    }
}
