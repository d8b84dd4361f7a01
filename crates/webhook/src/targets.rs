//! Where Weft may send requests (DESIGN.md §6 and §14, "the SSRF guard"). A target URL is read by
//! one parser, `url::Url` (WHATWG rules, the parser reqwest itself uses), and the decision is made
//! on the host it yields, so `http://127.1/`, `http://2130706433/`, `http://0x7f000001/`,
//! `http://[::ffff:127.0.0.1]/` and `http://127.0.0.1:80\@example.com/` are all the loopback
//! address they are to the HTTP client. A host that is `localhost` (or `*.localhost`) or an address
//! in a loopback, private, link-local, shared, unspecified, reserved or multicast range (the cloud
//! metadata address 169.254.169.254 included) is refused unless `WEFT_ALLOWED_TARGETS` lists that
//! host or a CIDR holding it; a URL with a user name or password is refused always.
//!
//! `check_url` is made when a URL arrives (a `callback_url`, a rule's URL, a subscription's
//! address) and again before each attempt, which then sends the `Url` it returned, so nothing
//! reads the text a second time. Names are resolved by `GuardedResolver`, the resolver of every
//! outbound `client`, which drops refused addresses: DNS cannot answer one address to the check
//! and another to the connection. The hosts a rule's credentials may go to are `hosts.rs`'s.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
pub use url::{Host, Url};

/// URLs longer than this are refused.
const MAX_URL: usize = 2048;

/// Why a target URL is refused; the text reads after the field's name (`callback_url: ...`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("is longer than {MAX_URL} characters")]
    TooLong,
    #[error("must not contain spaces or control characters (found '{0}')")]
    Whitespace(String),
    #[error("is not a valid URL ({0})")]
    Malformed(url::ParseError),
    #[error("must be an http:// or https:// URL")]
    Scheme,
    #[error("must not carry a user name or password (the part before '@')")]
    UserInfo,
    #[error("has port 0, which cannot be called")]
    PortZero,
    #[error("points at a private or local address ({0}); allow it with WEFT_ALLOWED_TARGETS")]
    Private(String),
}

/// `WEFT_ALLOWED_TARGETS`: host names and CIDRs (`10.0.0.0/8`, `::1/128`) the guard lets through.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AllowedTargets {
    /// Domain names as `Url` writes them (lower case), without a trailing dot.
    hosts: Vec<String>,
    networks: Vec<(IpAddr, u8)>,
}

impl AllowedTargets {
    /// Parse a comma-separated list; a bad entry is named. A host entry is read as a URL's host
    /// is, so `127.1` allows 127.0.0.1 as the URL `http://127.1/` would reach it.
    pub fn parse(list: &str) -> Result<AllowedTargets, String> {
        let mut allowed = AllowedTargets::default();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if let Some((address, bits)) = entry.split_once('/') {
                let address: IpAddr = address
                    .parse()
                    .map_err(|_| format!("'{entry}' is not a CIDR"))?;
                let max = if address.is_ipv4() { 32 } else { 128 };
                let bits: u8 = bits
                    .parse()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("'{entry}' has a bad prefix length"))?;
                allowed.networks.push(network(address, bits));
                continue;
            }
            let host = match entry.parse::<IpAddr>() {
                Ok(IpAddr::V4(v4)) => Host::Ipv4(v4),
                Ok(IpAddr::V6(v6)) => Host::Ipv6(v6),
                Err(_) => {
                    Host::parse(entry).map_err(|e| format!("'{entry}' is not a host: {e}"))?
                }
            };
            match host {
                Host::Domain(name) => allowed.hosts.push(name.trim_end_matches('.').to_string()),
                Host::Ipv4(v4) => allowed.networks.push((IpAddr::V4(v4), 32)),
                Host::Ipv6(v6) => allowed.networks.push((canonical(IpAddr::V6(v6)), 128)),
            }
        }
        Ok(allowed)
    }

    /// Parse `text` as the HTTP client will, check its shape (http or https, no userinfo) and
    /// where its host points, and return the `Url` to send to.
    pub fn check_url(&self, text: &str) -> Result<Url, TargetError> {
        if text.len() > MAX_URL {
            return Err(TargetError::TooLong);
        }
        // The WHATWG parser drops tabs and newlines and trims spaces silently; a URL that needs
        // that is refused rather than quietly read as another.
        if let Some(c) = text.chars().find(|c| c.is_control() || c.is_whitespace()) {
            return Err(TargetError::Whitespace(c.escape_default().to_string()));
        }
        let url = Url::parse(text).map_err(TargetError::Malformed)?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(TargetError::Scheme);
        }
        // Credentials in a URL would be sent as Basic auth to whoever the URL names, and
        // `user@host` is the classic way to make a URL look like it points elsewhere.
        if !url.username().is_empty() || url.password().is_some() {
            return Err(TargetError::UserInfo);
        }
        if url.port() == Some(0) {
            return Err(TargetError::PortZero);
        }
        // http and https URLs always have a host (the parser refuses them otherwise).
        let host = url
            .host()
            .ok_or(TargetError::Malformed(url::ParseError::EmptyHost))?;
        self.check_host(&host)?;
        Ok(url)
    }

    /// Refuse `host` (as a parsed URL holds it) when it is private or local and not allowed.
    pub fn check_host(&self, host: &Host<&str>) -> Result<(), TargetError> {
        let refused = || Err(TargetError::Private(host.to_string()));
        match host {
            Host::Domain(name) => {
                let name = name.trim_end_matches('.');
                if self.hosts.iter().any(|h| h == name) {
                    Ok(())
                } else if name == "localhost" || name.ends_with(".localhost") {
                    refused()
                } else {
                    // A name is checked again, address by address, when it is resolved.
                    Ok(())
                }
            }
            Host::Ipv4(v4) if self.allows_address(IpAddr::V4(*v4)) => Ok(()),
            Host::Ipv6(v6) if self.allows_address(IpAddr::V6(*v6)) => Ok(()),
            Host::Ipv4(_) | Host::Ipv6(_) => refused(),
        }
    }

    /// Whether an address may be called: public, or inside an allowed network.
    fn allows_address(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        !is_private(address)
            || self
                .networks
                .iter()
                .any(|(net, bits)| contains(*net, *bits, address))
    }

    /// Whether `host`, resolved to `address`, may be called.
    fn allows(&self, host: &str, address: IpAddr) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.hosts.contains(&host) || self.allows_address(address)
    }
}

