//! The router (`http::router`): routes and lookups from the input's lines, each lookup checked
//! against a plain reading of the precedence rule (literal > parameter > wildcard).
//!
//! A line `+<m><pattern>` adds a route for method `<m>`; any other line `<m><path>` looks a
//! path up. `<m>` is one character: G(ET), P(OST), H(EAD), D(ELETE), anything else PUT.

use hv::http::router::{Match, Router};
use hyper::Method;

fn method(c: char) -> Method {
    match c {
        'G' => Method::GET,
        'P' => Method::POST,
        'H' => Method::HEAD,
        'D' => Method::DELETE,
        _ => Method::PUT,
    }
}

/// How specific a match is, as the documentation states the rule: any segment pattern beats
/// any wildcard; among segment patterns, literal segments beat parameters from the left;
/// among wildcards, the longer prefix, then the longer suffix.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Wildcard(usize, usize),
    Segments(Vec<bool>),
}

/// `pattern` against `path`: its rank and the captured parameters, if it matches.
fn matches(pattern: &str, path: &str) -> Option<(Rank, Vec<(String, String)>)> {
    if let Some((prefix, suffix)) = pattern.split_once('*') {
        let rest = path.strip_prefix(prefix)?;
        return rest
            .ends_with(suffix)
            .then(|| (Rank::Wildcard(prefix.len(), suffix.len()), Vec::new()));
    }
    let (segs, parts): (Vec<_>, Vec<_>) = (pattern.split('/').collect(), path.split('/').collect());
    if segs.len() != parts.len() {
        return None;
    }
    let mut rank = Vec::new();
    let mut params = Vec::new();
    for (seg, part) in segs.iter().zip(parts) {
        let name = seg.strip_prefix(':').or_else(|| {
            (seg.len() > 2 && seg.starts_with('{') && seg.ends_with('}'))
                .then(|| &seg[1..seg.len() - 1])
        });
        match name {
            Some(name) if !part.is_empty() => {
                params.push((name.to_owned(), part.to_owned()));
                rank.push(false);
            }
            None if *seg == part => rank.push(true),
            _ => return None,
        }
    }
    Some((Rank::Segments(rank), params))
}

pub fn router(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut router = Router::default();
    // The routes as registered: pattern and its methods.
    let mut routes: Vec<(String, Vec<Method>)> = Vec::new();
    for line in text.split('\n') {
        let mut chars = line.chars();
        let add = line.starts_with('+');
        if add {
            chars.next();
        }
        let Some(m) = chars.next() else { continue };
        let (m, rest) = (method(m), chars.as_str());
        if add {
            router.insert(m.clone(), rest, rest.to_owned());
            match routes.iter_mut().find(|(p, _)| p == rest) {
                Some((_, ms)) if ms.contains(&m) => {}
                Some((_, ms)) => ms.push(m),
                None => routes.push((rest.to_owned(), vec![m])),
            }
            continue;
        }
        let serves =
            |ms: &[Method]| ms.contains(&m) || (m == Method::HEAD && ms.contains(&Method::GET));
        let matching: Vec<_> = routes
            .iter()
            .filter_map(|(p, ms)| matches(p, rest).map(|(rank, params)| (p, ms, rank, params)))
            .collect();
        let best = matching
            .iter()
            .filter(|(_, ms, _, _)| serves(ms))
            .map(|(_, _, rank, _)| rank)
            .max();
        match router.find(&m, rest) {
            Match::Found { value, params } => {
                let (_, _, rank, expected) = matching
                    .iter()
                    .find(|(p, ms, _, _)| *p == value && serves(ms))
                    .unwrap_or_else(|| panic!("{rest:?} found {value:?}, which does not match"));
                assert_eq!(&params, expected, "{rest:?} on {value:?}");
                assert_eq!(
                    Some(rank),
                    best,
                    "{rest:?} found {value:?}: not the most specific"
                );
            }
            Match::MethodNotAllowed(allowed) => {
                assert!(best.is_none(), "{rest:?}: 405, but a route serves {m}");
                assert!(!matching.is_empty(), "{rest:?}: 405, but no route matches");
                for (_, ms, _, _) in &matching {
                    assert!(
                        ms.iter().all(|m| allowed.contains(m)),
                        "{rest:?}: Allow misses"
                    );
                }
                for (i, m) in allowed.iter().enumerate() {
                    assert!(!allowed[..i].contains(m), "{rest:?}: Allow repeats {m}");
                }
            }
            Match::NotFound => assert!(matching.is_empty(), "{rest:?}: 404, but a route matches"),
        }
    }
}
