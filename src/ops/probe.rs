//! `approval-bridge health`: asks a running bridge's `/healthz`, for container health checks
//! (the runtime image has no curl). Exit status 0 when healthy, 1 otherwise, as Docker expects.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    time::Duration,
};

/// How long the probe waits for an answer.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Why the bridge is not known to be healthy.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// `HTTP_ADDR` is unset or malformed.
    #[error("HTTP_ADDR {0}")]
    Address(String),
    /// The bridge did not answer.
    #[error("no answer from http://{addr}/healthz: {source}")]
    Unreachable {
        /// The address asked.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: reqwest::Error,
    },
    /// The probe's own runtime could not start.
    #[error("the probe could not start: {0}")]
    Runtime(#[source] std::io::Error),
    /// The bridge answered that it is not healthy.
    #[error("unhealthy (HTTP {status}): {body}")]
    Unhealthy {
        /// The status of the answer.
        status: u16,
        /// The body, which names the reasons.
        body: String,
    },
}

/// The address to probe, from the value of `HTTP_ADDR`.
pub fn address(raw: Option<&str>) -> Result<SocketAddr, ProbeError> {
    let raw = raw.map(str::trim).filter(|raw| !raw.is_empty());
    let raw =
        raw.ok_or_else(|| ProbeError::Address("is not set: the bridge serves no health endpoint".into()))?;
    let addr: SocketAddr = raw.parse().map_err(|_| {
        ProbeError::Address(format!(
            "is not an address and port (got {raw:?}): use a value like 127.0.0.1:8080"
        ))
    })?;
    Ok(reachable(addr))
}

/// A listener on every interface (`0.0.0.0`, `::`) is asked on the loopback interface.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port()),
        _ => addr,
    }
}

/// The whole `approval-bridge health` command, blocking: reads the address from `http_addr`
/// (the value of `HTTP_ADDR`) and asks it; the body of a healthy answer.
pub fn run(http_addr: Option<&str>) -> Result<String, ProbeError> {
    let addr = address(http_addr)?;
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(ProbeError::Runtime)?;
    runtime.block_on(check(addr))
}

/// Asks `http://addr/healthz`; the body of a healthy answer.
pub async fn check(addr: SocketAddr) -> Result<String, ProbeError> {
    let unreachable = |source| ProbeError::Unreachable { addr, source };
    let client = reqwest::Client::builder().no_proxy().timeout(TIMEOUT).build().map_err(unreachable)?;
    let response = client.get(format!("http://{addr}/healthz")).send().await.map_err(unreachable)?;
    let status = response.status();
    let body = response.text().await.map_err(unreachable)?;
    if status.is_success() { Ok(body) } else { Err(ProbeError::Unhealthy { status: status.as_u16(), body }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_interface_is_probed_on_loopback() {
        assert_eq!(address(Some("0.0.0.0:8080")).unwrap().to_string(), "127.0.0.1:8080");
        assert_eq!(address(Some("[::]:9000")).unwrap().to_string(), "[::1]:9000");
        assert_eq!(address(Some(" 10.0.0.5:80 ")).unwrap().to_string(), "10.0.0.5:80");
    }

    #[test]
    fn a_missing_or_malformed_address_is_named() {
        assert!(address(None).unwrap_err().to_string().starts_with("HTTP_ADDR is not set"));
        assert!(address(Some("8080")).unwrap_err().to_string().contains("127.0.0.1:8080"));
    }
}
