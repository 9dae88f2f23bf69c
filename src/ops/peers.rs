//! Who is asking: the address a request comes from, believing `X-Forwarded-For` only from named
//! proxies, and a cap on what one address may hold open at once.

use std::{
    collections::HashMap,
    fmt,
    net::IpAddr,
    sync::{Arc, Mutex, PoisonError},
};

use axum::http::HeaderMap;

/// The load balancers and proxies whose `X-Forwarded-For` is believed: addresses or networks
/// (`10.0.0.7`, `10.0.0.0/8`, `fd00::/8`). Empty: every request is from its TCP peer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Reads a comma-separated list; the error names the entry that is not an address or network.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut networks = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            networks.push(network(entry).ok_or_else(|| entry.to_owned())?);
        }
        Ok(Self(networks))
    }

    /// Whether `addr` is one of the proxies.
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        self.0.iter().any(|&(net, bits)| within(addr, net, bits))
    }

    /// The client a request from `peer` speaks for: the peer itself, unless it is a trusted proxy;
    /// then the last address in `X-Forwarded-For` that is not a trusted proxy (each proxy appends
    /// the address it was reached from; what the client wrote itself comes before and is not
    /// believed). A header that cannot be read gives the nearest proxy.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.contains(peer) {
            return peer;
        }
        let mut client = peer;
        let hops = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        let hops: Vec<&str> = hops.flat_map(|v| v.split(',')).map(str::trim).collect();
        for hop in hops.iter().rev() {
            let Ok(addr) = hop.parse::<IpAddr>() else { return client };
            client = addr.to_canonical();
            if !self.contains(client) {
                break;
            }
        }
        client
    }

    /// Whether no proxy is named.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<String> = self.0.iter().map(|(net, bits)| format!("{net}/{bits}")).collect();
        f.write_str(&shown.join(","))
    }
}

fn network(entry: &str) -> Option<(IpAddr, u8)> {
    let (addr, bits) = match entry.split_once('/') {
        Some((addr, bits)) => (addr.parse::<IpAddr>().ok()?, Some(bits.parse::<u8>().ok()?)),
        None => (entry.parse::<IpAddr>().ok()?, None),
    };
    let addr = addr.to_canonical();
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let bits = bits.unwrap_or(max);
    (bits <= max).then_some((addr, bits))
}

fn within(addr: IpAddr, net: IpAddr, bits: u8) -> bool {
    let prefix = |value: u128, width: u32| {
        let shift = width - u32::from(bits);
        if shift >= 128 { 0 } else { value >> shift }
    };
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => prefix(u32::from(a).into(), 32) == prefix(u32::from(n).into(), 32),
        (IpAddr::V6(a), IpAddr::V6(n)) => prefix(u128::from(a), 128) == prefix(u128::from(n), 128),
        _ => false,
    }
}

/// How many connections (or requests in flight) each address holds, up to a cap.
#[derive(Debug, Clone)]
pub struct PeerSlots {
    cap: usize,
    held: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl PeerSlots {
    /// At most `cap` per address.
    pub fn new(cap: usize) -> Self {
        Self { cap, held: Arc::default() }
    }

    /// One more slot for `addr`, given back when the slot is dropped; `None` when it holds all.
    pub fn take(&self, addr: IpAddr) -> Option<PeerSlot> {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let count = held.entry(addr).or_default();
        if *count >= self.cap {
            return None;
        }
        *count += 1;
        Some(PeerSlot { addr, held: self.held.clone() })
    }
}

/// One connection or request of an address, counted until dropped.
#[derive(Debug)]
pub struct PeerSlot {
    addr: IpAddr,
    held: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for PeerSlot {
    fn drop(&mut self) {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = held.get_mut(&self.addr) {
            *count -= 1;
            if *count == 0 {
                // Addresses that hold nothing are forgotten: the map stays as small as the crowd.
                held.remove(&self.addr);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn addresses_and_networks_of_both_families_are_read_and_matched() {
        let proxies = TrustedProxies::parse(" 10.0.0.0/8, 192.0.2.1 ,fd00::/8").unwrap();
        assert!(proxies.contains(ip("10.200.3.4")));
        assert!(proxies.contains(ip("::ffff:10.1.1.1")), "an IPv4-mapped address is its IPv4 one");
        assert!(proxies.contains(ip("192.0.2.1")) && !proxies.contains(ip("192.0.2.2")));
        assert!(proxies.contains(ip("fd12::1")) && !proxies.contains(ip("fe80::1")));
        assert!(TrustedProxies::parse("0.0.0.0/0").unwrap().contains(ip("203.0.113.9")));
        assert_eq!(proxies.to_string(), "10.0.0.0/8,192.0.2.1/32,fd00::/8");
        for bad in ["10.0.0.0/33", "proxy.internal", "10.0.0.1/x", "::/129"] {
            assert_eq!(TrustedProxies::parse(bad), Err(bad.to_owned()));
        }
    }

    #[test]
    fn x_forwarded_for_is_believed_only_from_a_trusted_proxy_and_only_its_own_hops() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let headers = forwarded("1.1.1.1, 198.51.100.4, 10.0.0.9");
        assert_eq!(
            proxies.client(ip("10.0.0.2"), &headers),
            ip("198.51.100.4"),
            "the client's own claim is not believed"
        );
        assert_eq!(
            proxies.client(ip("203.0.113.5"), &headers),
            ip("203.0.113.5"),
            "an untrusted peer is itself"
        );
        assert_eq!(proxies.client(ip("10.0.0.2"), &HeaderMap::new()), ip("10.0.0.2"));
        assert_eq!(proxies.client(ip("10.0.0.2"), &forwarded("1.1.1.1, junk")), ip("10.0.0.2"));
        assert_eq!(proxies.client(ip("10.0.0.2"), &forwarded("10.0.0.3")), ip("10.0.0.3"));
        assert!(TrustedProxies::default().is_empty());
    }

    #[test]
    fn an_address_holds_at_most_its_cap_and_gets_slots_back_when_they_are_dropped() {
        let slots = PeerSlots::new(2);
        let (a, b) = (ip("192.0.2.1"), ip("192.0.2.2"));
        let first = slots.take(a).unwrap();
        let _second = slots.take(a).unwrap();
        assert!(slots.take(a).is_none());
        assert!(slots.take(b).is_some(), "another address has its own cap");
        drop(first);
        assert!(slots.take(a).is_some());
    }
}
