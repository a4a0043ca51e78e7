//! Route matching with a deterministic precedence: literal > `{param}`/`:param` > wildcard.
//!
//! libhv 1.3.3 scanned an unordered map, so `/user/me` could lose to `/user/{id}`; this router
//! ranks every matching pattern segment by segment instead, and reports the methods a path
//! supports so a wrong method gets 405 with `Allow`.

use hyper::Method;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

#[derive(Debug, Clone)]
enum Pattern {
    Segments(Vec<Segment>),
    /// Everything before and after the first `*`, matched against the whole path.
    Wildcard {
        prefix: String,
        suffix: String,
    },
}

#[derive(Debug, Clone)]
struct Route<T> {
    text: String,
    pattern: Pattern,
    methods: Vec<(Method, T)>,
}

/// How well a pattern matched: higher is more specific.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    /// Longer literal prefixes, then longer suffixes, win among wildcards.
    Wildcard(usize, usize),
    /// One bit per segment, the first segment highest: 1 for a literal, 0 for a parameter.
    /// Patterns that match one path have as many segments as it, so comparing the numbers
    /// compares segment by segment (beyond 128 segments, the later ones do not rank).
    Segments(u128),
}

/// A matching route with its rank and captured parameters.
type Candidate<'a, T> = (Rank, &'a Route<T>, Vec<(String, String)>);

pub enum Match<'a, T> {
    Found {
        value: &'a T,
        params: Vec<(String, String)>,
    },
    /// The path exists with other methods (listed for `Allow`).
    MethodNotAllowed(Vec<Method>),
    NotFound,
}

#[derive(Debug, Clone)]
pub struct Router<T> {
    routes: Vec<Route<T>>,
    /// The routes without parameters or wildcard, sorted by their text: such a route matches
    /// exactly its own path and outranks every other match, so most requests need no scan.
    /// A binary search compares a few paths where hashing one (SipHash) cost more.
    literal: Vec<(String, usize)>,
}

impl<T> Default for Router<T> {
    fn default() -> Self {
        Router {
            routes: Vec::new(),
            literal: Vec::new(),
        }
    }
}

fn parse(text: &str) -> Pattern {
    if let Some(star) = text.find('*') {
        return Pattern::Wildcard {
            prefix: text[..star].to_owned(),
            suffix: text[star + 1..].to_owned(),
        };
    }
    Pattern::Segments(
        text.split('/')
            .map(|s| {
                if let Some(name) = s.strip_prefix(':') {
                    Segment::Param(name.to_owned())
                } else if s.len() > 2 && s.starts_with('{') && s.ends_with('}') {
                    Segment::Param(s[1..s.len() - 1].to_owned())
                } else {
                    Segment::Literal(s.to_owned())
                }
            })
            .collect(),
    )
}

impl Pattern {
    fn matches(&self, path: &str) -> Option<(Rank, Vec<(String, String)>)> {
        match self {
            Pattern::Wildcard { prefix, suffix } => {
                let rest = path.strip_prefix(prefix.as_str())?;
                rest.ends_with(suffix.as_str())
                    .then(|| (Rank::Wildcard(prefix.len(), suffix.len()), Vec::new()))
            }
            Pattern::Segments(segments) => {
                let mut params = Vec::new();
                let mut rank = 0u128;
                let mut parts = path.split('/');
                for (i, seg) in segments.iter().enumerate() {
                    let part = parts.next()?;
                    match seg {
                        Segment::Literal(l) if l == part => {
                            if i < 128 {
                                rank |= 1 << (127 - i);
                            }
                        }
                        Segment::Param(name) if !part.is_empty() => {
                            params.push((name.clone(), part.to_owned()));
                        }
                        _ => return None,
                    }
                }
                parts
                    .next()
                    .is_none()
                    .then_some((Rank::Segments(rank), params))
            }
        }
    }
}

impl<T> Router<T> {
    /// Adds (or replaces) the handler for `method` on `pattern`; returns the one replaced, for
    /// the caller to drop where it chooses (a handler's drop may run foreign code).
    pub fn insert(&mut self, method: Method, pattern: &str, value: T) -> Option<T> {
        let route = match self.routes.iter_mut().find(|r| r.text == pattern) {
            Some(r) => r,
            None => {
                let parsed = parse(pattern);
                if let Pattern::Segments(segments) = &parsed {
                    if segments.iter().all(|s| matches!(s, Segment::Literal(_))) {
                        // A new pattern: not in the list yet.
                        let at = self
                            .literal
                            .partition_point(|(text, _)| text.as_str() < pattern);
                        self.literal
                            .insert(at, (pattern.to_owned(), self.routes.len()));
                    }
                }
                self.routes.push(Route {
                    text: pattern.to_owned(),
                    pattern: parsed,
                    methods: Vec::new(),
                });
                self.routes.last_mut().expect("just pushed")
            }
        };
        match route.methods.iter_mut().find(|(m, _)| *m == method) {
            Some(slot) => Some(std::mem::replace(&mut slot.1, value)),
            None => {
                route.methods.push((method, value));
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// Registered patterns, in registration order.
    pub fn paths(&self) -> Vec<&str> {
        self.routes.iter().map(|r| r.text.as_str()).collect()
    }

    /// The most specific pattern matching `path` that has `method` (HEAD falls back to GET).
    pub fn find(&self, method: &Method, path: &str) -> Match<'_, T> {
        if let Some(value) = self
            .literal
            .binary_search_by(|(text, _)| text.as_str().cmp(path))
            .ok()
            .and_then(|at| Self::handler(&self.routes[self.literal[at].1], method))
        {
            return Match::Found {
                value,
                params: Vec::new(),
            };
        }
        let mut best: Option<Candidate<'_, T>> = None;
        for route in &self.routes {
            if Self::handler(route, method).is_none() {
                continue;
            }
            let Some((rank, params)) = route.pattern.matches(path) else {
                continue;
            };
            if best.as_ref().is_none_or(|(r, _, _)| rank > *r) {
                best = Some((rank, route, params));
            }
        }
        if let Some((_, route, params)) = best {
            let value = Self::handler(route, method).expect("a candidate serves the method");
            return Match::Found { value, params };
        }
        // No route serves the method: which methods does the path have?
        let mut allowed: Vec<Method> = Vec::new();
        for route in &self.routes {
            if route.pattern.matches(path).is_some() {
                for (m, _) in &route.methods {
                    if !allowed.contains(m) {
                        allowed.push(m.clone());
                    }
                }
            }
        }
        if allowed.is_empty() {
            return Match::NotFound;
        }
        if allowed.contains(&Method::GET) && !allowed.contains(&Method::HEAD) {
            allowed.push(Method::HEAD);
        }
        Match::MethodNotAllowed(allowed)
    }

    /// The route's handler for `method`; HEAD falls back to GET.
    fn handler<'a>(route: &'a Route<T>, method: &Method) -> Option<&'a T> {
        let of = |want: &Method| route.methods.iter().find(|(m, _)| m == want);
        of(method)
            .or_else(|| {
                (*method == Method::HEAD)
                    .then(|| of(&Method::GET))
                    .flatten()
            })
            .map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router<&'static str> {
        let mut r = Router::default();
        r.insert(Method::GET, "/user/{id}", "param");
        r.insert(Method::GET, "/user/me", "literal");
        r.insert(Method::GET, "/group/:g/user/:u", "two");
        r.insert(Method::GET, "/wildcard*", "wild");
        r.insert(Method::GET, "/www.*.html", "www");
        r.insert(Method::POST, "/echo", "echo");
        r.insert(Method::GET, "*", "catchall");
        r
    }

