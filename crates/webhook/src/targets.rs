//! Where Weft may send requests (DESIGN.md §6, "the SSRF guard"). A URL whose host is `localhost` or
//! an address literal in a loopback, private, link-local, shared, unspecified or multicast range
//! (169.254.169.254, the cloud metadata address, included) is refused unless `WEFT_ALLOWED_TARGETS`
//! lists that host or a CIDR holding it. `check_host` is the check made when a URL arrives
//! (`callback_url`, a rule's URL); names that resolve to such addresses are caught again at send
//! time by `GuardedResolver`, the resolver of every outbound `client`, so DNS cannot answer one
//! address to the check and another to the connection.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// `WEFT_ALLOWED_TARGETS`: host names and CIDRs (`10.0.0.0/8`, `::1/128`) the guard lets through.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AllowedTargets {
    hosts: Vec<String>,
    networks: Vec<(IpAddr, u8)>,
}

impl AllowedTargets {
    /// Parse a comma-separated list; a bad entry is named.
    pub fn parse(list: &str) -> Result<AllowedTargets, String> {
        let mut allowed = AllowedTargets::default();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            match entry.split_once('/') {
                Some((address, bits)) => {
                    let address: IpAddr = address
                        .parse()
                        .map_err(|_| format!("'{entry}' is not a CIDR"))?;
                    let max = if address.is_ipv4() { 32 } else { 128 };
                    let bits: u8 = bits
                        .parse()
                        .ok()
                        .filter(|b| *b <= max)
                        .ok_or_else(|| format!("'{entry}' has a bad prefix length"))?;
                    allowed.networks.push((address, bits));
                }
                None => match entry.parse::<IpAddr>() {
                    Ok(address) => allowed
                        .networks
                        .push((address, if address.is_ipv4() { 32 } else { 128 })),
                    Err(_) => allowed.hosts.push(entry.to_ascii_lowercase()),
                },
            }
        }
        Ok(allowed)
    }

    /// Refuse `host` (as written in a URL; IPv6 without brackets) when it is private and not allowed.
    pub fn check_host(&self, host: &str) -> Result<(), String> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if self.hosts.contains(&host) {
            return Ok(());
        }
        let private = match host.parse::<IpAddr>() {
            Ok(address)
                if self
                    .networks
                    .iter()
                    .any(|(net, bits)| contains(*net, *bits, address)) =>
            {
                return Ok(());
            }
            Ok(address) => is_private(address),
            Err(_) => host == "localhost" || host.ends_with(".localhost"),
        };
        if private {
            Err(format!(
                "points at a private or local address ({host}); allow it with WEFT_ALLOWED_TARGETS"
            ))
        } else {
            Ok(())
        }
    }
}

impl AllowedTargets {
    /// Check a URL a client gave (a `callback_url`, a rule's or subscription's address) for shape
    /// and refuse it when its host is private and not allowed; the reason names what is wrong.
    pub fn check_url(&self, url: &str) -> Result<(), String> {
        self.check_host(&check_url(url)?)
    }
}

/// URLs longer than this are refused.
const MAX_URL: usize = 2048;

/// Check the shape of `url` (http or https, a host, an optional port, no spaces or control
/// characters) and return its host (an IPv6 address without brackets).
fn check_url(url: &str) -> Result<String, String> {
    if url.len() > MAX_URL {
        return Err(format!("is longer than {MAX_URL} characters"));
    }
    if let Some(c) = url.chars().find(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "must not contain spaces or control characters (found '{}')",
            c.escape_default()
        ));
    }
    let lower = url.to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return Err("must be an http:// or https:// URL".into());
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    check_host_port(host_port)
}

