use super::*;

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The photos request of OAuth Core 1.0 Appendix A.5 (the example RFC 5849 §1.2 derives from).
fn photos() -> Vec<(String, String)> {
    pairs(&[
        ("file", "vacation.jpg"),
        ("size", "original"),
        ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
        ("oauth_token", "nnch734d00sl2jdk"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "1191242096"),
        ("oauth_nonce", "kllo9940pd9333jh"),
        ("oauth_version", "1.0"),
        ("oauth_signature", "tR3+Ty81lMeYAr/Fid0kMTYa/WM="),
    ])
}

fn photos_req(params: &[(String, String)]) -> SignedRequest<'_> {
    SignedRequest {
        method: "GET",
        base_uri: "http://photos.example.net/photos",
        params,
    }
}

fn with(params: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut out: Vec<_> = params.iter().filter(|(k, _)| k != name).cloned().collect();
    out.push((name.to_string(), value.to_string()));
    out
}

const PHOTOS_CS: &str = "kd94hf93k423kf44";
const PHOTOS_TS: &str = "pfkkdhi9sl3r4s00";

#[test]
fn photos_example_base_string_and_signature() {
    let params = photos();
    let req = photos_req(&params);
    assert_eq!(
        base_string(&req),
        "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26\
         oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26\
         oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096%26\
         oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal"
    );
    assert_eq!(verify(&req, PHOTOS_CS, Some(PHOTOS_TS), false), Ok(()));
}

#[test]
fn rfc_3_4_1_1_base_string_from_header_query_and_form() {
    // RFC 5849 §3.4.1.1: the header as printed there (line folds included), the query
    // `b5=%3D%253D&a3=a&c%40=&a2=r%20b` and the form body `c2&a3=2+q`, each decoded once.
    let header = "OAuth realm=\"Example\",\r\n                oauth_consumer_key=\"9djdj82h48djs9d2\",\r\n                oauth_token=\"kkk9d7dh3k39sjv7\",\r\n                oauth_signature_method=\"HMAC-SHA1\",\r\n                oauth_timestamp=\"137131201\",\r\n                oauth_nonce=\"7d8f3e4a\",\r\n                oauth_signature=\"bYT5CMsGcbgUdFHObYMEfcx6bsw%3D\"";
    let mut params = pairs(&[
        ("b5", "=%3D"),
        ("a3", "a"),
        ("c@", ""),
        ("a2", "r b"),
        ("c2", ""),
        ("a3", "2 q"),
    ]);
    let from_header = parse_authorization(header).unwrap();
    assert_eq!(from_header[0], ("realm".into(), "Example".into()));
    assert_eq!(
        from_header[6],
        (
            "oauth_signature".into(),
            "bYT5CMsGcbgUdFHObYMEfcx6bsw=".into()
        )
    );
    params.extend(from_header);
    let req = SignedRequest {
        method: "post",
        base_uri: "HTTP://Example.com:80/request",
        params: &params,
    };
    assert_eq!(
        base_string(&req),
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D\
         %253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce\
         %3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26\
         oauth_token%3Dkkk9d7dh3k39sjv7"
    );
}

/// Made with Python's oauthlib 3.2.2 (a venv, `pip install oauthlib==3.2.2`):
/// `Client('weft-consumer', client_secret='s3cr&t ü', resource_owner_key='tok en',
/// resource_owner_secret='ts/é', timestamp='1764873600', nonce='n0nce~42', realm='Weft')
/// .sign('https://API.Example.COM:443/restapi/1.0/object/res.partner?domain=%5B%5D&name=Jos%C3%A9+Mar%C3%ADa',
/// http_method='post', body='note=caf%C3%A9&tag=a%2Bb&tag=%21', headers={'Content-Type':
/// 'application/x-www-form-urlencoded'})`; the base string is oauthlib's `signature_base_string`.
const OAUTHLIB_HEADER: &str = "OAuth realm=\"Weft\", oauth_nonce=\"n0nce~42\", oauth_timestamp=\"1764873600\", oauth_version=\"1.0\", oauth_signature_method=\"HMAC-SHA1\", oauth_consumer_key=\"weft-consumer\", oauth_token=\"tok%20en\", oauth_signature=\"pWOViqi4ia9ASX2zU%2F%2Fz65kgefU%3D\"";
const OAUTHLIB_BASE: &str = "POST&https%3A%2F%2Fapi.example.com%2Frestapi%2F1.0%2Fobject%2Fres.partner&domain%3D%255B%255D%26name%3DJos%25C3%25A9%2520Mar%25C3%25ADa%26note%3Dcaf%25C3%25A9%26oauth_consumer_key%3Dweft-consumer%26oauth_nonce%3Dn0nce~42%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1764873600%26oauth_token%3Dtok%2520en%26oauth_version%3D1.0%26tag%3D%2521%26tag%3Da%252Bb";

