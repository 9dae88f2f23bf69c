//! The interactions endpoint's settings: where it listens, the key that verifies Discord's
//! signature, and how it treats connections behind a load balancer.

use super::{InteractionsEndpoint, Reader};
use crate::ops::peers::TrustedProxies;

/// Seconds a kept-alive connection may stay idle when `INTERACTIONS_IDLE_SECS` is unset: longer
/// than the idle timeout of common load balancers (AWS's 60 s), so the balancer, not the bridge,
/// closes an idle connection (the other way round, a request sent as the bridge closes fails).
pub const DEFAULT_IDLE_SECS: u64 = 75;

impl Reader<'_> {
    pub(super) fn interactions(&mut self) -> Option<InteractionsEndpoint> {
        let addr = self.socket_addr("INTERACTIONS_ADDR");
        let key = self.optional("DISCORD_PUBLIC_KEY");
        let idle_timeout = self.seconds("INTERACTIONS_IDLE_SECS", DEFAULT_IDLE_SECS, 1);
        let trusted_proxies = self.trusted_proxies();
        match (addr, key) {
            (Some(addr), Some(key)) => {
                let public_key = parse_public_key(&key);
                if public_key.is_none() {
                    self.fail(
                        "DISCORD_PUBLIC_KEY",
                        "is not an Ed25519 public key: paste the 64 hexadecimal digits of Public Key (Developer Portal → General Information)",
                    );
                }
                Some(InteractionsEndpoint { addr, public_key: public_key?, idle_timeout, trusted_proxies })
            }
            (Some(_), None) => {
                self.fail(
                    "DISCORD_PUBLIC_KEY",
                    "is missing: the interactions endpoint (INTERACTIONS_ADDR) verifies each request with it; set it to Public Key (Developer Portal → General Information)",
                );
                None
            }
            (None, Some(_)) if self.optional("INTERACTIONS_ADDR").is_none() => {
                self.fail(
                    "INTERACTIONS_ADDR",
                    "is missing while DISCORD_PUBLIC_KEY is set: set the address to serve the interactions endpoint on, or unset the key to use the gateway",
                );
                None
            }
            _ => None,
        }
    }

    fn trusted_proxies(&mut self) -> TrustedProxies {
        const NAME: &str = "INTERACTIONS_TRUSTED_PROXIES";
        let Some(raw) = self.optional(NAME) else { return TrustedProxies::default() };
        TrustedProxies::parse(&raw).unwrap_or_else(|entry| {
            self.fail(
                NAME,
                format!("holds {entry:?}, which is not an address or a network: use values like 10.0.0.7 or 10.0.0.0/8, separated by commas"),
            );
            TrustedProxies::default()
        })
    }
}

/// The 32 bytes of a hex-encoded Ed25519 public key, if it is one.
fn parse_public_key(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    serenity::interactions_endpoint::Verifier::try_new(key).ok()?;
    Some(key)
}
