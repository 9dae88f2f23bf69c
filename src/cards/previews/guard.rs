//! Where the CDN client may connect: the hosts of `PREVIEW_HOSTS`, on every redirect hop, and
//! never to an internal address a name resolves to.
//!
//! The address check is made on what the connection uses: the client's resolver drops internal
//! addresses from each answer, so a name that resolves (or re-resolves, after a check) to
//! 127.0.0.1 is never connected to. Addresses written literally in a URL skip the resolver; they
//! reach a connection only when their entry in `PREVIEW_HOSTS` names them, which is the one way
//! to allow an internal address.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
};

use reqwest::{
    dns::{Addrs, Name, Resolve, Resolving},
    redirect,
};

use crate::config::PreviewHosts;

/// Redirect hops followed at most (CloudFront answers directly; a mirror may redirect once).
const MAX_REDIRECTS: usize = 3;

/// Whether a connection to `ip` may be made for a name that resolved to it: an address on the
/// public internet, not the bridge's own machine or network.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let shared = a == 100 && (64..128).contains(&b); // 100.64.0.0/10, carrier-grade NAT
    let this_network = a == 0; // 0.0.0.0/8
    let reserved = a >= 240; // 240.0.0.0/4 and the broadcast address
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_unspecified()
        || shared
        || this_network
        || reserved)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    let unique_local = first & 0xfe00 == 0xfc00; // fc00::/7
    let link_local = first & 0xffc0 == 0xfe80; // fe80::/10
    let site_local = first & 0xffc0 == 0xfec0; // fec0::/10, deprecated but still routed inside
    // ::a.b.c.d (IPv4-compatible, deprecated) and 64:ff9b::/96 (NAT64) carry an IPv4 address.
    let embedded = ip.segments()[..6] == [0; 6] || ip.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    let [.., hi, lo] = ip.segments();
    let carried = Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || unique_local
        || link_local
        || site_local
        || (embedded && !is_public_v4(carried)))
}

/// The CDN client's resolver: the system's answer without its internal addresses.
#[derive(Debug, Default)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found.iter().copied().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                tracing::warn!(host = %host, addresses = ?found, "preview host resolves to internal addresses only; not connected");
                return Err(format!("{host} resolves to internal addresses only").into());
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// Follows a redirect only to a URL on `hosts`, and only a few times.
pub fn redirects(hosts: Arc<PreviewHosts>) -> redirect::Policy {
    redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else if hosts.allows(attempt.url()) {
            attempt.follow()
        } else {
            attempt.error("redirect to a host not in PREVIEW_HOSTS")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(raw: &str) -> IpAddr {
        raw.parse().unwrap()
    }

    #[test]
    fn loopback_private_link_local_multicast_and_unspecified_addresses_are_internal() {
        let internal = [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "224.0.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "100.64.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
        ];
        for raw in internal {
            assert!(!is_public(ip(raw)), "{raw} is internal");
        }
    }

    #[test]
    fn addresses_on_the_internet_are_public() {
        for raw in ["13.32.1.1", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2600:9000::1", "::ffff:13.32.1.1"] {
            assert!(is_public(ip(raw)), "{raw} is public");
        }
    }
}
