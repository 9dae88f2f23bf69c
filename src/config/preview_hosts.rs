//! `PREVIEW_HOSTS`: the hosts previews and Full size links may come from.
//!
//! Asset URLs are written by whoever builds a Scenario workflow, so the bridge fetches only from
//! where Scenario keeps assets: its CDN, over https. A local mirror (or a test's fake CDN) is
//! named with its scheme, e.g. `http://127.0.0.1:9000`; naming an address literally is also the
//! only way to fetch from a loopback or private address (see `cards::previews::download`).

use std::fmt;

use url::{Host, Url};

use super::Reader;

/// The hosts when `PREVIEW_HOSTS` is unset: Scenario's CDN (asset URLs are CloudFront signed
/// URLs on `cdn.cloud.scenario.com`).
pub const DEFAULT_PREVIEW_HOSTS: &str = "cdn.cloud.scenario.com,cdn.scenario.com";

/// The origins (scheme, host, port) previews may be fetched from and linked to.
#[derive(Clone, PartialEq, Eq)]
pub struct PreviewHosts {
    entries: Vec<Origin>,
}

#[derive(Clone, PartialEq, Eq)]
struct Origin {
    https: bool,
    host: Host<String>,
    port: u16,
}

impl PreviewHosts {
    /// The hosts of a comma-separated list; each entry is `host`, `host:port` (https), or
    /// `https://host[:port]` / `http://host[:port]`. `Err` names every entry that is not one.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let parts: Vec<&str> = raw.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
        if parts.is_empty() {
            return Err("lists no host".to_owned());
        }
        let (mut entries, mut bad) = (Vec::new(), Vec::new());
        for part in parts {
            match Origin::parse(part) {
                Some(origin) => entries.push(origin),
                None => bad.push(format!("{part:?}")),
            }
        }
        if bad.is_empty() { Ok(Self { entries }) } else { Err(bad.join(", ")) }
    }

    /// Whether `url` is on one of the hosts, with its scheme and port.
    pub fn allows(&self, url: &Url) -> bool {
        let (Some(host), Some(port)) = (url.host(), url.port_or_known_default()) else { return false };
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            _ => return false,
        };
        let host = host.to_owned();
        self.entries.iter().any(|e| e.https == https && e.port == port && e.host == host)
    }
}

impl Default for PreviewHosts {
    fn default() -> Self {
        // The constant is a valid list: `the_default_lists_scenarios_cdn` proves it.
        Self::parse(DEFAULT_PREVIEW_HOSTS).unwrap_or(Self { entries: Vec::new() })
    }
}

impl Origin {
    fn parse(entry: &str) -> Option<Self> {
        let with_scheme = if entry.contains("://") { entry.to_owned() } else { format!("https://{entry}") };
        let url = Url::parse(&with_scheme).ok()?;
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            _ => return None,
        };
        let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
        let no_user = url.username().is_empty() && url.password().is_none();
        let host = url.host()?.to_owned();
        let plain = match &host {
            Host::Domain(name) => !name.contains('*') && !name.ends_with('.'),
            _ => true,
        };
        (bare && no_user && plain).then_some(Self { https, host, port: url.port_or_known_default()? })
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        let default = if self.https { 443 } else { 80 };
        match &self.host {
            Host::Ipv6(ip) => write!(f, "{scheme}://[{ip}]")?,
            host => write!(f, "{scheme}://{host}")?,
        }
        if self.port != default {
            write!(f, ":{}", self.port)?;
        }
        Ok(())
    }
}

impl fmt::Debug for PreviewHosts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.entries.iter().map(ToString::to_string)).finish()
    }
}

impl Reader<'_> {
    pub(super) fn preview_hosts(&mut self) -> PreviewHosts {
        const NAME: &str = "PREVIEW_HOSTS";
        let Some(raw) = self.optional(NAME) else { return PreviewHosts::default() };
        PreviewHosts::parse(&raw).unwrap_or_else(|bad| {
            self.fail(NAME, format!("has entries that are not hosts: {bad}; list hosts separated by commas, e.g. {DEFAULT_PREVIEW_HOSTS} (https), or http://127.0.0.1:9000 for a local mirror"));
            PreviewHosts::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(raw: &str) -> Url {
        Url::parse(raw).unwrap()
    }

    #[test]
    fn the_default_lists_scenarios_cdn_over_https_only() {
        let hosts = PreviewHosts::default();
        assert_eq!(format!("{hosts:?}"), r#"["https://cdn.cloud.scenario.com", "https://cdn.scenario.com"]"#);
        assert!(hosts.allows(&url("https://cdn.cloud.scenario.com/a.png?Signature=x")));
        assert!(hosts.allows(&url("https://CDN.scenario.com:443/a.png")));
        assert!(!hosts.allows(&url("http://cdn.cloud.scenario.com/a.png")), "https only");
        assert!(!hosts.allows(&url("https://cdn.cloud.scenario.com:8443/a.png")), "another port");
        assert!(!hosts.allows(&url("https://evil.cdn.cloud.scenario.com/a.png")), "no subdomains");
        assert!(!hosts.allows(&url("https://cdn.cloud.scenario.com.evil.example/a.png")));
        assert!(!hosts.allows(&url("https://cdn.cloud.scenario.com@127.0.0.1/a.png")));
    }

    #[test]
    fn an_entry_with_a_scheme_allows_that_scheme_host_and_port_alone() {
        let hosts = PreviewHosts::parse("http://127.0.0.1:9000, mirror.example:8443").unwrap();
        assert!(hosts.allows(&url("http://127.0.0.1:9000/cdn/a.png")));
        assert!(!hosts.allows(&url("http://127.0.0.1:9001/cdn/a.png")));
        assert!(!hosts.allows(&url("https://127.0.0.1:9000/cdn/a.png")));
        assert!(
            !hosts.allows(&url("http://[::ffff:127.0.0.1]:9000/a.png")),
            "the mapped form is another host"
        );
        assert!(!hosts.allows(&url("http://2130706433:9001/a.png")));
        assert!(hosts.allows(&url("https://mirror.example:8443/a.png")));
        assert!(!hosts.allows(&url("ftp://mirror.example:8443/a.png")));
        let v6 = PreviewHosts::parse("http://[::1]:81").unwrap();
        assert!(v6.allows(&url("http://[::1]:81/a")));
        assert_eq!(format!("{v6:?}"), r#"["http://[::1]:81"]"#);
    }

    #[test]
    fn every_entry_that_is_not_a_host_is_named() {
        assert_eq!(PreviewHosts::parse(" , ").unwrap_err(), "lists no host");
        let bad = PreviewHosts::parse("cdn.scenario.com, ftp://x.example, *.scenario.com, https://a.example/path, https://u:p@b.example").unwrap_err();
        assert_eq!(
            bad,
            r#""ftp://x.example", "*.scenario.com", "https://a.example/path", "https://u:p@b.example""#
        );
    }
}