/// Resolves names for outbound calls, keeping only the addresses the guard allows.
struct GuardedResolver {
    allowed: AllowedTargets,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allowed = self.allowed.clone();
        Box::pin(async move {
            let host = name.as_str();
            let kept: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
                .await?
                .filter(|a| allowed.allows(host, a.ip()))
                .collect();
            if kept.is_empty() {
                return Err(format!(
                    "{host} resolves to private or local addresses only; allow it with WEFT_ALLOWED_TARGETS"
                )
                .into());
            }
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The HTTP client of outbound calls: names resolved through the guard, redirects not followed
/// (a receiver cannot bounce a delivery to an address the guard refuses), `timeout` per request.
/// An address literal never reaches a resolver, so a URL must pass `check_url` first.
pub fn client(allowed: &AllowedTargets, timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver {
            allowed: allowed.clone(),
        }))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .build()
}

/// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is the IPv4 address it carries: a socket
/// connects to that IPv4 address.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// A CIDR as `contains` compares it: an IPv4-mapped network (`::ffff:10.0.0.0/104`) is the IPv4
/// network it maps, since addresses are compared in their `canonical` form.
fn network(address: IpAddr, bits: u8) -> (IpAddr, u8) {
    match address {
        IpAddr::V6(v6) if bits >= 96 => match v6.to_ipv4_mapped() {
            Some(v4) => (IpAddr::V4(v4), bits - 96),
            None => (address, bits),
        },
        _ => (address, bits),
    }
}

fn is_private(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => is_private_v6(v6),
    }
}

fn is_private_v4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || a == 0
        // Shared address space (carrier-grade NAT), IETF protocol assignments, benchmarking,
        // and the reserved 240.0.0.0/4.
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240
}

fn is_private_v6(v6: Ipv6Addr) -> bool {
    let segments = v6.segments();
    let first = segments[0];
    // The IPv4 address in the last 32 bits, for the forms that carry one.
    let embedded = Ipv4Addr::from(v6.to_bits() as u32);
    v6.is_loopback()
        || v6.is_unspecified()
        || v6.is_multicast()
        // Unique local fc00::/7, link-local fe80::/10, the old site-local fec0::/10.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first & 0xffc0) == 0xfec0
        || v6.to_ipv4_mapped().is_some_and(is_private_v4)
        // IPv4-compatible ::a.b.c.d (deprecated, still accepted by some stacks).
        || (segments[..6] == [0; 6] && is_private_v4(embedded))
        // NAT64 64:ff9b::/96 reaches the IPv4 address it carries; 64:ff9b:1::/48 is local use.
        || (segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] && is_private_v4(embedded))
        || segments[..3] == [0x64, 0xff9b, 1]
}

fn contains(network: IpAddr, bits: u8, address: IpAddr) -> bool {
    match (network, address) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
#[path = "targets_tests.rs"]
mod tests;
