//! `HttpService`: routes and the request pipeline (preprocessor → middleware → handler →
//! error page → postprocessor), with libhv's return-value semantics.

use std::sync::Arc;

use hyper::header::{HeaderValue, ALLOW, CONTENT_TYPE};
use hyper::Method;

use super::message::{status_page, Request, Response, STATUS_NEXT};
use super::proxy::Proxies;
use super::router::{Match, Router};
use super::static_files::StaticFiles;
use super::writer::Writer;

/// One request being handled: what the handler reads, fills, and may answer through later.
pub struct Exchange {
    pub req: Request,
    pub resp: Response,
    pub writer: Arc<Writer>,
}

/// A handler returns an HTTP status (done: the server answers from `resp`), `STATUS_NEXT` (the
/// writer answers), or another value (done, status unchanged). It runs on the connection's loop.
pub type Handler = Arc<dyn Fn(&mut Exchange) -> i32 + Send + Sync>;

#[derive(Clone)]
pub struct Service {
    router: Router<Handler>,
    pub preprocessor: Option<Handler>,
    pub middleware: Vec<Handler>,
    pub postprocessor: Option<Handler>,
    pub error_handler: Option<Handler>,
    /// Replaces routing and static files when set (libhv's `processor`).
    pub processor: Option<Handler>,
    /// Serves GET and HEAD requests that no route takes.
    pub static_files: StaticFiles,
    /// Reverse-proxy locations (checked before routing) and the forward-proxy policy.
    pub proxies: Proxies,
    /// One INFO log line per answered request (libhv's `enable_access_log`).
    pub access_log: bool,
}

impl Default for Service {
    fn default() -> Self {
        Service {
            router: Router::default(),
            preprocessor: None,
            middleware: Vec::new(),
            postprocessor: None,
            error_handler: None,
            processor: None,
            static_files: StaticFiles::default(),
            proxies: Proxies::default(),
            access_log: true,
        }
    }
}

impl Service {
    /// Adds (or replaces) a route; returns the handler replaced.
    pub fn route(&mut self, method: Method, pattern: &str, handler: Handler) -> Option<Handler> {
        self.router.insert(method, pattern, handler)
    }

    /// The same handler for HEAD, GET, POST, PUT, DELETE and PATCH (libhv's `Any`); returns the
    /// handlers replaced.
    pub fn route_any(&mut self, pattern: &str, handler: Handler) -> Vec<Handler> {
        [
            Method::HEAD,
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::PATCH,
        ]
        .into_iter()
        .filter_map(|m| self.router.insert(m, pattern, handler.clone()))
        .collect()
    }

    pub fn paths(&self) -> Vec<&str> {
        self.router.paths()
    }

    /// Runs the pipeline. Returns `true` when the server should answer from `ex.resp`, `false`
    /// when the writer answers (now or later).
    pub fn handle(&self, ex: &mut Exchange) -> bool {
        let code = self.process(ex);
        if (100..600).contains(&code) {
            ex.resp.status = code as u16;
            if code >= 400 && ex.resp.body.is_empty() && ex.req.method != Method::HEAD {
                match &self.error_handler {
                    Some(h) => {
                        h(ex);
                    }
                    None => {
                        ex.resp.body = status_page(code as u16).into_bytes();
                        ex.resp
                            .insert_header(CONTENT_TYPE, HeaderValue::from_static("text/html"));
                    }
                }
            }
        }
        if let Some(post) = &self.postprocessor {
            post(ex);
        }
        code != STATUS_NEXT && !ex.writer.is_started()
    }

    fn process(&self, ex: &mut Exchange) -> i32 {
        for stage in self.preprocessor.iter().chain(&self.middleware) {
            let code = stage(ex);
            if code != STATUS_NEXT {
                return code;
            }
        }
        if let Some(processor) = &self.processor {
            return processor(ex);
        }
        // The match borrows the router only, so the path is not copied out of the request.
        match self.router.find(&ex.req.method, ex.req.raw_path()) {
            Match::Found { value, params } => {
                for (k, v) in params {
                    ex.req.set_param(k, v);
                }
                if !ex.resp.headers.is_empty() {
                    ex.writer.seed_headers(&ex.resp.headers);
                }
                value(ex)
            }
            Match::MethodNotAllowed(allow) => {
                let list = allow
                    .iter()
                    .map(Method::as_str)
                    .collect::<Vec<_>>()
                    .join(", ");
                if let Ok(v) = HeaderValue::from_str(&list) {
                    ex.resp.insert_header(ALLOW, v);
                }
                405
            }
            // As libhv: only GET and HEAD fall through to static files (or 404); any other
            // method on a path no route knows is not implemented.
            Match::NotFound if !matches!(ex.req.method, Method::GET | Method::HEAD) => 501,
            Match::NotFound if !self.static_files.is_empty() => {
                self.static_files.serve(&ex.req, &mut ex.resp)
            }
            Match::NotFound => 404,
        }
    }
}
