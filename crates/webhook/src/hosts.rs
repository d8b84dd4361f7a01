//! The hosts a credential may be sent to (DESIGN.md §14: "a rule's credentials go only to the
//! hosts it names"). A rule whose URL comes from the record (`endpoint_source: record`) sends to
//! whatever `callback_url` an integration caller stored, so its `Authorization` header goes only
//! to the hosts listed in its `allowed_callback_hosts` (and to its own static URL's host).
//!
//! Entries and URLs are compared after the same parsing (`url::Host`): case, IDNA, the many ways
//! to write an IPv4 address and a trailing dot make no difference; anything else does
//! (`api.example.com` is not `example.com`).

use crate::targets::{Host, Url};

/// Why an entry of a host list is not a host.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    #[error("is empty")]
    Empty,
    #[error(
        "'{0}' is not a bare host: give the host name or IP address only, no scheme, user, port or path"
    )]
    NotBare(String),
    #[error("'{0}' is not a host name or IP address ({1})")]
    Invalid(String, url::ParseError),
}

/// Read one entry (`erp.example.com`, `10.0.0.7`, `::1` or `[::1]`) into the form `allows`
/// compares: a domain in lower case without a trailing dot, an address as `Url` writes it.
pub fn parse_host(text: &str) -> Result<String, HostError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(HostError::Empty);
    }
    let not_bare = || HostError::NotBare(text.to_string());
    if let Ok(std::net::IpAddr::V6(v6)) = text.parse() {
        return Ok(Host::<String>::Ipv6(v6).to_string());
    }
    // A colon outside brackets would be a port; '/', '@', '?', '#' and '\' start or end the
    // other parts of a URL.
    let bracketed = text.starts_with('[') && text.ends_with(']');
    if text.contains(['/', '\\', '@', '?', '#']) || (text.contains(':') && !bracketed) {
        return Err(not_bare());
    }
    let host = Host::parse(text).map_err(|e| HostError::Invalid(text.to_string(), e))?;
    Ok(normal(&host))
}

/// A host as the lists hold it.
fn normal<S: AsRef<str>>(host: &Host<S>) -> String {
    match host {
        Host::Domain(name) => name.as_ref().trim_end_matches('.').to_ascii_lowercase(),
        Host::Ipv4(v4) => v4.to_string(),
        Host::Ipv6(v6) => format!("[{v6}]"),
    }
}

/// The hosts a credential may go to, each as `parse_host` gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialHosts {
    hosts: Vec<String>,
}

impl CredentialHosts {
    /// From entries `parse_host` gave (as stored); an entry that no longer parses is left out,
    /// so a credential is never sent on a misreading.
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(entries: I) -> CredentialHosts {
        CredentialHosts {
            hosts: entries
                .into_iter()
                .filter_map(|e| parse_host(e.as_ref()).ok())
                .collect(),
        }
    }

    /// Also the host of `url` (a URL the administrator chose), when it parses.
    pub fn with_host_of(mut self, url: &str) -> CredentialHosts {
        if let Some(host) = Url::parse(url).ok().as_ref().and_then(Url::host) {
            self.hosts.push(normal(&host));
        }
        self
    }

    /// Whether the credential may go to `url`: its host is one of the list, exactly.
    pub fn allows(&self, url: &Url) -> bool {
        url.host()
            .is_some_and(|host| self.hosts.contains(&normal(&host)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_bare_hosts_read_as_a_url_reads_them() {
        for (entry, read) in [
            ("ERP.Example.com", "erp.example.com"),
            ("erp.example.com.", "erp.example.com"),
            ("127.0.0.1", "127.0.0.1"),
            ("127.1", "127.0.0.1"),
            ("::1", "[::1]"),
            ("[::1]", "[::1]"),
            (" 10.0.0.7 ", "10.0.0.7"),
        ] {
            assert_eq!(parse_host(entry).as_deref(), Ok(read), "{entry}");
        }
        for entry in [
            "https://erp.example.com",
            "erp.example.com:8443",
            "erp.example.com/hook",
            "user@erp.example.com",
            "erp.example.com?x",
            "127.0.0.1\\x",
        ] {
            assert_eq!(
                parse_host(entry),
                Err(HostError::NotBare(entry.into())),
                "{entry}"
            );
        }
        assert_eq!(parse_host(" "), Err(HostError::Empty));
        assert!(matches!(
            parse_host("exa mple.com"),
            Err(HostError::Invalid(..))
        ));
        assert!(matches!(parse_host("[zz]"), Err(HostError::Invalid(..))));
        assert_eq!(parse_host("[::1"), Err(HostError::NotBare("[::1".into())));
    }

    #[test]
    fn a_credential_goes_only_to_a_listed_host_after_the_same_parsing() {
        let hosts = CredentialHosts::new(["erp.example.com", "127.0.0.1", "::1"])
            .with_host_of("https://static.example.com/hook");
        let allows = |url: &str| hosts.allows(&Url::parse(url).unwrap());
        for yes in [
            "https://erp.example.com/callback",
            "https://ERP.EXAMPLE.COM:8443/x",
            "https://erp.example.com./x",
            "http://127.1:9000/x",
            "http://2130706433/x",
            "http://[::1]:9000/x",
            "https://static.example.com/other",
            // A backslash ends the host (WHATWG): this one is erp.example.com's.
            "http://erp.example.com\\@evil.test/x",
        ] {
            assert!(allows(yes), "{yes} should get the credential");
        }
        for no in [
            "https://api.erp.example.com/x",
            "https://erp.example.com.evil.test/x",
            "https://evil.test/erp.example.com",
            "http://127.0.0.2/x",
        ] {
            assert!(!allows(no), "{no} must not get the credential");
        }
        let none = CredentialHosts::default();
        assert!(!none.allows(&Url::parse("https://erp.example.com/").unwrap()));
    }
}