    fn found(
        r: &Router<&'static str>,
        m: Method,
        p: &str,
    ) -> Option<(&'static str, Vec<(String, String)>)> {
        match r.find(&m, p) {
            Match::Found { value, params } => Some((*value, params)),
            _ => None,
        }
    }

    #[test]
    fn every_literal_route_is_found_whatever_the_order_it_came_in() {
        let paths: Vec<String> = (0..40).map(|i| format!("/p{}", (i * 17) % 40)).collect();
        let mut r = Router::default();
        for (i, p) in paths.iter().enumerate() {
            assert!(r.insert(Method::GET, p, i).is_none());
        }
        assert_eq!(
            r.insert(Method::GET, "/p3", 99),
            Some(paths.iter().position(|p| p == "/p3").unwrap())
        );
        for (i, p) in paths.iter().enumerate() {
            let want = if p == "/p3" { 99 } else { i };
            assert!(
                matches!(r.find(&Method::GET, p), Match::Found { value: &v, .. } if v == want),
                "{p}"
            );
        }
        assert!(matches!(r.find(&Method::GET, "/p40"), Match::NotFound));
        assert!(matches!(r.find(&Method::GET, "/p"), Match::NotFound));
    }

    #[test]
    fn literal_beats_param_beats_wildcard() {
        let r = router();
        assert_eq!(found(&r, Method::GET, "/user/me").unwrap().0, "literal");
        let (v, p) = found(&r, Method::GET, "/user/42").unwrap();
        assert_eq!((v, p), ("param", vec![("id".into(), "42".into())]));
        let (v, p) = found(&r, Method::GET, "/group/a/user/b").unwrap();
        assert_eq!(v, "two");
        assert_eq!(p, vec![("g".into(), "a".into()), ("u".into(), "b".into())]);
        assert_eq!(found(&r, Method::GET, "/wildcard").unwrap().0, "wild");
        assert_eq!(
            found(&r, Method::GET, "/wildcard/any/thing").unwrap().0,
            "wild"
        );
        assert_eq!(found(&r, Method::GET, "/www.index.html").unwrap().0, "www");
        assert_eq!(found(&r, Method::GET, "/missing").unwrap().0, "catchall");
    }

    #[test]
    fn empty_params_and_trailing_slashes_do_not_match() {
        let mut r = Router::default();
        r.insert(Method::GET, "/user/{id}", 1);
        r.insert(Method::GET, "/ping", 2);
        for p in ["/user/", "/ping/", "//ping", "/user/1/x"] {
            assert!(matches!(r.find(&Method::GET, p), Match::NotFound), "{p}");
        }
    }

    #[test]
    fn wrong_method_lists_allowed_methods_and_head_uses_get() {
        let r = router();
        match r.find(&Method::DELETE, "/echo") {
            Match::MethodNotAllowed(allow) => {
                assert_eq!(
                    allow,
                    vec![Method::POST, Method::GET, Method::HEAD],
                    "the catch-all serves GET"
                )
            }
            _ => panic!("expected 405"),
        }
        assert_eq!(found(&r, Method::HEAD, "/user/me").unwrap().0, "literal");
        let mut only_get = Router::default();
        only_get.insert(Method::GET, "/ping", 1);
        match only_get.find(&Method::POST, "/ping") {
            Match::MethodNotAllowed(allow) => assert_eq!(allow, vec![Method::GET, Method::HEAD]),
            _ => panic!("expected 405"),
        }
    }

    #[test]
    fn insert_replaces_and_paths_lists_each_pattern_once() {
        let mut r = Router::default();
        r.insert(Method::GET, "/a", 1);
        r.insert(Method::GET, "/a", 2);
        r.insert(Method::POST, "/a", 3);
        assert_eq!(r.paths(), vec!["/a"]);
        assert!(matches!(
            r.find(&Method::GET, "/a"),
            Match::Found { value: 2, .. }
        ));
    }
}
