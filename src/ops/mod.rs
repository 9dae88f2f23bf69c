//! Operations: the health and metrics listener on `HTTP_ADDR`, the metrics registry, and the
//! `approval-bridge health` probe that container health checks run.

pub mod health;
pub mod http;
pub mod metrics;
pub mod probe;

pub use metrics::Metrics;
