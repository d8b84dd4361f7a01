//! Tests of the SSRF guard (`targets.rs`): for every notation of a private address, the guard's
//! verdict and the host reqwest itself reads in the URL, which must be the one the verdict is on.

use super::*;
use std::net::{Ipv4Addr, Ipv6Addr};

const LOOPBACK: Host<&str> = Host::Ipv4(Ipv4Addr::LOCALHOST);

/// What the guard must say of a URL.
#[derive(Debug, PartialEq)]
enum Verdict {
    Allowed,
    Private,
    UserInfo,
}

/// URLs written to reach an address the guard must refuse (or pass), the host reqwest reads in
/// each, and the verdict with no `WEFT_ALLOWED_TARGETS`.
fn table() -> Vec<(&'static str, Host<&'static str>, Verdict)> {
    use Verdict::*;
    let v4 = |a, b, c, d| Host::Ipv4(Ipv4Addr::new(a, b, c, d));
    let v6 = |text: &str| Host::Ipv6(text.parse::<Ipv6Addr>().unwrap());
    vec![
        ("http://127.0.0.1:9/", LOOPBACK, Private),
        ("http://127.1:9/", LOOPBACK, Private),
        ("http://2130706433:9/", LOOPBACK, Private),
        ("http://0x7f000001:9/", LOOPBACK, Private),
        ("http://0177.0.0.1:9/", LOOPBACK, Private),
        ("http://0x7f.1:9/", LOOPBACK, Private),
        // The backslash ends the authority for http (WHATWG): the host is 127.0.0.1, and
        // `@example.com` is the path. A hand parser that splits on '@' reads example.com.
        ("http://127.0.0.1:9\\@example.com/", LOOPBACK, Private),
        (
            "http://[::ffff:127.0.0.1]:9/",
            v6("::ffff:127.0.0.1"),
            Private,
        ),
        ("http://[::ffff:7f00:1]:9/", v6("::ffff:127.0.0.1"), Private),
        ("http://[::127.0.0.1]:9/", v6("::127.0.0.1"), Private),
        ("http://[64:ff9b::10.0.0.1]/", v6("64:ff9b::a00:1"), Private),
        ("http://[::1]:9/", v6("::1"), Private),
        ("http://[::]/", v6("::"), Private),
        ("http://[fe80::1]/", v6("fe80::1"), Private),
        ("http://[fd00::1]/", v6("fd00::1"), Private),
        ("http://localhost:9/", Host::Domain("localhost"), Private),
        ("http://localhost.:9/", Host::Domain("localhost."), Private),
        ("http://LOCALHOST/", Host::Domain("localhost"), Private),
        (
            "http://api.localhost/",
            Host::Domain("api.localhost"),
            Private,
        ),
        (
            "http://169.254.169.254/latest/meta-data",
            v4(169, 254, 169, 254),
            Private,
        ),
        ("http://10.1.2.3/", v4(10, 1, 2, 3), Private),
        ("http://172.16.0.1/", v4(172, 16, 0, 1), Private),
        ("http://192.168.1.1/", v4(192, 168, 1, 1), Private),
        ("http://100.64.0.1/", v4(100, 64, 0, 1), Private),
        ("http://0.0.0.0:9/", v4(0, 0, 0, 0), Private),
        ("http://0/", v4(0, 0, 0, 0), Private),
        ("http://255.255.255.255/", v4(255, 255, 255, 255), Private),
        // Full-width digits are mapped to ASCII before the host is read.
        ("http://\u{ff11}\u{ff12}\u{ff17}.0.0.1/", LOOPBACK, Private),
        (
            "http://user:pw@example.com/",
            Host::Domain("example.com"),
            UserInfo,
        ),
        (
            "http://user@example.com/",
            Host::Domain("example.com"),
            UserInfo,
        ),
        ("http://example.com@127.0.0.1/", LOOPBACK, UserInfo),
        (
            "https://example.com/hook",
            Host::Domain("example.com"),
            Allowed,
        ),
        (
            "https://EXAMPLE.com:8443/a?b#c",
            Host::Domain("example.com"),
            Allowed,
        ),
        ("http://8.8.8.8/", v4(8, 8, 8, 8), Allowed),
        ("http://100.128.0.1/", v4(100, 128, 0, 1), Allowed),
        ("http://[2001:4860::8888]/", v6("2001:4860::8888"), Allowed),
        ("http://[::ffff:8.8.8.8]/", v6("::ffff:8.8.8.8"), Allowed),
    ]
}

