//! Query-string parsing (`http::message::parse_query`, what handlers get as parameters).
//! Form bodies (urlencoded and multipart) and cookies are parsed by the C++ headers
//! (`HttpMessage.h`, `http_content.h`), not in Rust: there is no Rust parser of them to fuzz.

use hv::http::message::parse_query;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

pub fn query(data: &[u8]) {
    let query = String::from_utf8_lossy(data);
    let pairs = parse_query(&query);
    assert!(pairs.len() <= query.split('&').count());
    assert!(pairs.iter().all(|(k, _)| !k.is_empty()), "an empty name");
    // Encoding the pairs again and parsing that gives the same pairs.
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(k, v)| {
            let (k, v) = (
                utf8_percent_encode(k, NON_ALPHANUMERIC),
                utf8_percent_encode(v, NON_ALPHANUMERIC),
            );
            format!("{k}={v}")
        })
        .collect();
    assert_eq!(parse_query(&encoded.join("&")), pairs, "{query:?}");
}