fn check_host_port(host_port: &str) -> Result<String, String> {
    let (host, port) = if let Some(inner) = host_port.strip_prefix('[') {
        let (address, after) = inner
            .split_once(']')
            .ok_or("has an unterminated IPv6 address")?;
        address
            .parse::<Ipv6Addr>()
            .map_err(|_| format!("'{address}' is not an IPv6 address"))?;
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or("has text after the IPv6 address")?,
            ),
        };
        (address, port)
    } else {
        let (host, port) = match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        };
        check_host_name(host)?;
        (host, port)
    };
    match port {
        Some(port) if !port.parse::<u16>().is_ok_and(|p| p > 0) => {
            Err(format!("'{port}' is not a valid port"))
        }
        _ => Ok(host.to_string()),
    }
}

fn check_host_name(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("has no host".into());
    }
    if !host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
    {
        return Err(format!("'{host}' is not a valid host name"));
    }
    Ok(())
}

impl AllowedTargets {
    /// Whether `host`, resolved to `address`, may be called.
    fn allows(&self, host: &str, address: IpAddr) -> bool {
        self.hosts
            .contains(&host.trim_end_matches('.').to_ascii_lowercase())
            || self
                .networks
                .iter()
                .any(|(net, bits)| contains(*net, *bits, address))
            || !is_private(address)
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
/// An address literal never reaches a resolver, so a URL must pass `check_host` first.
pub fn client(allowed: &AllowedTargets, timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver {
            allowed: allowed.clone(),
        }))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .build()
}

fn is_private(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

fn contains(network: IpAddr, bits: u8, address: IpAddr) -> bool {
    match (network, address) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits))
            };
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_for_shape() {
        for ok in [
            "https://ext-system/webhook/so-status",
            "http://example.com:8080/a?b=c#d",
            "HTTPS://user:pw@example.com",
            "http://[::1]:9000/x",
            "http://10.0.0.1",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ftp://example.com",
            "https://",
            "https:///path",
            "example.com/x",
            "https://exa mple.com",
            "https://example.com:99999",
            "https://example.com:x",
            "https://[zz]/",
            "https://ex\u{0}ample.com",
            "https://bad<host>/",
            "http://[::1]x/",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn private_hosts_are_refused_unless_allowed() {
        let none = AllowedTargets::default();
        for host in [
            "localhost",
            "api.localhost",
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(none.check_host(host).is_err(), "{host} should be refused");
        }
        for host in ["example.com", "8.8.8.8", "2001:4860::8888", "100.128.0.1"] {
            assert!(none.check_host(host).is_ok(), "{host} should pass");
        }
        let some = AllowedTargets::parse("localhost, 10.0.0.0/8 ,::1").unwrap();
        assert!(some.check_host("localhost").is_ok());
        assert!(some.check_host("10.200.0.9").is_ok());
        assert!(some.check_host("::1").is_ok());
        assert!(some.check_host("192.168.0.1").is_err());
        assert!(AllowedTargets::parse("10.0.0.0/40").is_err());
        assert!(AllowedTargets::parse("nonsense/8").is_err());
    }

    /// A receiver on 127.0.0.1 answering every request with 200 `ok`.
    fn receiver() -> u16 {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut request = [0u8; 1024];
                let _ = stream.read(&mut request);
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                );
            }
        });
        port
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_a_private_address_is_refused_at_the_resolver() {
        let port = receiver();
        let url = format!("http://localhost:{port}/hook");
        let guarded = client(&AllowedTargets::default(), Duration::from_secs(5)).unwrap();
        let refused = guarded.get(&url).send().await.unwrap_err();
        let chain = std::iter::successors(Some(&refused as &dyn std::error::Error), |e| e.source())
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(": ");
        assert!(chain.contains("WEFT_ALLOWED_TARGETS"), "{chain}");

        let allowed = AllowedTargets::parse("127.0.0.0/8, ::1").unwrap();
        let open = client(&allowed, Duration::from_secs(5)).unwrap();
        let reply = open.get(&url).send().await.unwrap();
        assert_eq!(reply.text().await.unwrap(), "ok");
    }
}