#[test]
fn every_notation_is_judged_on_the_host_reqwest_connects_to() {
    let none = AllowedTargets::default();
    for (text, host, verdict) in table() {
        let reqwest_reads = reqwest::Url::parse(text).unwrap();
        assert_eq!(reqwest_reads.host(), Some(host.clone()), "{text}");
        let got = none.check_url(text);
        match verdict {
            Verdict::Allowed => {
                let url = got.unwrap_or_else(|e| panic!("{text} should pass: {e}"));
                assert_eq!(url, reqwest_reads, "{text}: the URL sent is the URL read");
            }
            Verdict::Private => {
                assert_eq!(got, Err(TargetError::Private(host.to_string())), "{text}");
                let reason = got.unwrap_err().to_string();
                assert!(reason.contains("WEFT_ALLOWED_TARGETS"), "{text}: {reason}");
            }
            Verdict::UserInfo => assert_eq!(got, Err(TargetError::UserInfo), "{text}"),
        }
    }
}

#[test]
fn an_allowed_network_lets_every_notation_of_its_addresses_through() {
    let allowed = AllowedTargets::parse("127.0.0.0/8, localhost").unwrap();
    for text in [
        "http://127.0.0.1:9/",
        "http://127.1:9/",
        "http://2130706433:9/",
        "http://[::ffff:127.0.0.1]:9/",
        "http://localhost./",
    ] {
        assert!(allowed.check_url(text).is_ok(), "{text}");
    }
    assert!(allowed.check_url("http://[::1]/").is_err());
    assert!(allowed.check_url("http://10.0.0.1/").is_err());
    // Userinfo is refused even where the host is allowed.
    assert_eq!(
        allowed.check_url("http://u:p@127.0.0.1/"),
        Err(TargetError::UserInfo)
    );
    let some = AllowedTargets::parse("10.0.0.0/8 ,::1, 127.1").unwrap();
    assert!(some.check_url("http://10.200.0.9/").is_ok());
    assert!(some.check_url("http://[::1]/").is_ok());
    assert!(some.check_url("http://127.0.0.1/").is_ok());
    assert!(some.check_url("http://127.0.0.2/").is_err());
    assert!(some.check_url("http://192.168.0.1/").is_err());
    let mapped = AllowedTargets::parse("::ffff:10.0.0.0/104").unwrap();
    assert!(mapped.check_url("http://10.1.2.3/").is_ok());
    assert!(mapped.check_url("http://[::ffff:10.1.2.3]/").is_ok());
    assert!(
        mapped.check_url("http://11.0.0.1/").is_ok(),
        "public anyway"
    );
    assert!(mapped.check_url("http://192.168.0.1/").is_err());
    assert!(AllowedTargets::parse("10.0.0.0/40").is_err());
    assert!(AllowedTargets::parse("nonsense/8").is_err());
    assert!(AllowedTargets::parse("exa mple").is_err());
}

#[test]
fn urls_are_checked_for_shape_with_the_reason() {
    let none = AllowedTargets::default();
    let long = format!("https://example.com/{}", "a".repeat(MAX_URL));
    for (text, error) in [
        ("ftp://example.com/", TargetError::Scheme),
        ("file:///etc/passwd", TargetError::Scheme),
        (
            "example.com/x",
            TargetError::Malformed(url::ParseError::RelativeUrlWithoutBase),
        ),
        (
            "https://",
            TargetError::Malformed(url::ParseError::EmptyHost),
        ),
        (
            "https://example.com:99999/",
            TargetError::Malformed(url::ParseError::InvalidPort),
        ),
        (
            "https://[zz]/",
            TargetError::Malformed(url::ParseError::InvalidIpv6Address),
        ),
        ("https://example.com:0/", TargetError::PortZero),
        ("https://exa mple.com", TargetError::Whitespace(" ".into())),
        (
            "https://exa\tmple.com",
            TargetError::Whitespace("\\t".into()),
        ),
        (" https://example.com", TargetError::Whitespace(" ".into())),
        (
            "https://ex\u{0}ample.com",
            TargetError::Whitespace("\\u{0}".into()),
        ),
        (&long, TargetError::TooLong),
    ] {
        assert_eq!(none.check_url(text), Err(error), "{text}");
    }
    assert!(matches!(
        none.check_url("https://bad<host>/"),
        Err(TargetError::Malformed(_))
    ));
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
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
        }
    });
    port
}

#[tokio::test]
async fn a_name_that_resolves_to_a_private_address_is_refused_at_the_resolver() {
    let port = receiver();
    // `check_url` lets a name through; the resolver must stop it. (`localhost` itself is
    // refused by name, so this asks the resolver for it directly through the client.)
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