fn oauthlib_params() -> Vec<(String, String)> {
    // Query and form decoded as the routes will (`+` is a space there, not in the header).
    let mut params = pairs(&[
        ("domain", "[]"),
        ("name", "José María"),
        ("note", "café"),
        ("tag", "a+b"),
        ("tag", "!"),
    ]);
    params.extend(parse_authorization(OAUTHLIB_HEADER).unwrap());
    params
}

#[test]
fn oauthlib_signature_with_non_ascii_values_and_secrets() {
    let params = oauthlib_params();
    let req = SignedRequest {
        method: "POST",
        base_uri: "https://API.Example.COM:443/restapi/1.0/object/res.partner",
        params: &params,
    };
    assert_eq!(base_string(&req), OAUTHLIB_BASE);
    assert_eq!(verify(&req, "s3cr&t ü", Some("ts/é"), false), Ok(()));
    assert_eq!(
        verify(&req, "s3cr&t u", Some("ts/é"), false),
        Err(SignatureError::BadSignature)
    );
}

#[test]
fn rfc_header_values_are_percent_decoded() {
    let got =
        parse_authorization("OAuth realm=\"Example\", oauth_consumer_key=\"a%20b\", x=\"%C3%A9\"")
            .unwrap();
    assert_eq!(
        got,
        pairs(&[
            ("realm", "Example"),
            ("oauth_consumer_key", "a b"),
            ("x", "é")
        ])
    );
}

#[test]
fn synconics_lax_header_and_rfc_header_without_spaces() {
    assert_eq!(
        parse_authorization("OAuth oauth_consumer_key='abc' oauth_nonce=xyz").unwrap(),
        pairs(&[("oauth_consumer_key", "abc"), ("oauth_nonce", "xyz")])
    );
    assert_eq!(
        parse_authorization("OAuth a=\"1\",b=\"2\"").unwrap(),
        pairs(&[("a", "1"), ("b", "2")])
    );
    assert_eq!(
        parse_authorization("oauth  a=1 ,, b='' ,").unwrap(),
        pairs(&[("a", "1"), ("b", "")])
    );
    // Quotes are characters, never code: what Synconics would `eval()` stays text.
    assert_eq!(
        parse_authorization("OAuth a=\"__import__('os')\"").unwrap(),
        pairs(&[("a", "__import__('os')")])
    );
    assert_eq!(parse_authorization("OAuth").unwrap(), vec![]);
}

#[test]
fn malformed_headers_say_where() {
    use HeaderError::*;
    let cases: [(&str, HeaderError); 9] = [
        ("Bearer abc", Scheme),
        ("OAuthx a=1", Scheme),
        ("OAuth =1", EmptyName { at: 6 }),
        (
            "OAuth a",
            NoValue {
                name: "a".into(),
                at: 6,
            },
        ),
        (
            "OAuth a =1",
            NoValue {
                name: "a".into(),
                at: 6,
            },
        ),
        (
            "OAuth a=\"1",
            Unterminated {
                name: "a".into(),
                at: 8,
            },
        ),
        ("OAuth a=\"1\"b=\"2\"", Unexpected { found: 'b', at: 11 }),
        ("OAuth a=%zz", Encoding { name: "a".into() }),
        ("OAuth a=%FF", Encoding { name: "a".into() }),
    ];
    for (header, want) in cases {
        assert_eq!(parse_authorization(header), Err(want), "{header}");
    }
    assert_eq!(
        parse_authorization("OAuth oauth_nonce=\"1\", oauth_nonce='2'"),
        Err(Duplicate {
            name: "oauth_nonce".into()
        })
    );
    assert_eq!(
        Unexpected { found: 'b', at: 11 }.to_string(),
        "the OAuth header has an unexpected 'b' at byte 11; parameters are separated by commas or spaces"
    );
}

#[test]
fn a_wrong_signature_or_secret_is_refused() {
    let params = with(&photos(), "oauth_signature", "tR3+Ty81lMeYAr/Fid0kMTYa/WN=");
    assert_eq!(
        verify(&photos_req(&params), PHOTOS_CS, Some(PHOTOS_TS), false),
        Err(SignatureError::BadSignature)
    );
    let params = photos();
    assert_eq!(
        verify(&photos_req(&params), PHOTOS_CS, None, false),
        Err(SignatureError::BadSignature)
    );
    // A signed parameter changed after signing.
    let params = with(&photos(), "size", "small");
    assert_eq!(
        verify(&photos_req(&params), PHOTOS_CS, Some(PHOTOS_TS), false),
        Err(SignatureError::BadSignature)
    );
}

