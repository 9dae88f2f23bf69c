//! Operations: the health and metrics listener on `HTTP_ADDR` and the `approval-bridge health`
//! probe that container health checks run. The registry it renders is [`crate::metrics`].

pub mod health;
pub mod http;
pub mod pace;
pub mod peers;
pub mod probe;
pub mod refusals;