#[test]
fn plaintext_only_where_allowed() {
    let params = with(&photos(), "oauth_signature_method", "PLAINTEXT");
    let params = with(&params, "oauth_signature", "a%26b&c%20d");
    let req = photos_req(&params);
    assert_eq!(
        verify(&req, "a&b", Some("c d"), false),
        Err(SignatureError::PlaintextRefused)
    );
    assert_eq!(verify(&req, "a&b", Some("c d"), true), Ok(()));
    assert_eq!(
        verify(&req, "a&b", None, true),
        Err(SignatureError::BadSignature)
    );
    // Without a token the key still ends in `&`.
    let params = with(&params, "oauth_signature", "a%26b&");
    assert_eq!(verify(&photos_req(&params), "a&b", None, true), Ok(()));
}

#[test]
fn other_methods_are_refused_by_name() {
    for method in ["RSA-SHA1", "HMAC-SHA256", "hmac-sha1", ""] {
        let params = with(&photos(), "oauth_signature_method", method);
        assert_eq!(
            verify(&photos_req(&params), PHOTOS_CS, Some(PHOTOS_TS), true),
            Err(SignatureError::UnsupportedMethod(method.into()))
        );
    }
    assert_eq!(
        SignatureError::UnsupportedMethod("RSA-SHA1".into()).to_string(),
        "oauth_signature_method \"RSA-SHA1\" is not supported; sign with HMAC-SHA1"
    );
}

#[test]
fn missing_duplicate_and_version_errors_name_the_parameter() {
    for name in REQUIRED {
        let params: Vec<_> = photos().into_iter().filter(|(k, _)| k != name).collect();
        let got = verify(&photos_req(&params), PHOTOS_CS, Some(PHOTOS_TS), false);
        assert_eq!(got, Err(SignatureError::Missing(name)));
        assert!(got.unwrap_err().to_string().contains(name));
    }
    // One in the query, one in the header: RFC 5849 §3.2 calls that a bad request.
    let mut params = photos();
    params.push(("oauth_nonce".into(), "other".into()));
    assert_eq!(
        verify(&photos_req(&params), PHOTOS_CS, Some(PHOTOS_TS), false),
        Err(SignatureError::Duplicate("oauth_nonce".into()))
    );
    // Other parameters may repeat (`a3` in RFC §3.4.1.1).
    let mut params = photos();
    params.push(("file".into(), "again".into()));
    assert_eq!(
        verify(&photos_req(&params), PHOTOS_CS, Some(PHOTOS_TS), false),
        Err(SignatureError::BadSignature)
    );
    let params = with(&photos(), "oauth_version", "1.0a");
    assert_eq!(
        verify(&photos_req(&params), PHOTOS_CS, Some(PHOTOS_TS), false),
        Err(SignatureError::Version)
    );
}

#[test]
fn version_is_optional() {
    // RFC 5849 §1.2's final request: no oauth_version. Its printed signature
    // (MdpQcU8iPSUjWoN/UDMsK2sui9I=) is checked here as it is in the RFC.
    let params = pairs(&[
        ("file", "vacation.jpg"),
        ("size", "original"),
        ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
        ("oauth_token", "nnch734d00sl2jdk"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "137131202"),
        ("oauth_nonce", "chapoH"),
        ("oauth_signature", "MdpQcU8iPSUjWoN/UDMsK2sui9I="),
    ]);
    assert_eq!(
        verify(&photos_req(&params), PHOTOS_CS, Some(PHOTOS_TS), false),
        Ok(())
    );
}

#[test]
fn base_uri_normalization() {
    let cases = [
        (
            "HTTPS://Api.Example.com:443/Path",
            "https://api.example.com/Path",
        ),
        ("http://example.com:8080/p", "http://example.com:8080/p"),
        ("https://example.com:80/p", "https://example.com:80/p"),
        ("http://example.com", "http://example.com/"),
        ("http://[::1]:80/x?y=1#z", "http://[::1]/x"),
    ];
    for (given, want) in cases {
        assert_eq!(normalize_base_uri(given), want, "{given}");
    }
    assert_eq!(enc("ü ~*"), "%C3%BC%20~%2A");
}

#[test]
fn timestamps_within_the_window() {
    let now = 1_764_873_600;
    assert_eq!(check_timestamp("1764873600", now, 900), Ok(now));
    assert_eq!(check_timestamp("1764874500", now, 900), Ok(now + 900));
    assert_eq!(
        check_timestamp("1764872699", now, 900),
        Err(SignatureError::StaleTimestamp(900))
    );
    for bad in [
        "",
        "+1764873600",
        " 1764873600",
        "-5",
        "1.5",
        "99999999999999999999",
    ] {
        assert_eq!(
            check_timestamp(bad, now, 900),
            Err(SignatureError::BadTimestamp),
            "{bad}"
        );
    }
}
